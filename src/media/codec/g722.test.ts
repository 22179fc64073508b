import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { generateTone, toneSnr } from '../processor/goertzel.ts';
import { G722Decoder, G722Encoder, g722 } from './g722.ts';

/**
 * Runs spandsp's G.722 (the library baresip's g722 module uses) through Python's ctypes, as an independent
 * conforming implementation to compare bit for bit. Undefined when python3 or libspandsp is missing.
 */
function spandsp(mode: 'encode' | 'decode', input: Uint8Array): Uint8Array | undefined {
  const script = `
import ctypes, sys
l = ctypes.CDLL('libspandsp.so.2')
l.g722_encode_init.restype = ctypes.c_void_p
l.g722_decode_init.restype = ctypes.c_void_p
data = sys.stdin.buffer.read()
if sys.argv[1] == 'encode':
    n = len(data) // 2
    s = l.g722_encode_init(None, 64000, 0)
    out = (ctypes.c_uint8 * n)()
    k = l.g722_encode(ctypes.c_void_p(s), out, (ctypes.c_int16 * n).from_buffer_copy(data), n)
    sys.stdout.buffer.write(bytes(out)[:k])
else:
    n = len(data)
    s = l.g722_decode_init(None, 64000, 0)
    out = (ctypes.c_int16 * (2 * n))()
    k = l.g722_decode(ctypes.c_void_p(s), out, (ctypes.c_uint8 * n).from_buffer_copy(data), n)
    sys.stdout.buffer.write(bytes(out)[:2 * k])
`;
  try {
    return new Uint8Array(
      execFileSync('python3', ['-c', script, mode], { input, stdio: ['pipe', 'pipe', 'ignore'] }),
    );
  } catch {
    return undefined;
  }
}

/** Speech-like test signal: two tones, noise, and full-scale peaks to exercise the limiters. */
function testSignal(n: number): Int16Array {
  const pcm = new Int16Array(n);
  let seed = 3;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const v =
      9000 * Math.sin((2 * Math.PI * 1000 * i) / 16000) * (1 + Math.sin(i / 900)) +
      6000 * Math.sin((2 * Math.PI * 5300 * i) / 16000) +
      ((seed / 0x7fffffff) * 2 - 1) * 3000;
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  pcm.fill(32767, 5000, 5040);
  pcm.fill(-32768, 5040, 5080);
  return pcm;
}

test('encoder bit-exact with spandsp; decoder too, saturating where spandsp wraps', (t) => {
  const pcm = testSignal(32000);
  const ref = spandsp('encode', new Uint8Array(pcm.buffer));
  if (!ref) {
    t.skip('python3 with libspandsp.so.2 not available');
    return;
  }
  const mine = new G722Encoder().encode(pcm);
  assert.equal(mine.length, ref.length);
  assert.deepEqual(mine, ref);
  const refBytes = spandsp('decode', ref)!;
  const refPcm = new Int16Array(refBytes.buffer, refBytes.byteOffset, refBytes.byteLength >> 1);
  const decoded = new G722Decoder().decode(ref);
  assert.equal(decoded.length, refPcm.length);
  // Identical except where the QMF output overflows 16 bits: spandsp wraps around, this decoder saturates.
  let clipped = 0;
  for (let i = 0; i < decoded.length; i++) {
    if (decoded[i] === refPcm[i]) continue;
    assert.ok(decoded[i] === 32767 || decoded[i] === -32768, `sample ${i}: ${decoded[i]} vs ${refPcm[i]}`);
    assert.ok(Math.sign(decoded[i]!) !== Math.sign(refPcm[i]!), `sample ${i} is not a wrap-around`);
    clipped++;
  }
  assert.ok(clipped < 20, `${clipped} clipped samples`);
});

test('encoding in 20 ms frames equals encoding all at once (state carries over)', () => {
  const pcm = testSignal(3200);
  const whole = new G722Encoder().encode(pcm);
  const enc = new G722Encoder();
  const parts: number[] = [];
  for (let i = 0; i < pcm.length; i += 320) parts.push(...enc.encode(pcm.subarray(i, i + 320)));
  assert.deepEqual(Uint8Array.from(parts), whole);
});

test('a wideband tone (6 kHz, above G.711 bandwidth) survives', () => {
  const tone = generateTone(6000, 16000, 16000, 8000);
  const back = new G722Decoder().decode(new G722Encoder().encode(tone));
  assert.ok(toneSnr(back.subarray(1600), 16000, 6000) > 20);
});

test('factory: PT 9, 16 kHz PCM, 8000 RTP clock (RFC 3551); concealment fades', () => {
  assert.equal(g722.payloadType, 9);
  assert.equal(g722.sampleRate, 16000);
  assert.equal(g722.clockRate, 8000);
  const c = g722.create();
  assert.equal(c.encode(new Int16Array(320)).length, 160);
  c.decode(c.encode(generateTone(440, 16000, 320, 8000)));
  for (let i = 0; i < 5; i++) c.decode(c.encode(generateTone(440, 16000, 320, 8000, i)));
  const frames = Array.from({ length: 4 }, () => c.conceal!(320));
  const energy = (x: Int16Array) => x.reduce((s, v) => s + v * v, 0);
  // Full level for 10 ms, then fading 20 % per 10 ms (G.711 Appendix I timing at 16 kHz).
  assert.ok(energy(frames[0]!) > 0);
  for (let i = 1; i < 4; i++) assert.ok(energy(frames[i]!) < energy(frames[i - 1]!), `frame ${i}`);
});
