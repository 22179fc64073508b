import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALAW_DECODE, ALAW_ENCODE, MULAW_DECODE, MULAW_ENCODE } from '../codec/g711.ts';
import {
  type G711Kernel,
  g711Kernel,
  jsG711Kernel,
  SLOT_ADD,
  SLOT_ALAW,
  SLOT_ENCODE,
  SLOT_MEASURE,
} from './g711-kernel.ts';
import { softLimit } from './soft-limit.ts';

/** A deterministic generator (xorshift32), so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const N = 160;

/** A room of `count` slots with random payloads and flags, and a sum that starts with a random offset. */
function room(seed: number, count: number, loud: boolean) {
  const next = rng(seed);
  const slab = new Uint8Array(count * N);
  for (let i = 0; i < slab.length; i++) {
    // Loud rooms: codes of µ-law's loudest segment (0x00–0x0f, 0x80–0x8f), half of them xor 0x55 (A-law's
    // inversion, which makes them quiet A-law and middling µ-law codes). With laws drawn at random, enough
    // samples are loud that sums pass the limiter's knee: the test fails when the knee moves.
    slab[i] = loud ? (next() & 0x8f) ^ (next() & 1 ? 0 : 0x55) : next() & 0xff;
  }
  const flags = new Uint8Array(count);
  for (let k = 0; k < count; k++) flags[k] = (next() & 7) | (next() & 1 ? SLOT_ALAW : 0);
  const sum = new Int32Array(N);
  for (let i = 0; i < N; i++) sum[i] = (next() % 20001) - 10000;
  return { slab, flags, sum };
}

/** What the kernel must do, written the plain way. */
function reference(slab: Uint8Array, flags: Uint8Array, count: number, sum0: Int32Array) {
  const sum = Int32Array.from(sum0);
  const energies = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const table = flags[k]! & SLOT_ALAW ? ALAW_DECODE : MULAW_DECODE;
    const decoded = Array.from(slab.subarray(k * N, (k + 1) * N), (c) => table[c]!);
    if (flags[k]! & SLOT_MEASURE) energies[k] = decoded.reduce((e, v) => e + v * v, 0) / N;
    if (flags[k]! & SLOT_ADD) for (let i = 0; i < N; i++) sum[i]! += decoded[i]!;
  }
  const out = new Uint8Array(count * N);
  for (let k = 0; k < count; k++) {
    if (!(flags[k]! & SLOT_ENCODE)) continue;
    const alaw = (flags[k]! & SLOT_ALAW) !== 0;
    const table = alaw ? ALAW_DECODE : MULAW_DECODE;
    const encodeTable = alaw ? ALAW_ENCODE : MULAW_ENCODE;
    for (let i = 0; i < N; i++) {
      out[k * N + i] = encodeTable[softLimit(sum[i]! - table[slab[k * N + i]!]!) & 0xffff]!;
    }
  }
  return { sum, energies, out };
}

function run(kernel: G711Kernel, slab: Uint8Array, flags: Uint8Array, count: number, sum0: Int32Array) {
  const sum = Int32Array.from(sum0);
  const energies = new Float64Array(count);
  const out = new Uint8Array(count * N);
  kernel.accumulate(slab, flags, count, sum, energies);
  kernel.encode(slab, flags, count, sum, out);
  return { sum, energies, out };
}

const kernels: G711Kernel[] = [jsG711Kernel];
if (g711Kernel().native) kernels.push(g711Kernel());

describe('G.711 room kernel', () => {
  it('is native when the addon is built (npm install builds it on Linux)', (t) => {
    if (process.platform !== 'linux' || process.env.PARLEY_NATIVE_MIX === '0') {
      t.skip('not Linux, or disabled');
      return;
    }
    assert.equal(g711Kernel().native, true);
  });

  for (const kernel of kernels) {
    const name = kernel.native ? 'native' : 'JS';
    it(`${name}: measures, sums and encodes each slot as its flags and law say`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const count = 1 + (seed % 13);
        const { slab, flags, sum } = room(seed, count, seed % 2 === 0);
        assert.deepEqual(
          run(kernel, slab, flags, count, sum),
          reference(slab, flags, count, sum),
          `seed ${seed}`,
        );
      }
    });

    it(`${name}: touches only the first count slots`, () => {
      const { slab, flags, sum } = room(7, 6, false);
      flags.fill(SLOT_ADD | SLOT_MEASURE | SLOT_ENCODE);
      const got = run(kernel, slab, flags, 3, sum);
      assert.deepEqual(got, reference(slab, flags, 3, sum));
    });

    it(`${name}: encodes every sum from −40,000 to 40,000 as the G.711 tables do, both laws`, () => {
      // One slot a frame of 80,001 samples long, its payload the code that decodes nearest 0.
      const sum = Int32Array.from({ length: 80_001 }, (_, i) => i - 40_000);
      for (const [law, code, table, encodeTable] of [
        [0, 0xff, MULAW_DECODE, MULAW_ENCODE],
        [SLOT_ALAW, 0xd5, ALAW_DECODE, ALAW_ENCODE],
      ] as const) {
        const slab = new Uint8Array(sum.length).fill(code);
        const out = new Uint8Array(sum.length);
        kernel.encode(slab, Uint8Array.of(law | SLOT_ENCODE), 1, sum, out);
        for (let i = 0; i < sum.length; i++) {
          const want = encodeTable[softLimit(sum[i]! - table[code]!) & 0xffff]!;
          if (out[i] !== want) assert.fail(`law ${law}, sum ${sum[i]}: ${out[i]} instead of ${want}`);
        }
      }
    });

    it(`${name}: limits loud sums softly instead of wrapping`, () => {
      // Twenty members at full scale: their sum is ~650,000, far past int16.
      const count = 20;
      const slab = new Uint8Array(count * N).fill(0x80); // µ-law +32124
      const flags = new Uint8Array(count).fill(SLOT_ADD | SLOT_MEASURE | SLOT_ENCODE);
      const got = run(kernel, slab, flags, count, new Int32Array(N));
      assert.equal(got.sum[0], 20 * MULAW_DECODE[0x80]!);
      assert.equal(got.energies[0], MULAW_DECODE[0x80]! ** 2);
      // Each hears the 19 others: limited just under full scale, encoded as the loudest positive code.
      assert.equal(got.out[0], MULAW_ENCODE[softLimit(19 * MULAW_DECODE[0x80]!)]);
      assert.equal(got.out[0], 0x80);
    });
  }

  if (kernels.length === 2) {
    it('native refuses arrays too short for count slots, and arrays of the wrong type', () => {
      const k = g711Kernel();
      const sum = new Int32Array(N);
      assert.throws(
        () => k.accumulate(new Uint8Array(N), new Uint8Array(2), 2, sum, new Float64Array(2)),
        RangeError,
      );
      assert.throws(
        () => k.encode(new Uint8Array(2 * N), new Uint8Array(2), 2, sum, new Uint8Array(N)),
        RangeError,
      );
      assert.throws(
        () => k.accumulate(new Uint8Array(N), new Uint8Array(1), 1, sum, new Float32Array(1) as never),
        TypeError,
      );
    });
  }
});
