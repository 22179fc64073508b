import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  ALAW_DECODE,
  ALAW_ENCODE,
  alawEncode,
  g711MeanSquare,
  MULAW_DECODE,
  MULAW_ENCODE,
  mulawEncode,
  pcma,
  pcmu,
} from './g711.ts';

test('µ-law matches G.711 reference points', () => {
  assert.equal(MULAW_ENCODE[0], 0xff);
  assert.equal(MULAW_DECODE[0xff], 0);
  assert.equal(MULAW_DECODE[0x80], 32124); // largest positive step
  assert.equal(MULAW_DECODE[0x00], -32124);
  assert.equal(MULAW_ENCODE[32767], 0x80); // clipped to the top code
  assert.equal(MULAW_ENCODE[-32768 & 0xffff], 0x00);
  assert.equal(MULAW_ENCODE[1000], 0xce); // segment 3, step 14
});

test('A-law matches G.711 reference points', () => {
  assert.equal(ALAW_ENCODE[0], 0xd5);
  assert.equal(ALAW_DECODE[0xd5], 8);
  assert.equal(ALAW_DECODE[0x55], -8);
  assert.equal(ALAW_DECODE[0xaa], 32256);
  assert.equal(ALAW_DECODE[0x2a], -32256);
  assert.equal(ALAW_ENCODE[1000], 0xfa); // segment 3
});

test('every code decodes and re-encodes to itself (except µ-law negative zero)', () => {
  for (let c = 0; c < 256; c++) {
    assert.equal(ALAW_ENCODE[ALAW_DECODE[c]! & 0xffff], c, `A-law ${c}`);
    if (c !== 0x7f) assert.equal(MULAW_ENCODE[MULAW_DECODE[c]! & 0xffff], c, `µ-law ${c}`);
  }
});

test('quantisation error stays within one step for every 16-bit input', () => {
  for (let s = -32768; s < 32768; s += 7) {
    for (const [enc, dec] of [
      [MULAW_ENCODE, MULAW_DECODE],
      [ALAW_ENCODE, ALAW_DECODE],
    ] as const) {
      const back = dec[enc[s & 0xffff]!]!;
      const mag = Math.abs(s);
      // step size in segment: 1/16 of the segment span, so error ≤ |s|/32 + small floor, clip at 32124/32256
      const bound = Math.max(mag / 16, 16) + Math.max(0, mag - 32124);
      assert.ok(Math.abs(back - s) <= bound, `${s} -> ${back}`);
    }
  }
});

test('factories expose static payload types; each stream conceals loss from its own history', () => {
  assert.equal(pcmu.payloadType, 0);
  assert.equal(pcma.payloadType, 8);
  const a = pcma.create();
  const b = pcma.create();
  assert.notEqual(a, b);
  const tone = Uint8Array.from(
    { length: 160 },
    (_, i) => ALAW_ENCODE[Math.round(8000 * Math.sin(i / 4)) & 0xffff]!,
  );
  a.decode(tone);
  a.decode(tone);
  const energy = (x: Int16Array) => x.reduce((s, v) => s + v * v, 0);
  assert.ok(energy(a.conceal!(160)) > 0.5 * energy(a.decode(tone)));
  assert.equal(energy(b.conceal!(160)), 0);
  assert.deepEqual([...pcmu.create().encode(Int16Array.of(0, 1000, -1000))], [0xff, 0xce, 0x4e]);
});

/** Runs sox on raw little-endian audio; undefined when sox is not installed. */
function sox(input: Uint8Array, from: string[], to: string[]): Uint8Array | undefined {
  try {
    const args = [
      '-D',
      '-t',
      'raw',
      '-r',
      '8000',
      '-c',
      '1',
      ...from,
      '-',
      '-t',
      'raw',
      '-c',
      '1',
      ...to,
      '-',
    ];
    return new Uint8Array(execFileSync('sox', args, { input, stdio: ['pipe', 'pipe', 'ignore'] }));
  } catch {
    return undefined;
  }
}

test('agrees with sox on every code and every 16-bit sample', (t) => {
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const all = new Int16Array(65536).map((_, i) => i - 32768);
  for (const [law, decode, encode, step] of [
    ['a-law', ALAW_DECODE, ALAW_ENCODE, 8],
    ['u-law', MULAW_DECODE, MULAW_ENCODE, 4],
  ] as const) {
    const decoded = sox(codes, ['-e', law, '-b', '8'], ['-e', 'signed', '-b', '16', '-L']);
    if (!decoded) {
      t.skip('sox not installed');
      return;
    }
    assert.deepEqual(new Int16Array(decoded.buffer, decoded.byteOffset, 256), decode, `${law} decode`);
    const encoded = sox(
      new Uint8Array(all.buffer),
      ['-e', 'signed', '-b', '16', '-L'],
      ['-e', law, '-b', '8'],
    )!;
    // sox rounds to the law's 13/14-bit resolution before encoding where G.711 (G.191) truncates; with the
    // same rounding applied first, every sample must encode alike.
    for (let i = 0; i < 65536; i++) {
      const rounded = Math.max(-32768, Math.min(32767, Math.round(all[i]! / step) * step));
      if (encode[rounded & 0xffff] !== encoded[i])
        assert.fail(`${law}: ${all[i]} → ${encode[rounded & 0xffff]}, sox ${encoded[i]}`);
    }
  }
});

test('g711MeanSquare equals the energy of the decoded frame', () => {
  const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(9000 * Math.sin(i / 3)));
  for (const f of [pcmu, pcma]) {
    const payload = f.create().encode(pcm);
    const decoded = f.create().decode(payload);
    const e = decoded.reduce((s, v) => s + v * v, 0) / decoded.length;
    assert.ok(Math.abs(g711MeanSquare(f.name as 'PCMU' | 'PCMA', payload) - e) < 1e-6 * e);
  }
  assert.equal(g711MeanSquare('PCMU', new Uint8Array(0)), 0);
});

test("the arithmetic encoders give the tables' code for every 16-bit sample", () => {
  for (let v = -32768; v <= 32767; v++) {
    if (mulawEncode(v) !== MULAW_ENCODE[v & 0xffff]) assert.fail(`µ-law ${v}: ${mulawEncode(v)}`);
    if (alawEncode(v) !== ALAW_ENCODE[v & 0xffff]) assert.fail(`A-law ${v}: ${alawEncode(v)}`);
  }
});
