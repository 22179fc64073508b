import type { RtpPacket } from '../rtp/rtp-packet.ts';
import { DTMF_EVENTS, type DtmfDigit } from './dtmf-digit.ts';

export type { DtmfDigit } from './dtmf-digit.ts';

/**
 * RFC 4733 telephone-event payload (§2.3):
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 */
export interface TelephoneEvent {
  event: number;
  end: boolean;
  /** Power level, 0 to −63 dBm0, as a positive number. */
  volume: number;
  /** Duration so far, in RTP timestamp units. */
  duration: number;
}

/** Parses the first event of a telephone-event payload; undefined when shorter than 4 bytes. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

/** Serializes one telephone-event payload (4 bytes). */
export function serializeTelephoneEvent(e: TelephoneEvent): Uint8Array {
  const d = Math.min(0xffff, Math.max(0, Math.round(e.duration)));
  return Uint8Array.of(e.event & 0xff, (e.end ? 0x80 : 0) | (e.volume & 0x3f), d >> 8, d & 0xff);
}

/** Receiver settings. */
export interface Rfc4733ReceiverOptions {
  /** RTP clock of the telephone-event format (8000 or 48000); durations are converted with it. */
  clockRate: number;
  /** When set, packets of any other payload type are ignored (and counted). */
  payloadType?: number;
  /** An event with no packet for this long is reported as ended (its end packets were all lost). Default 600 ms. */
  stallMs?: number;
}

/** Counters of an `Rfc4733Receiver`. */
export interface Rfc4733ReceiverStats {
  packets: number;
  digits: number;
  /** Packets repeating an event already reported (the redundant end packets, retransmissions). */
  duplicates: number;
  /** Payloads too short or with a non-DTMF event code (e.g. flash, 16). */
  ignored: number;
  /** Events reported without their end packet (a new event began, or the event stalled). */
  endsInferred: number;
}

/** How many ended event timestamps are remembered for de-duplication. */
const REMEMBERED_ENDS = 8;
/** What nearly every poll returns: one shared empty list (polled for every member at every tick). */
const NO_DIGITS: readonly DtmfDigit[] = Object.freeze([]);

/**
 * RFC 4733 telephone-event receiver (§2.5.2): one digit per event, keyed by the event's RTP timestamp.
 * The end packet (E bit) reports the digit; its redundant retransmissions (§2.5.1.4, usually three) and any
 * later packet of that timestamp are de-duplicated. An event that starts without its marked begin packet is
 * still taken, and one whose end packets are all lost is reported when the next event starts or after
 * `stallMs` without packets (pass `nowMs` to `process`, or call `poll(nowMs)` on the media clock).
 */
export class Rfc4733Receiver {
  #clockRate: number;
  #payloadType: number | undefined;
  #stallMs: number;
  /** The event being received: first and current segment timestamps, units of earlier segments. */
  #current:
    | { start: number; timestamp: number; event: number; base: number; duration: number; lastMs: number }
    | undefined;
  /** Recently ended events (timestamp and code), to drop their redundant end packets. */
  #ended: { timestamp: number; event: number }[] = [];
  #stats: Rfc4733ReceiverStats = { packets: 0, digits: 0, duplicates: 0, ignored: 0, endsInferred: 0 };

  constructor(options: Rfc4733ReceiverOptions) {
    this.#clockRate = options.clockRate;
    this.#payloadType = options.payloadType;
    this.#stallMs = options.stallMs ?? 600;
  }

  /** Feeds one telephone-event packet; returns the digits it completes (usually zero or one). */
  process(packet: RtpPacket, nowMs = 0): DtmfDigit[] {
    const out: DtmfDigit[] = [];
    if (this.#payloadType !== undefined && packet.payloadType !== this.#payloadType) {
      this.#stats.ignored++;
      return out;
    }
    this.#stats.packets++;
    const ev = parseTelephoneEvent(packet.payload);
    if (!ev || ev.event >= DTMF_EVENTS.length) {
      this.#stats.ignored++;
      return out;
    }
    const ts = packet.timestamp >>> 0;
    // A repeat of an ended event: same timestamp and code. (Some senders reuse the timestamp for the next
    // key; a different code is then a new event.)
    if (this.#ended.some((e) => e.timestamp === ts && e.event === ev.event)) {
      this.#stats.duplicates++;
      return out;
    }
    const cur = this.#current;
    if (
      cur &&
      cur.timestamp !== ts &&
      ev.event === cur.event &&
      cur.duration >= 0xff00 &&
      ts === (cur.timestamp + cur.duration) >>> 0
    ) {
      // §2.5.1.3: an event too long for 16 bits continues in a new segment starting where the last ended.
      cur.base += cur.duration;
      cur.timestamp = ts;
      cur.duration = 0;
    } else if (cur && cur.timestamp !== ts) {
      // A new event while the previous one never ended: its end packets were lost (§2.5.2.2).
      this.#stats.endsInferred++;
      out.push(this.#finish(cur));
    }
    if (!this.#current) {
      this.#current = {
        start: ts,
        timestamp: ts,
        event: ev.event,
        base: 0,
        duration: ev.duration,
        lastMs: nowMs,
      };
    }
    const c = this.#current!;
    c.lastMs = nowMs;
    // Durations only grow within an event; a reordered older update must not shrink it.
    if (ev.duration > c.duration) c.duration = ev.duration;
    if (ev.end) out.push(this.#finish(c));
    return out;
  }

  /**
   * The key being held right now (an event begun but not ended), for barge-in: a prompt can stop at the
   * press while the digit itself is reported at its end.
   */
  pending(): { digit: string; timestamp: number } | undefined {
    const c = this.#current;
    return c ? { digit: DTMF_EVENTS[c.event]!, timestamp: c.start } : undefined;
  }

  /** Reports an event that has had no packet for `stallMs` (call on the media clock). */
  poll(nowMs: number): readonly DtmfDigit[] {
    const c = this.#current;
    if (c && nowMs - c.lastMs >= this.#stallMs) {
      this.#stats.endsInferred++;
      return [this.#finish(c)];
    }
    return NO_DIGITS;
  }

  #finish(c: { start: number; timestamp: number; event: number; base: number; duration: number }): DtmfDigit {
    this.#current = undefined;
    this.#ended.push({ timestamp: c.timestamp, event: c.event });
    if (this.#ended.length > REMEMBERED_ENDS) this.#ended.shift();
    this.#stats.digits++;
    return {
      digit: DTMF_EVENTS[c.event]!,
      durationMs: ((c.base + c.duration) * 1000) / this.#clockRate,
      timestamp: c.start,
      source: 'rfc4733',
    };
  }

  stats(): Rfc4733ReceiverStats {
    return { ...this.#stats };
  }
}

/** Sender settings. */
export interface Rfc4733SenderOptions {
  payloadType: number;
  /** 8000 or 48000 (the clock of the negotiated telephone-event format). */
  clockRate: number;
  /** Power level as a positive dBm0 attenuation (default 10, i.e. −10 dBm0). */
  volume?: number;
  /** Interval between update packets (default 20 ms, the audio ptime). */
  intervalMs?: number;
  /** How many times the end packet is sent (default 3, §2.5.1.4). */
  endRepeats?: number;
}

/** One packet to send and when, relative to the start of the digit. */
export interface ScheduledPacket {
  packet: RtpPacket;
  atMs: number;
}

/**
 * Builds the RFC 4733 packet sequence for one digit (§2.5.1): a first packet with the marker bit, updates
 * every `intervalMs` with the growing duration, then the end packet sent `endRepeats` times; all share the
 * event's start timestamp. The caller stamps them on its stream's SSRC and sequence space.
 */
export class Rfc4733Sender {
  #options: Required<Rfc4733SenderOptions>;
  #digits = 0;
  #packets = 0;

  constructor(options: Rfc4733SenderOptions) {
    this.#options = { volume: 10, intervalMs: 20, endRepeats: 3, ...options };
  }

  /**
   * The packets for `digit` held `durationMs` (clamped so the duration fits 16 bits at this clock: 8.19 s at
   * 8000, 1.36 s at 48000), starting at RTP `timestamp` with `sequenceNumber` (incremented per packet).
   * Returns an empty list for a character that is not a DTMF digit.
   */
  build(
    digit: string,
    durationMs: number,
    start: { ssrc: number; sequenceNumber: number; timestamp: number },
  ): ScheduledPacket[] {
    const event = DTMF_EVENTS.indexOf(digit.toUpperCase());
    if (event < 0 || digit.length !== 1) return [];
    const { payloadType, clockRate, volume, intervalMs, endRepeats } = this.#options;
    const unitsPerMs = clockRate / 1000;
    const total = Math.min(0xffff, Math.max(1, Math.round(durationMs * unitsPerMs)));
    const totalMs = total / unitsPerMs;
    const out: ScheduledPacket[] = [];
    let seq = start.sequenceNumber;
    const make = (duration: number, end: boolean, marker: boolean, atMs: number): void => {
      out.push({
        atMs,
        packet: {
          version: 2,
          padding: false,
          marker,
          payloadType,
          sequenceNumber: seq & 0xffff,
          timestamp: start.timestamp >>> 0,
          ssrc: start.ssrc >>> 0,
          csrc: [],
          payload: serializeTelephoneEvent({ event, end, volume, duration }),
        },
      });
      seq++;
    };
    // Updates while the key is held: at 0, interval, 2·interval … strictly before the end.
    for (let t = 0; t < totalMs; t += intervalMs) {
      make(Math.min(total, Math.round((t + intervalMs) * unitsPerMs)), false, t === 0, t);
    }
    for (let i = 0; i < endRepeats; i++) make(total, true, out.length === 0, totalMs + i * intervalMs);
    this.#digits++;
    this.#packets += out.length;
    return out;
  }

  stats(): { digits: number; packets: number } {
    return { digits: this.#digits, packets: this.#packets };
  }
}
