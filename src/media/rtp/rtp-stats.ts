import type { ReportBlock, SenderReport } from './rtcp.ts';
import type { RtpPacket } from './rtp-packet.ts';

/** RFC 3550 A.1 constants: a jump this big is a restart or garbage, not loss. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;
const SEQ_MOD = 0x10000;

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2208988800;

/** What the receiver made of one packet. */
export type SequenceVerdict =
  /** In sequence (or a tolerable reorder/duplicate): counted. */
  | 'valid'
  /** A new source still on probation (A.1: needs MIN_SEQUENTIAL packets in a row). */
  | 'probation'
  /** A jump beyond MAX_DROPOUT not (yet) confirmed by a following packet: not counted. */
  | 'bad-sequence';

/** Receiver-side figures for one stream. */
export interface ReceiverStatsSnapshot {
  ssrc: number | undefined;
  received: number;
  expected: number;
  /** Cumulative lost (expected − received, may be negative with duplicates). */
  lost: number;
  /** Extended highest sequence number. */
  highestSequence: number;
  /** Interarrival jitter (A.8) in timestamp units and in ms. */
  jitter: number;
  jitterMs: number;
  /** Packets rejected by sequence validation, and how often the source changed or restarted. */
  badSequence: number;
  ssrcChanges: number;
  restarts: number;
}

/**
 * Receiver statistics of one RTP stream (RFC 3550 Appendix A): sequence validation with wrap and restart
 * detection (A.1), expected/lost and the fraction lost per report interval (A.3), interarrival jitter (A.8),
 * and a new SSRC taken as a new source. `reportBlock()` gives the RR/SR report block (§6.4.1).
 * Arrival times are given by the caller, in ms on any monotonic clock.
 */
export class RtpReceiverStats {
  #clockRate: number;
  /**
   * The source's SSRC, −1 before the first packet. Numeric fields updated per packet never hold undefined:
   * V8 then keeps them as plain doubles, where a field that may be undefined boxes every 32-bit value
   * stored in it (an allocation and a write barrier per packet).
   */
  #ssrc = -1;
  #maxSeq = 0;
  #cycles = 0;
  #baseSeq = 0;
  #badSeq = SEQ_MOD + 1;
  #probation = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  /** Transit time of the previous packet (A.8), NaN when there is none. */
  #transit = Number.NaN;
  #jitter = 0;
  #lastSr = 0;
  /** When the last SR arrived, NaN when none has. */
  #lastSrArrivalMs = Number.NaN;
  #badSequence = 0;
  #ssrcChanges = 0;
  #restarts = 0;

  constructor(options: { clockRate: number }) {
    this.#clockRate = options.clockRate;
  }

  #initSeq(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#badSeq = SEQ_MOD + 1;
    this.#cycles = 0;
    this.#received = 0;
    this.#receivedPrior = 0;
    this.#expectedPrior = 0;
  }

  /** A.1 update_seq. */
  #updateSeq(seq: number): SequenceVerdict {
    const udelta = (seq - this.#maxSeq + SEQ_MOD) % SEQ_MOD;
    if (this.#probation > 0) {
      if (seq === (this.#maxSeq + 1) % SEQ_MOD) {
        this.#probation--;
        this.#maxSeq = seq;
        if (this.#probation === 0) {
          this.#initSeq(seq);
          this.#received++;
          return 'valid';
        }
      } else {
        this.#probation = MIN_SEQUENTIAL - 1;
        this.#maxSeq = seq;
      }
      return 'probation';
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < this.#maxSeq) this.#cycles += SEQ_MOD; // wrapped
      this.#maxSeq = seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      if (seq === this.#badSeq) {
        // Two sequential packets after a big jump: the sender restarted, resync (A.1).
        this.#restarts++;
        this.#initSeq(seq);
      } else {
        this.#badSeq = (seq + 1) % SEQ_MOD;
        this.#badSequence++;
        return 'bad-sequence';
      }
    }
    // else: duplicate or reordered within MAX_MISORDER, counted as received.
    this.#received++;
    return 'valid';
  }

  /** Accounts one received packet. */
  process(packet: RtpPacket, arrivalMs: number): SequenceVerdict {
    if (packet.ssrc !== this.#ssrc) {
      if (this.#ssrc !== -1) this.#ssrcChanges++;
      this.#ssrc = packet.ssrc;
      // A.1: a new source starts on probation; max_seq = seq − 1 so the first packet is "in sequence".
      this.#initSeq(packet.sequenceNumber);
      this.#maxSeq = (packet.sequenceNumber + SEQ_MOD - 1) % SEQ_MOD;
      this.#probation = MIN_SEQUENTIAL;
      this.#transit = Number.NaN;
      this.#jitter = 0;
      this.#lastSrArrivalMs = Number.NaN;
      this.#lastSr = 0;
    }
    const verdict = this.#updateSeq(packet.sequenceNumber);
    if (verdict !== 'bad-sequence') {
      // A.8: transit in timestamp units; modular so a 32-bit timestamp wrap is harmless.
      const arrival = (arrivalMs * this.#clockRate) / 1000;
      const transit = arrival - packet.timestamp;
      if (!Number.isNaN(this.#transit)) {
        let d = transit - this.#transit;
        d -= Math.round(d / 0x100000000) * 0x100000000;
        this.#jitter += (Math.abs(d) - this.#jitter) / 16;
      }
      this.#transit = transit;
    }
    return verdict;
  }

  /** Remembers an SR from this source for the LSR/DLSR fields (§6.4.1). */
  onSenderReport(sr: SenderReport, arrivalMs: number): void {
    if (this.#ssrc !== -1 && sr.ssrc !== this.#ssrc) return;
    this.#lastSr = ntpMiddle(sr.ntpSeconds, sr.ntpFraction);
    this.#lastSrArrivalMs = arrivalMs;
  }

  get #extendedMax(): number {
    return this.#cycles + this.#maxSeq;
  }

  get #expected(): number {
    return this.#extendedMax - this.#baseSeq + 1;
  }

  /**
   * The report block for this source (A.3), which also closes the report interval for the fraction lost.
   * Undefined before any valid packet.
   */
  reportBlock(nowMs: number): ReportBlock | undefined {
    if (this.#ssrc === -1 || this.#probation > 0) return undefined;
    const expected = this.#expected;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, expected - this.#received));
    return {
      ssrc: this.#ssrc,
      fractionLost: Math.min(255, fraction),
      cumulativeLost: lost,
      highestSequence: this.#extendedMax >>> 0,
      jitter: Math.floor(this.#jitter) >>> 0,
      lastSr: this.#lastSr,
      delaySinceLastSr: Number.isNaN(this.#lastSrArrivalMs)
        ? 0
        : Math.round((Math.max(0, nowMs - this.#lastSrArrivalMs) * 65536) / 1000) >>> 0,
    };
  }

  stats(): ReceiverStatsSnapshot {
    const validated = this.#ssrc !== -1 && this.#probation === 0;
    const expected = validated ? this.#expected : 0;
    return {
      ssrc: this.#ssrc === -1 ? undefined : this.#ssrc,
      received: validated ? this.#received : 0,
      expected,
      lost: validated ? expected - this.#received : 0,
      highestSequence: validated ? this.#extendedMax : 0,
      jitter: this.#jitter,
      jitterMs: (this.#jitter * 1000) / this.#clockRate,
      badSequence: this.#badSequence,
      ssrcChanges: this.#ssrcChanges,
      restarts: this.#restarts,
    };
  }
}

/** The middle 32 bits of a 64-bit NTP timestamp, as LSR and round-trip arithmetic use (§6.4.1). */
export function ntpMiddle(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** Wall-clock ms (Unix epoch) as an NTP timestamp. */
export function toNtp(wallMs: number): { seconds: number; fraction: number } {
  const s = Math.floor(wallMs / 1000);
  return {
    seconds: (s + NTP_UNIX_OFFSET) >>> 0,
    fraction: Math.floor(((wallMs - s * 1000) / 1000) * 0x100000000) >>> 0,
  };
}

/**
 * Round-trip time in ms from a report block about our stream, received at wall-clock `wallMs` (§6.4.1:
 * A − LSR − DLSR in 1/65536 s units). Undefined when the peer has not seen an SR from us.
 */
export function roundTripMs(block: ReportBlock, wallMs: number): number | undefined {
  if (block.lastSr === 0) return undefined;
  const now = toNtp(wallMs);
  const a = ntpMiddle(now.seconds, now.fraction);
  const rtt = (a - block.lastSr - block.delaySinceLastSr) >>> 0;
  return (rtt * 1000) / 65536;
}

/** Sender-side counters for the SR sender info (§6.4.1). */
export class RtpSenderStats {
  #clockRate: number;
  #ssrc: number;
  #packets = 0;
  #octets = 0;
  /** RTP timestamp of the last packet sent, −1 before the first (a plain double: see RtpReceiverStats). */
  #lastTimestamp = -1;
  #lastSentMs = 0;

  constructor(options: { clockRate: number; ssrc: number }) {
    this.#clockRate = options.clockRate;
    this.#ssrc = options.ssrc >>> 0;
  }

  /** Accounts one sent packet at monotonic time `nowMs`. */
  process(packet: RtpPacket, nowMs: number): void {
    this.processMany(1, packet.payload.length, packet.timestamp, nowMs);
  }

  /** Accounts `count` sent packets of `octets` payload bytes in all, the last with `timestamp` at `nowMs`. */
  processMany(count: number, octets: number, timestamp: number, nowMs: number): void {
    this.#packets = (this.#packets + count) >>> 0;
    this.#octets = (this.#octets + octets) >>> 0;
    this.#lastTimestamp = timestamp;
    this.#lastSentMs = nowMs;
  }

  /**
   * An SR for this stream: NTP from `wallMs` (Unix epoch ms), the RTP timestamp extrapolated to that
   * instant from the last packet sent (`nowMs` on the same monotonic clock as `process`).
   */
  senderReport(wallMs: number, nowMs: number, reports: ReportBlock[] = []): SenderReport {
    const ntp = toNtp(wallMs);
    const rtp =
      this.#lastTimestamp === -1
        ? 0
        : (this.#lastTimestamp + Math.round(((nowMs - this.#lastSentMs) * this.#clockRate) / 1000)) >>> 0;
    return {
      type: 'sr',
      ssrc: this.#ssrc,
      ntpSeconds: ntp.seconds,
      ntpFraction: ntp.fraction,
      rtpTimestamp: rtp,
      packetCount: this.#packets,
      octetCount: this.#octets,
      reports,
    };
  }

  stats(): { ssrc: number; packets: number; octets: number } {
    return { ssrc: this.#ssrc, packets: this.#packets, octets: this.#octets };
  }
}

/** A timeout or resumption of a stream's packets. */
export type RtpTimeoutEvent = { type: 'timeout'; silentMs: number } | { type: 'resumed'; silentMs: number };

/**
 * RTP inactivity detector: `packet(nowMs)` on every packet, `poll(nowMs)` on the media clock; reports one
 * `timeout` when no packet came for `timeoutMs` (counting from `start(nowMs)` or the last packet), and a
 * `resumed` when packets come back. Pure: time is whatever the caller passes.
 */
export class RtpTimeout {
  #timeoutMs: number;
  #lastMs: number;
  #timedOut = false;
  #timeouts = 0;

  constructor(timeoutMs: number, startMs = 0) {
    this.#timeoutMs = timeoutMs;
    this.#lastMs = startMs;
  }

  /** (Re)starts the wait, e.g. when the stream is opened or put on hold and back. */
  start(nowMs: number): void {
    this.#lastMs = nowMs;
    this.#timedOut = false;
  }

  packet(nowMs: number): RtpTimeoutEvent[] {
    const silentMs = nowMs - this.#lastMs;
    this.#lastMs = nowMs;
    if (this.#timedOut) {
      this.#timedOut = false;
      return [{ type: 'resumed', silentMs }];
    }
    return [];
  }

  poll(nowMs: number): RtpTimeoutEvent[] {
    const silentMs = nowMs - this.#lastMs;
    if (!this.#timedOut && silentMs >= this.#timeoutMs) {
      this.#timedOut = true;
      this.#timeouts++;
      return [{ type: 'timeout', silentMs }];
    }
    return [];
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  stats(): { timedOut: boolean; timeouts: number; lastPacketMs: number } {
    return { timedOut: this.#timedOut, timeouts: this.#timeouts, lastPacketMs: this.#lastMs };
  }
}
