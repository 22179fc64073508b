import {
  findCname,
  isRtcpParseError,
  parseRtcp,
  type RtcpPacket,
  type RtcpParseError,
  SDES_CNAME,
  serializeRtcp,
} from './rtcp.ts';
import type { RtpPacket } from './rtp-packet.ts';
import {
  type ReceiverStatsSnapshot,
  RtpReceiverStats,
  RtpSenderStats,
  roundTripMs,
  type SequenceVerdict,
} from './rtp-stats.ts';

/** RFC 3550 §6.2: the recommended minimum interval between RTCP reports. */
export const RTCP_MIN_INTERVAL_MS = 5000;

/** Settings of an `RtcpReporter`. */
export interface RtcpReporterOptions {
  /** Our SSRC and canonical name (SDES CNAME, §6.5.1). */
  ssrc: number;
  cname: string;
  /** RTP clock of the stream. */
  clockRate: number;
  /** Mean report interval; default 5 s. Each interval is randomised to 0.5–1.5× (§6.3.1). */
  intervalMs?: number;
  /** Random source in [0, 1) for the interval (tests pass a fixed one). */
  random?: () => number;
}

/** What the far end says about our stream, from its last report block about our SSRC. */
export interface RemoteReport {
  /** Fraction of our packets lost in its last interval, 0–1. */
  fractionLost: number;
  cumulativeLost: number;
  /** Interarrival jitter it measured on our stream, ms. */
  jitterMs: number;
  /** Round-trip time, when it had seen one of our SRs (§6.4.1). */
  rttMs?: number;
  atMs: number;
}

/** Counters of an `RtcpReporter`. */
export interface RtcpReporterStats {
  sent: { packets: number; octets: number };
  received: ReceiverStatsSnapshot;
  remote?: RemoteReport;
  remoteCname?: string;
  reportsSent: number;
  reportsReceived: number;
  malformed: number;
  byeReceived: boolean;
}

/** Result of feeding one RTCP packet. */
export interface RtcpInput {
  packets: RtcpPacket[];
  /** The far end said BYE for the source we receive (§6.6). */
  bye: boolean;
  /** Set when the compound carried a report block about our stream. */
  report?: RemoteReport;
}

/**
 * The RTCP side of one RTP stream pair (RFC 3550 §6): accounts packets sent and received, reads the far
 * end's SR/RR/SDES/BYE, and on the media clock (`poll`) produces our compound report when it is due: an SR
 * if we sent media since the last report, else an RR, each with a report block on the stream we receive,
 * followed by SDES CNAME (§6.1). Pure: time is whatever the caller passes (`nowMs` monotonic, `wallMs` Unix
 * epoch for NTP timestamps).
 */
export class RtcpReporter {
  #ssrc: number;
  #cname: string;
  #intervalMs: number;
  #random: () => number;
  #sender: RtpSenderStats;
  #receiver: RtpReceiverStats;
  #clockRate: number;
  /** When the next report is due, NaN before the first poll (a plain double: see RtpReceiverStats). */
  #nextReportMs = Number.NaN;
  #sentSinceReport = false;
  #remote: RemoteReport | undefined;
  #remoteCname: string | undefined;
  #reportsSent = 0;
  #reportsReceived = 0;
  #malformed = 0;
  #byeReceived = false;

  constructor(options: RtcpReporterOptions) {
    this.#ssrc = options.ssrc >>> 0;
    this.#cname = options.cname;
    this.#clockRate = options.clockRate;
    this.#intervalMs = options.intervalMs ?? RTCP_MIN_INTERVAL_MS;
    this.#random = options.random ?? Math.random;
    this.#sender = new RtpSenderStats({ clockRate: options.clockRate, ssrc: this.#ssrc });
    this.#receiver = new RtpReceiverStats({ clockRate: options.clockRate });
  }

  /** Accounts one RTP packet we sent. */
  sent(packet: RtpPacket, nowMs: number): void {
    this.sentMany(1, packet.payload.length, packet.timestamp, nowMs);
  }

  /**
   * Accounts `count` RTP packets we sent (`octets` payload bytes in all), the last with RTP `timestamp` at
   * `nowMs`: a sender may add its packets up itself and hand them over before each `poll`, `bye` or
   * `stats` instead of one `sent` per packet.
   */
  sentMany(count: number, octets: number, timestamp: number, nowMs: number): void {
    if (count === 0) return;
    this.#sender.processMany(count, octets, timestamp, nowMs);
    this.#sentSinceReport = true;
  }

  /** Accounts one RTP packet we received (sequence validation, loss, jitter). */
  received(packet: RtpPacket, nowMs: number): SequenceVerdict {
    return this.#receiver.process(packet, nowMs);
  }

  /** Reads one incoming RTCP compound packet. Malformed input is counted and returned as the error. */
  receiveRtcp(buf: Uint8Array, nowMs: number, wallMs: number): RtcpInput | RtcpParseError {
    const packets = parseRtcp(buf);
    if (isRtcpParseError(packets)) {
      this.#malformed++;
      return packets;
    }
    this.#reportsReceived++;
    const remoteSsrc = this.#receiver.stats().ssrc;
    const input: RtcpInput = { packets, bye: false };
    for (const p of packets) {
      if (p.type === 'sr') this.#receiver.onSenderReport(p, nowMs);
      if (p.type === 'sr' || p.type === 'rr') {
        const block = p.reports.find((b) => b.ssrc === this.#ssrc);
        if (block) {
          const report: RemoteReport = {
            fractionLost: block.fractionLost / 256,
            cumulativeLost: block.cumulativeLost,
            jitterMs: (block.jitter * 1000) / this.#clockRate,
            atMs: nowMs,
          };
          const rtt = roundTripMs(block, wallMs);
          if (rtt !== undefined) report.rttMs = rtt;
          this.#remote = report;
          input.report = report;
        }
      }
      if (p.type === 'bye' && (remoteSsrc === undefined || p.ssrcs.includes(remoteSsrc))) {
        this.#byeReceived = true;
        input.bye = true;
      }
    }
    if (remoteSsrc !== undefined) this.#remoteCname = findCname(packets, remoteSsrc) ?? this.#remoteCname;
    return input;
  }

  /**
   * When `poll` will next have a report (NaN before the first poll): a caller that polls every tick may
   * skip the calls before then. Only `poll` moves it.
   */
  get nextReportMs(): number {
    return this.#nextReportMs;
  }

  /** Our compound report when one is due at `nowMs` (the first after half an interval, §6.2), else undefined. */
  poll(nowMs: number, wallMs: number): Uint8Array | undefined {
    if (Number.isNaN(this.#nextReportMs)) {
      this.#nextReportMs = nowMs + this.#interval() / 2;
      return undefined;
    }
    if (nowMs < this.#nextReportMs) return undefined;
    this.#nextReportMs = nowMs + this.#interval();
    return serializeRtcp(this.#report(nowMs, wallMs));
  }

  /** A final report with BYE (§6.6), to send when the stream closes. */
  bye(nowMs: number, wallMs: number, reason?: string): Uint8Array {
    const packets = this.#report(nowMs, wallMs);
    packets.push(
      reason === undefined
        ? { type: 'bye', ssrcs: [this.#ssrc] }
        : { type: 'bye', ssrcs: [this.#ssrc], reason },
    );
    return serializeRtcp(packets);
  }

  #interval(): number {
    return this.#intervalMs * (0.5 + this.#random());
  }

  #report(nowMs: number, wallMs: number): RtcpPacket[] {
    this.#reportsSent++;
    const block = this.#receiver.reportBlock(nowMs);
    const reports = block ? [block] : [];
    const first: RtcpPacket = this.#sentSinceReport
      ? this.#sender.senderReport(wallMs, nowMs, reports)
      : { type: 'rr', ssrc: this.#ssrc, reports };
    this.#sentSinceReport = false;
    return [
      first,
      { type: 'sdes', chunks: [{ ssrc: this.#ssrc, items: [{ type: SDES_CNAME, text: this.#cname }] }] },
    ];
  }

  stats(): RtcpReporterStats {
    const s: RtcpReporterStats = {
      sent: { packets: this.#sender.stats().packets, octets: this.#sender.stats().octets },
      received: this.#receiver.stats(),
      reportsSent: this.#reportsSent,
      reportsReceived: this.#reportsReceived,
      malformed: this.#malformed,
      byeReceived: this.#byeReceived,
    };
    if (this.#remote) s.remote = { ...this.#remote };
    if (this.#remoteCname !== undefined) s.remoteCname = this.#remoteCname;
    return s;
  }
}
