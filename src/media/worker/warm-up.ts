/**
 * Warms the media path's rarely run code before the first call. A conference worker's steady state never
 * loses a packet, so its concealment code (jitter buffer `lost`, G.711 Appendix I pitch search and
 * waveform substitution, the decodes that prime it) stays unoptimised. Then one network hiccup makes every
 * member of every room start concealing in the same tick, each through cold code: measured at ~0.9 ms for
 * each of the first starts and ~0.23 ms each for 120 starting in one tick, against ~19 µs each for 1,000
 * starting in one tick once optimised; cold, a hundred members overrun the 20 ms tick of a full worker. So
 * each worker runs that path 150 times per codec soon after it starts, in slices between
 * its ticks (`scheduleWarmUp`), on sessions with an in-memory transport (no socket, nothing sent anywhere).
 */
import { performance } from 'node:perf_hooks';
import { getCodecFactory } from '../codec/index.ts';
import { generateTone } from '../processor/goertzel.ts';
import { MemoryTransport } from '../session/memory-transport.ts';
import { RtpSession } from '../session/rtp-session.ts';

/** What a warm-up did: concealed frames and its duration. */
export interface WarmUpResult {
  concealed: number;
  ms: number;
}

/**
 * Runs a PCMU and a PCMA stream through an RTP session for `rounds` rounds of eight packets, one of them
 * lost (so one concealed frame per round and codec). About 0.4 ms per round on a small machine.
 */
export function warmUpMediaPath(rounds: number): WarmUpResult {
  const started = performance.now();
  let concealed = 0;
  for (const name of ['PCMU', 'PCMA'] as const) {
    const factory = getCodecFactory(name, 8000)!;
    const codec = factory.create();
    const frames = [0, 1, 2, 3].map((i) =>
      codec.encode(generateTone(220 + 110 * i, 8000, 160, 6000, 0)).slice(),
    );
    const payloadType = name === 'PCMU' ? 0 : 8;
    const transport = new MemoryTransport();
    const session = new RtpSession(
      { id: `warm-up-${name}`, codec: { name, payloadType, clockRate: 8000 }, rtpTimeoutMs: 0 },
      factory,
      transport,
    );
    const packet = Buffer.alloc(172);
    let seq = 0;
    for (let tick = 0; tick < rounds * 8; tick++) {
      // Every eighth packet of a stream goes missing, then the stream goes on: a concealment start, a
      // lost frame, and the recovery cross-fade, each round.
      if (tick % 8 !== 5) {
        packet[0] = 0x80;
        packet[1] = payloadType;
        packet.writeUInt16BE(seq & 0xffff, 2);
        packet.writeUInt32BE((seq * 160) >>> 0, 4);
        packet.writeUInt32BE(0x5eed, 8);
        packet.set(frames[tick & 3]!, 12);
        transport.receive(Buffer.from(packet), tick * 20);
      }
      seq++;
      session.pull(tick * 20 + 20);
      // Read the frame as the mixer or a recorder would (decoding it when still a payload).
      void session.frame;
    }
    concealed += session.stats().framesConcealed;
    session.close();
  }
  return { concealed, ms: performance.now() - started };
}

/** Rounds per slice: a few ms, run between ticks. */
const SLICE_ROUNDS = 10;
/** Slices in all: 150 rounds, so 150 concealment starts and recoveries per codec. */
const SLICES = 15;

/**
 * Warms the path in slices (`setImmediate` between them, so ticks and requests run in between), starting
 * after `delayMs` so that short-lived workers (tests) never pay for it. Timers are unref'd.
 */
export function scheduleWarmUp(delayMs = 1000): void {
  let left = SLICES;
  const slice = () => {
    warmUpMediaPath(SLICE_ROUNDS);
    if (--left > 0) setImmediate(slice).unref();
  };
  setTimeout(slice, delayMs).unref();
}
