/**
 * The seed's conference call, end to end with real phones: `parley serve` configured through its API,
 * two baresip desk phones (users 101 and 102) dial the room's extension, type the access code and `#` as
 * RFC 4733 digits, and each hears the other's tone (checked in what baresip recorded) and not its own.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Baresip } from './helpers/baresip.ts';
import { callFixture } from './helpers/call-fixture.ts';
import { skipWithout } from './helpers/skip.ts';
import { toneShare } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox');

/** The last `seconds` before the end, minus the final half second (hang-up). */
function tail(samples: Int16Array, rate: number, seconds: number): Int16Array {
  const end = Math.max(0, samples.length - rate / 2);
  return samples.subarray(Math.max(0, end - seconds * rate), end);
}

describe('two desk phones in a conference with an access code', { skip }, () => {
  const f = callFixture({
    name: 'conf',
    users: users('101', '102'),
    conferences: [{ name: 'Sales', extension: '500', accessCode: '1234', waitForAdmin: false }],
  });

  /** 101 and 102 dial the room, type the code, talk over each other; each hears the other, not itself. */
  async function twoPhones(codecs: Record<string, string[] | undefined>): Promise<number[]> {
    const tones = { '101': 440, '102': 1000 };
    const phones: Baresip[] = [];
    const rates: number[] = [];
    try {
      for (const [ext, freq] of Object.entries(tones)) {
        const wideband = codecs[ext]?.some((c) => c.startsWith('G722'));
        const phone = await f.addPhone({
          extension: ext,
          tone: freq,
          rate: wideband ? 16000 : 8000,
          ...(codecs[ext] ? { codecs: codecs[ext] } : {}),
        });
        phones.push(phone);
      }
      for (const phone of phones) {
        await phone.command('dial', '500');
        await phone.event('CALL_ESTABLISHED');
        // Let the receptionist start asking, then type the code and #.
        await new Promise((r) => setTimeout(r, 1500));
        await phone.sendDigits('1234#');
      }
      const participants = () => f.participants();
      for (let i = 0; i < 100 && (await participants()).length < 2; i++)
        await new Promise((r) => setTimeout(r, 200));
      assert.equal((await participants()).length, 2, f.parley.output().slice(-4000));
      // Both in the room: let them talk over each other for a while.
      await new Promise((r) => setTimeout(r, 6000));
      for (const phone of phones) await phone.command('hangup');
      await new Promise((r) => setTimeout(r, 500));

      for (const [i, phone] of phones.entries()) {
        const own = i === 0 ? 440 : 1000;
        const other = i === 0 ? 1000 : 440;
        const { samples, sampleRate } = phone.received();
        rates.push(sampleRate);
        const window = tail(samples, sampleRate, 3);
        const heard = toneShare(window, sampleRate, other);
        const echoed = toneShare(window, sampleRate, own);
        assert.ok(heard > 0.6, `phone ${i + 1} should hear ${other} Hz: share ${heard.toFixed(3)}`);
        assert.ok(
          echoed < 0.05,
          `phone ${i + 1} should not hear its own ${own} Hz: share ${echoed.toFixed(3)}`,
        );
      }
      return rates;
    } finally {
      for (const p of phones) await p.stop().catch(() => {});
      // The room empties before the next test dials in.
      for (let i = 0; i < 50; i++) {
        const list = await f.participants();
        if (list.length === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  test('each hears the other tone, not its own', async () => {
    await twoPhones({});
  });

  test('a G.722-only phone and a G.711 phone in one room hear each other', async () => {
    const rates = await twoPhones({ '101': ['G722/16000/1'] });
    // baresip records what it decodes at the codec's rate: 16 kHz means the call ran G.722.
    assert.deepEqual(rates, [16000, 8000]);
  });
});
