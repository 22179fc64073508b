/**
 * `npm run bench -- sdp`: the signalling-side cost of media negotiation per call. For each peer shape
 * (baresip, Chromium), parse its offer, answer it, serialise the answer; and for outbound calls, create
 * an offer and read an answer. Operations per second on one core, about a second each.
 * Last line: one JSON object with every figure.
 */
import { readFileSync } from 'node:fs';
import { createOffer } from '../src/media/sdp/create-offer.ts';
import { answerOffer } from '../src/media/sdp/offer-answer.ts';
import { parseSdp } from '../src/media/sdp/parse-sdp.ts';
import { readAnswer } from '../src/media/sdp/read-answer.ts';
import { isSdpError, type Sdp } from '../src/media/sdp/sdp.ts';
import { serializeSdp } from '../src/media/sdp/serialize-sdp.ts';
import { SdpSessionVersion } from '../src/media/sdp/session-version.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../src/media/sdp/fixtures/${name}`, import.meta.url), 'utf8');

/** Runs `fn` for about `ms` and returns calls per second. */
function rate(fn: () => void, ms = 1000): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    now = process.hrtime.bigint();
  }
  return Math.round(n / (Number(now - start) / 1e9));
}

function mustParse(text: string): Sdp {
  const s = parseSdp(text);
  if (isSdpError(s)) throw new Error(s.message);
  return s;
}

export default function main(): void {
  const figures: Record<string, number> = {};
  for (const [name, file, protocols] of [
    ['baresip', 'baresip-1.0-offer.sdp', ['RTP/AVP']],
    ['chromium', 'chromium-156-offer.sdp', ['UDP/TLS/RTP/SAVPF']],
  ] as const) {
    const text = fixture(file);
    const session = new SdpSessionVersion();
    figures[`${name}AnswersPerSecond`] = rate(() => {
      const a = answerOffer(mustParse(text), { address: '127.0.0.1', port: 20000, session, protocols });
      if ('error' in a) throw new Error(a.message);
      serializeSdp(a.sdp);
    });
  }
  const session = new SdpSessionVersion();
  const offer = createOffer({ address: '127.0.0.1', port: 20000, session });
  const answerText = serializeSdp(
    (
      answerOffer(offer, { address: '127.0.0.1', port: 30000, session: new SdpSessionVersion() }) as {
        sdp: Sdp;
      }
    ).sdp,
  );
  figures.offersAndAnswersReadPerSecond = rate(() => {
    const o = createOffer({ address: '127.0.0.1', port: 20000, session });
    serializeSdp(o);
    const r = readAnswer(o, mustParse(answerText));
    if ('error' in r) throw new Error(r.message);
  });
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(34)} ${v.toLocaleString('en')} /s`);
  console.log(JSON.stringify({ bench: 'sdp', ...figures }));
}
