/**
 * One RTP media session: a packet transport (UDP or, later, WebRTC), one negotiated audio codec, an optional
 * telephone-event format (RFC 4733) and optional in-band DTMF detection. Incoming RTP is parsed (malformed
 * packets dropped and counted), sorted by payload type, de-jittered (processor/jitter-buffer.ts), decoded and
 * concealed; the media clock calls `pull()` once per tick for the next 20 ms of PCM at the codec's rate,
 * and whoever produces audio for this session (the mixer, a player) calls `sendPcm()` / `sendPayload()`.
 * The session owns its RTP sequence, timestamp and SSRC (RFC 3550 §5.1), emits digits and an RTP timeout,
 * and closes itself when its transport fails.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Codec, CodecFactory } from '../codec/codec.ts';
import { ALAW_DECODE, alawEncode, type G711Law, MULAW_DECODE, mulawEncode } from '../codec/g711.ts';
import { getCodecFactory } from '../codec/index.ts';
import { SOFT_LIMIT_KNEE, softLimit } from '../mixer/soft-limit.ts';
import type { DtmfDigit } from '../processor/dtmf-digit.ts';
import { InbandDtmfDetector } from '../processor/dtmf-inband.ts';
import { Rfc4733Receiver, Rfc4733Sender, type ScheduledPacket } from '../processor/dtmf-rfc4733.ts';
import { JitterBuffer } from '../processor/jitter-buffer.ts';
import { PlcG711 } from '../processor/plc-g711.ts';
import { Resampler } from '../processor/resampler.ts';
import { RtcpReporter, type RtcpReporterStats } from '../rtp/rtcp-reporter.ts';
import { isRtpParseError, parseRtp, serializeRtp, writeU32 } from '../rtp/rtp-packet.ts';
import type { PacketTransport, TransportStats } from './packet-transport.ts';

/** The negotiated audio format, as signalled (SDP rtpmap). */
export interface CodecSpec {
  name: string;
  payloadType: number;
  clockRate: number;
}

/** The negotiated telephone-event format (RFC 4733 §7). */
export interface TelephoneEventSpec {
  payloadType: number;
  clockRate: number;
}

/** What a session is configured with. */
export interface RtpSessionConfig {
  id: string;
  codec: CodecSpec;
  telephoneEvent?: TelephoneEventSpec;
  /** Look for DTMF tones in the decoded audio too (trunks that send tones in-band). */
  inbandDtmf?: boolean;
  /** No RTP for this long raises `rtp-timeout` (once per silence). Default 30 s; 0 disables. */
  rtpTimeoutMs?: number;
  /** Frame (tick) length; default 20 ms. */
  frameMs?: number;
  /** Mean RTCP report interval (RFC 3550 §6.2); default 5 s. */
  rtcpIntervalMs?: number;
}

/** Callbacks a session reports through. Listener errors are the listener's business. */
export interface RtpSessionEvents {
  digit?(digit: DtmfDigit): void;
  rtpTimeout?(): void;
  closed?(reason: string): void;
  /** Every packet received (before any parsing): the worker advances its clock from here under overload. */
  packet?(): void;
}

/** Counters of one session. */
export interface RtpSessionStats {
  id: string;
  codec: string;
  packetsReceived: number;
  packetsSent: number;
  /** Buffers that are not RTP (parse error), dropped. */
  malformed: number;
  /** RTP with a payload type that was not negotiated (comfort noise included), dropped. */
  unknownPayloadType: number;
  rtcpReceived: number;
  /** RTCP compounds that did not parse, dropped. */
  rtcpMalformed: number;
  framesPlayed: number;
  /** Ticks that had to be concealed because the packet was late or lost. */
  framesConcealed: number;
  /** Ticks with nothing to play (no stream yet, or the peer paused). */
  framesIdle: number;
  digits: number;
  /** Times the jitter buffer was emptied because it held more than MAX_JITTER_DEPTH packets. */
  jitterOverflows: number;
  transport: TransportStats;
  jitter: ReturnType<JitterBuffer['stats']>;
  /** RTCP: reception figures of the incoming stream, and what the far end reports about ours. */
  rtcp: RtcpReporterStats;
}

/** Why a session could not be created. */
export interface SessionConfigError {
  error: 'unsupported-codec';
  message: string;
}

/** Packets a jitter buffer may hold (2 s of 20 ms packets) before it is emptied. */
const MAX_JITTER_DEPTH = 100;
/** This thread's clock origin (wall ms): read once, `performance.timeOrigin` is a call into the runtime. */
const TIME_ORIGIN = performance.timeOrigin;

/** Squared decoded value of each G.711 code: a frame's energy without decoding it. */
const squares = (table: Int16Array) => Float64Array.from(table, (v) => v * v);
const MULAW_ENERGY = squares(MULAW_DECODE);
const ALAW_ENERGY = squares(ALAW_DECODE);

function isRtcpError(r: object): boolean {
  return 'error' in r;
}

/** The codec factory for a signalled codec, or an error value. */
export function resolveCodec(spec: CodecSpec): CodecFactory | SessionConfigError {
  const f = getCodecFactory(spec.name, spec.clockRate);
  return f ?? { error: 'unsupported-codec', message: `${spec.name}/${spec.clockRate} is not supported` };
}

/** RTP media session (see file comment). */
export class RtpSession {
  readonly id: string;
  readonly config: RtpSessionConfig;
  readonly transport: PacketTransport;
  readonly factory: CodecFactory;
  readonly codec: Codec;
  /** PCM rate of `pull()` and `sendPcm()`. */
  readonly sampleRate: number;
  /** Samples per frame at `sampleRate`. */
  readonly frameSamples: number;
  /** Identifies codecs whose payloads are interchangeable (the mixer shares one encoding among them). */
  readonly codecKey: string;
  #frame: Int16Array | null = null;
  /**
   * This tick's G.711 payload, not decoded yet: a member that is not talking is never decoded (the mixer
   * reads its energy straight from the payload bytes); reading `frame` decodes it.
   */
  #lazy: Uint8Array | null = null;
  #events: RtpSessionEvents;
  /** The audio payload type (`config.codec.payloadType`), read once: every packet in and out uses it. */
  #payloadType: number;
  /** `events.packet`, read once: it is called for every packet received. */
  #onPacket: (() => void) | undefined;
  #jitter: JitterBuffer;
  /** Packet duration of the incoming stream, learnt from its first packets (ptime need not be 20 ms). */
  #packetMs: number;
  /** Payload length the packet duration was last worked out from (-1: none yet). */
  #learntFromBytes = -1;
  #dtmfIn: Rfc4733Receiver | undefined;
  #dtmfOut: Rfc4733Sender | undefined;
  #inband: InbandDtmfDetector | undefined;
  /** In-band detection works on 8 kHz audio: wideband sessions are resampled for it. */
  #inbandResampler: Resampler | undefined;
  /** G.711 Appendix I concealment for narrowband G.711; other codecs conceal themselves. */
  #plc: PlcG711 | undefined;
  /**
   * The concealer is fed lazily: while no frame is lost, the last three good frames are only remembered
   * (no copy) and handed to it when a loss starts; right after a loss it sees every frame until the
   * cross-fade is done. Saves a 390-sample history shift per member per tick.
   */
  #recent: (Int16Array | Uint8Array | null)[] = [null, null, null];
  /** The slot of `#recent` the next frame goes to (a ring of three: no push and shift per tick). */
  #recentNext = 0;
  #concealing = false;
  /**
   * G.711 fast path: decoding by table lookups straight from payloads into four rotating frame buffers,
   * encoding sample by sample straight into the packet (g711.ts: arithmetic, no table to miss in cache).
   */
  #g711:
    | {
        law: G711Law;
        decode: Int16Array;
        encode: (sample: number) => number;
        energy: Float64Array;
        frames: Int16Array[];
        next: number;
      }
    | undefined;
  /** The packet buffer reused for every packet when the transport copies on send. */
  #packet: Buffer | undefined;
  #pending: Int16Array | null = null;
  #ssrc = randomInt(0, 0xffffffff) >>> 0;
  #seq = randomInt(0, 0xffff);
  #tsBase = randomInt(0, 0xffffffff) >>> 0;
  /** Ticks since start: the RTP timestamp follows the clock even while nothing is sent. */
  #tick = 0;
  #sentThisTick = false;
  #sentLastTick = false;
  #tsPerFrame: number;
  #digitQueue: string[] = [];
  #digitDurationMs = 100;
  #digitPackets: ScheduledPacket[] = [];
  /**
   * Digits are queued or being sent (`#digitQueue` or `#digitPackets` not empty), and a digit's packets are
   * going out (`#digitPackets` not empty: audio is held back). Flags of the session itself, so that a tick
   * with no digits, nearly every tick, reads neither array.
   */
  #digitsToSend = false;
  #sendingDigit = false;
  #digitStartTick = 0;
  #digitGapUntil = 0;
  #rtcp!: RtcpReporter;
  /** When the reporter's next report is due (its `nextReportMs`; NaN: ask it at the next tick). */
  #rtcpDueMs = Number.NaN;
  /** An RFC 4733 event is being received: the receiver is polled for its end at every tick. */
  #receivingEvent = false;
  /**
   * Packets sent since the reporter was last told (count, payload bytes, the last one's RTP timestamp and
   * send time): they are handed over in one call when a report is due, at close and for stats, instead of
   * one call into the reporter per packet.
   */
  #unreportedPackets = 0;
  #unreportedOctets = 0;
  #unreportedTimestamp = 0;
  #unreportedMs = 0;
  #lastRtpMs: number;
  #timeoutMs: number;
  #lastPullMs = 0;
  #timedOut = false;
  #closed = false;
  /** Counters (`stats()`), as fields: a separate object would be one more cache line per packet and tick. */
  #packetsReceived = 0;
  #packetsSent = 0;
  #malformed = 0;
  #unknownPayloadType = 0;
  #rtcpReceived = 0;
  #rtcpMalformed = 0;
  #framesPlayed = 0;
  #framesConcealed = 0;
  #framesIdle = 0;
  #digits = 0;
  #jitterOverflows = 0;

  constructor(
    config: RtpSessionConfig,
    factory: CodecFactory,
    transport: PacketTransport,
    events: RtpSessionEvents = {},
    options: { nowMs?: number } = {},
  ) {
    this.id = config.id;
    this.config = config;
    this.transport = transport;
    this.factory = factory;
    this.codec = factory.create();
    this.sampleRate = this.codec.sampleRate;
    const frameMs = config.frameMs ?? 20;
    this.frameSamples = (this.sampleRate * frameMs) / 1000;
    this.#tsPerFrame = (this.codec.clockRate * frameMs) / 1000;
    this.codecKey = `${factory.name}/${factory.sampleRate}/${factory.clockRate}`;
    this.#events = events;
    this.#onPacket = events.packet;
    this.#payloadType = config.codec.payloadType;
    this.#packetMs = frameMs;
    this.#jitter = new JitterBuffer({ clockRate: this.codec.clockRate, frameMs });
    const te = config.telephoneEvent;
    if (te) {
      this.#dtmfIn = new Rfc4733Receiver({ clockRate: te.clockRate, payloadType: te.payloadType });
      this.#dtmfOut = new Rfc4733Sender({ payloadType: te.payloadType, clockRate: te.clockRate });
    }
    if (config.inbandDtmf) {
      this.#inband = new InbandDtmfDetector();
      if (this.sampleRate !== 8000) this.#inbandResampler = new Resampler(this.sampleRate, 8000);
    }
    if (factory.name === 'PCMU' || factory.name === 'PCMA') {
      this.#plc = new PlcG711({ delay: false });
      const mu = factory.name === 'PCMU';
      this.#g711 = {
        law: mu ? 'mulaw' : 'alaw',
        decode: mu ? MULAW_DECODE : ALAW_DECODE,
        encode: mu ? mulawEncode : alawEncode,
        energy: mu ? MULAW_ENERGY : ALAW_ENERGY,
        frames: [0, 1, 2, 3].map(() => new Int16Array(this.frameSamples)),
        next: 0,
      };
    }
    this.#newReporter();
    this.#timeoutMs = config.rtpTimeoutMs ?? 30_000;
    this.#lastRtpMs = options.nowMs ?? 0;
    transport.start({
      rtp: (buf, at) => this.#onRtp(buf, at),
      rtcp: (buf, at) => {
        this.#rtcpReceived++;
        if (isRtcpError(this.#rtcp.receiveRtcp(buf, at, Date.now()))) this.#rtcpMalformed++;
      },
      failed: (reason) => this.close(reason),
    });
  }

  /** Hands the packets sent since the last call to the reporter; returns it. */
  #reportSent(): RtcpReporter {
    const n = this.#unreportedPackets;
    if (n !== 0) {
      this.#rtcp.sentMany(n, this.#unreportedOctets, this.#unreportedTimestamp, this.#unreportedMs);
      this.#unreportedPackets = 0;
      this.#unreportedOctets = 0;
    }
    return this.#rtcp;
  }

  #newReporter(): void {
    this.#unreportedPackets = 0;
    this.#unreportedOctets = 0;
    this.#rtcp = new RtcpReporter({
      ssrc: this.#ssrc,
      cname: `parley-${this.id.slice(0, 8)}`,
      clockRate: this.codec.clockRate,
      ...(this.config.rtcpIntervalMs ? { intervalMs: this.config.rtcpIntervalMs } : {}),
    });
    this.#rtcpDueMs = Number.NaN;
  }

  /** The `nowMs` of the last `pull()` of this open session (0 before the first). */
  get pulledAt(): number {
    return this.#lastPullMs;
  }

  /** This tick's frame (20 ms at `sampleRate`, valid until the next `pull()`), or null when idle. */
  get frame(): Int16Array | null {
    if (this.#lazy) {
      this.#frame = this.#decode(this.#lazy);
      this.#lazy = null;
    }
    return this.#frame;
  }

  /**
   * G.711 fast path for the mixer: this tick's payload while it is still undecoded (a whole packet, no
   * concealment under way), or null. `frame` is then exactly that payload decoded in `g711Law`, so the
   * mixer can sum straight from the payload and skip the decoded copy.
   */
  get undecodedPayload(): Uint8Array | null {
    return this.#lazy;
  }

  /** The law of `undecodedPayload` (G.711 sessions), or undefined. */
  get g711Law(): G711Law | undefined {
    return this.#g711?.law;
  }

  /** Mean-square energy of this tick's frame (16-bit units), or null when idle; never decodes G.711. */
  frameEnergy(): number | null {
    const g = this.#g711;
    const lazy = this.#lazy;
    if (lazy && g) {
      const table = g.energy;
      const n = lazy.length;
      // Four running sums: one would chain every addition on the one before (float add latency).
      let e0 = 0;
      let e1 = 0;
      let e2 = 0;
      let e3 = 0;
      let i = 0;
      for (; i + 3 < n; i += 4) {
        e0 += table[lazy[i]!]!;
        e1 += table[lazy[i + 1]!]!;
        e2 += table[lazy[i + 2]!]!;
        e3 += table[lazy[i + 3]!]!;
      }
      for (; i < n; i++) e0 += table[lazy[i]!]!;
      return n ? (e0 + e1 + e2 + e3) / n : 0;
    }
    const f = this.#frame;
    if (!f) return null;
    let e = 0;
    for (let i = 0; i < f.length; i++) e += f[i]! * f[i]!;
    return f.length ? e / f.length : 0;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Our SSRC, sequence and timestamp state, for moving the session to another worker unchanged. */
  outgoingState(): { ssrc: number; seq: number; tsBase: number; tick: number } {
    return { ssrc: this.#ssrc, seq: this.#seq, tsBase: this.#tsBase, tick: this.#tick };
  }

  /** Continues another worker's stream (same SSRC, sequence and timestamp line). */
  restoreOutgoingState(s: { ssrc: number; seq: number; tsBase: number; tick: number }): void {
    this.#ssrc = s.ssrc >>> 0;
    this.#seq = s.seq & 0xffff;
    this.#tsBase = s.tsBase >>> 0;
    this.#tick = s.tick;
    this.#newReporter();
  }

  #onRtp(buf: Uint8Array, arrivalMs: number): void {
    if (this.#closed) return;
    this.#onPacket?.();
    this.#packetsReceived++;
    const p = parseRtp(buf);
    if (isRtpParseError(p)) {
      this.#malformed++;
      return;
    }
    this.#lastRtpMs = arrivalMs;
    this.#timedOut = false;
    if (p.payloadType === this.#payloadType) {
      this.#rtcp.received(p, arrivalMs);
      this.#learnPacketDuration(p.payload);
      // A jitter buffer nobody drains (the worker stalled) must not grow without bound: start over.
      if (this.#jitter.depth > MAX_JITTER_DEPTH) {
        this.#jitter = new JitterBuffer({ clockRate: this.codec.clockRate, frameMs: this.#packetMs });
        this.#jitterOverflows++;
      }
      this.#jitter.push(p, arrivalMs);
    } else if (this.#dtmfIn && p.payloadType === this.config.telephoneEvent?.payloadType) {
      for (const d of this.#dtmfIn.process(p, arrivalMs)) this.#emitDigit(d);
      this.#receivingEvent = this.#dtmfIn.pending() !== undefined;
    } else {
      this.#unknownPayloadType++;
    }
  }

  /**
   * The jitter buffer plays one packet per pop and measures delay in packets: it must know the packet
   * duration. For sample-based codecs it is the payload's length; others (Opus) are taken as 20 ms.
   */
  #learnPacketDuration(payload: Uint8Array): void {
    // The same length as the last packet's: nothing new to learn (nearly every packet).
    if (payload.length === this.#learntFromBytes) return;
    this.#learntFromBytes = payload.length;
    const name = this.factory.name;
    let samples = 0;
    if (name === 'PCMU' || name === 'PCMA') samples = payload.length;
    else if (name === 'L16') samples = payload.length >> 1;
    else if (name === 'G722') samples = payload.length * 2;
    if (samples === 0) return;
    const ms = (samples * 1000) / this.codec.sampleRate;
    if (ms === this.#packetMs || ms < 5 || ms > 120 || ms % 5 !== 0) return;
    this.#packetMs = ms;
    this.#jitter = new JitterBuffer({ clockRate: this.codec.clockRate, frameMs: ms });
  }

  #emitDigit(d: DtmfDigit): void {
    this.#digits++;
    try {
      this.#events.digit?.(d);
    } catch {
      // A listener's failure must not break the media path.
    }
  }

  /**
   * One clock tick: takes the next 20 ms from the jitter buffer (decoding or concealing as needed) into
   * `frame`, runs DTMF timing and in-band detection, checks the RTP timeout, and sends RFC 4733 packets
   * that are due. Call exactly once per tick, before anyone reads `frame` or sends. A G.711 frame is decoded
   * only when someone reads `frame` (the mixer sums talkers straight from the payload and never reads
   * silent members'), so this returns nothing.
   */
  pull(nowMs: number): void {
    this.#lazy = null;
    if (this.#closed) {
      this.#frame = null;
      return;
    }
    this.#sentLastTick = this.#sentThisTick;
    this.#sentThisTick = false;
    this.#tick++;
    this.#lastPullMs = nowMs;
    const next = this.#nextFrame();
    if (next instanceof Uint8Array) {
      this.#lazy = next;
      this.#frame = null;
    } else {
      this.#frame = next;
    }
    // Asked only while an event is under way (a flag of our own: no look into the receiver every tick).
    if (this.#receivingEvent && this.#dtmfIn) {
      const ended = this.#dtmfIn.poll(nowMs);
      for (let i = 0; i < ended.length; i++) this.#emitDigit(ended[i]!);
      this.#receivingEvent = this.#dtmfIn.pending() !== undefined;
    }
    if (this.#inband && this.frame) {
      const pcm = this.#inbandResampler ? this.#inbandResampler.process(this.frame) : this.frame;
      for (const d of this.#inband.process(pcm)) this.#emitDigit(d);
    }
    if (this.#timeoutMs > 0 && !this.#timedOut && nowMs - this.#lastRtpMs >= this.#timeoutMs) {
      this.#timedOut = true;
      try {
        this.#events.rtpTimeout?.();
      } catch {
        // Listener errors stay with the listener.
      }
    }
    this.#sendDueDigits();
    // The reporter is asked only once its next report is due (NaN: not asked yet). Wall time comes from the
    // monotonic clock's origin: no clock read per member per tick.
    if (!(nowMs < this.#rtcpDueMs)) {
      this.#reportSent();
      const report = this.#rtcp.poll(nowMs, TIME_ORIGIN + nowMs);
      this.#rtcpDueMs = this.#rtcp.nextReportMs;
      if (report) this.transport.sendRtcp(report);
    }
  }

  #keepRecent(frame: Int16Array | Uint8Array): void {
    this.#recent[this.#recentNext] = frame;
    this.#recentNext = this.#recentNext === 2 ? 0 : this.#recentNext + 1;
  }

  /** The next frame: PCM, or (G.711, one packet per tick, no concealment under way) the payload itself. */
  #nextFrame(): Int16Array | Uint8Array | null {
    const n = this.frameSamples;
    let out: Int16Array | null = null;
    let filled = 0;
    // Packets may be shorter or longer than a tick (ptime 10/30/40): decoded audio is carried over.
    while (filled < n) {
      let chunk: Int16Array;
      if (this.#pending) {
        chunk = this.#pending;
        this.#pending = null;
      } else {
        const o = this.#jitter.pop();
        if (o.kind === 'frame') {
          const payload = o.packet.payload;
          if (this.#g711 && filled === 0 && payload.length === n && !this.#concealing) {
            this.#keepRecent(payload);
            this.#framesPlayed++;
            return payload;
          }
          chunk = this.#decode(payload);
          if (this.#plc) {
            if (this.#concealing) {
              chunk = this.#plc.good(chunk);
              this.#concealing = false;
            }
            this.#keepRecent(chunk);
          }
          this.#framesPlayed++;
        } else if (o.kind === 'lost') {
          const want = n - filled;
          if (this.#plc) {
            if (!this.#concealing) {
              // Payloads kept undecoded are decoded now, through the table (not the codec object, whose
              // own concealment state would do the same work again).
              for (let k = 0; k < 3; k++) {
                const f = this.#recent[(this.#recentNext + k) % 3];
                if (f) this.#plc.good(f instanceof Uint8Array ? this.#decode(f) : f);
              }
              this.#concealing = true;
            }
            chunk = this.#plc.lost(want);
          } else {
            chunk = this.codec.conceal ? this.codec.conceal(want) : new Int16Array(want);
          }
          this.#framesConcealed++;
        } else {
          break;
        }
      }
      if (filled === 0 && chunk.length === n) return chunk;
      if (!out) out = new Int16Array(n);
      const take = Math.min(n - filled, chunk.length);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) this.#pending = chunk.subarray(take);
    }
    if (!out) this.#framesIdle++;
    return out;
  }

  #decode(payload: Uint8Array): Int16Array {
    const g = this.#g711;
    if (!g || payload.length !== this.frameSamples) return this.codec.decode(payload);
    const out = g.frames[g.next]!;
    g.next = (g.next + 1) & 3;
    const table = g.decode;
    for (let i = 0; i < out.length; i++) out[i] = table[payload[i]!]!;
    return out;
  }

  /** Encodes and sends one frame of PCM at `sampleRate` (suppressed while a digit is being sent). */
  sendPcm(pcm: Int16Array): void {
    if (this.#closed || this.#sentThisTick || this.#sendingDigit) return;
    const g = this.#g711;
    if (g && pcm.length === this.frameSamples) {
      // Encode straight into the packet: no payload array, no copy.
      const buf = this.#header(pcm.length);
      const encode = g.encode;
      for (let i = 0; i < pcm.length; i++) buf[12 + i] = encode(pcm[i]!);
      this.#emit(buf, pcm.length);
      return;
    }
    this.sendPayload(this.codec.encode(pcm));
  }

  /**
   * G.711 fast path for the mixer: `sum − minus`, soft-limited (mixer/soft-limit.ts), encoded straight into
   * the packet in one pass. Returns false (nothing sent) when the fast path does not apply.
   */
  sendMix(sum: Int32Array, minus: Int16Array): boolean {
    const g = this.#g711;
    const n = this.frameSamples;
    if (!g || sum.length !== n || minus.length !== n) return false;
    if (this.#closed || this.#sentThisTick || this.#sendingDigit) return true;
    const buf = this.#header(n);
    const encode = g.encode;
    for (let i = 0; i < n; i++) {
      const v = (sum[i]! - minus[i]!) | 0;
      buf[12 + i] = encode(v <= SOFT_LIMIT_KNEE && v >= -SOFT_LIMIT_KNEE ? v : softLimit(v));
    }
    this.#emit(buf, n);
    return true;
  }

  /** Sends an already encoded frame of this session's codec (a shared mix encoded once for many members). */
  sendPayload(payload: Uint8Array): void {
    if (this.#closed || this.#sentThisTick || this.#sendingDigit) return;
    const buf = this.#header(payload.length);
    buf.set(payload, 12);
    this.#emit(buf, payload.length);
  }

  /** A packet buffer with our RTP header (RFC 3550 §5.1) for the current tick and room for the payload. */
  #header(payloadBytes: number): Buffer {
    let buf: Buffer;
    if (this.transport.copiesOnSend) {
      buf = this.#packet?.length === 12 + payloadBytes ? this.#packet : Buffer.allocUnsafe(12 + payloadBytes);
      this.#packet = buf;
    } else {
      buf = Buffer.allocUnsafe(12 + payloadBytes);
    }
    buf[0] = 0x80;
    // Marker on the first packet of a talk spurt (RFC 3551 §4.1): after any tick with nothing sent.
    buf[1] = (this.#sentLastTick ? 0 : 0x80) | (this.#payloadType & 0x7f);
    // Byte stores: Buffer's write methods check their arguments on every call.
    buf[2] = this.#seq >>> 8;
    buf[3] = this.#seq;
    writeU32(buf, 4, (this.#tsBase + this.#tick * this.#tsPerFrame) >>> 0);
    writeU32(buf, 8, this.#ssrc);
    return buf;
  }

  /** Sends a packet built by `#header` with `payloadBytes` of payload, and accounts it. */
  #emit(buf: Buffer, payloadBytes: number): void {
    this.#sentThisTick = true;
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#packetsSent++;
    this.#unreportedPackets++;
    this.#unreportedOctets += payloadBytes;
    this.#unreportedTimestamp = (this.#tsBase + this.#tick * this.#tsPerFrame) >>> 0;
    this.#unreportedMs = this.#lastPullMs;
    this.transport.sendRtp(buf);
  }

  /**
   * Queues digits to send as RFC 4733 events (§2.5.1), `durationMs` each with a gap between them;
   * returns false when no telephone-event format was negotiated.
   */
  sendDigits(digits: string, durationMs = 100): boolean {
    if (!this.#dtmfOut) return false;
    this.#digitDurationMs = durationMs;
    for (const d of digits) this.#digitQueue.push(d);
    if (this.#digitQueue.length) this.#digitsToSend = true;
    return true;
  }

  #sendDueDigits(): void {
    if (!this.#digitsToSend || !this.#dtmfOut || this.#closed) return;
    if (this.#digitPackets.length === 0) {
      if (this.#digitQueue.length === 0) {
        this.#digitsToSend = false;
        return;
      }
      if (this.#tick < this.#digitGapUntil) return;
      const digit = this.#digitQueue.shift()!;
      const te = this.config.telephoneEvent!;
      this.#digitPackets = this.#dtmfOut.build(digit, this.#digitDurationMs, {
        ssrc: this.#ssrc,
        sequenceNumber: this.#seq,
        // The event's timestamp is the media time it starts at, on the telephone-event clock.
        timestamp:
          (((this.#tsBase + this.#tick * this.#tsPerFrame) >>> 0) * te.clockRate) / this.codec.clockRate,
      });
      this.#digitStartTick = this.#tick;
    }
    const frameMs = this.config.frameMs ?? 20;
    const elapsed = (this.#tick - this.#digitStartTick) * frameMs;
    while (this.#digitPackets.length && this.#digitPackets[0]!.atMs <= elapsed) {
      const { packet } = this.#digitPackets.shift()!;
      packet.sequenceNumber = this.#seq;
      this.#seq = (this.#seq + 1) & 0xffff;
      this.#packetsSent++;
      this.#sentThisTick = true;
      this.transport.sendRtp(serializeRtp(packet));
    }
    // A gap of at least one frame between digits, as senders usually leave (and receivers expect).
    if (this.#digitPackets.length === 0) this.#digitGapUntil = this.#tick + 3;
    this.#sendingDigit = this.#digitPackets.length > 0;
  }

  stats(): RtpSessionStats {
    return {
      id: this.id,
      codec: this.codecKey,
      packetsReceived: this.#packetsReceived,
      packetsSent: this.#packetsSent,
      malformed: this.#malformed,
      unknownPayloadType: this.#unknownPayloadType,
      rtcpReceived: this.#rtcpReceived,
      rtcpMalformed: this.#rtcpMalformed,
      framesPlayed: this.#framesPlayed,
      framesConcealed: this.#framesConcealed,
      framesIdle: this.#framesIdle,
      digits: this.#digits,
      jitterOverflows: this.#jitterOverflows,
      transport: this.transport.stats(),
      jitter: this.#jitter.stats(),
      rtcp: this.#reportSent().stats(),
    };
  }

  /** Closes the transport and the codec; reports `closed` once. Idempotent. */
  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#frame = null;
    this.#lazy = null;
    // RFC 3550 §6.6: a BYE tells the far end the stream ends (not when the transport itself failed).
    if (reason !== 'moved' && !reason.startsWith('socket error')) {
      this.transport.sendRtcp(this.#reportSent().bye(this.#lastPullMs, Date.now()));
    }
    this.transport.close();
    this.codec.close?.();
    try {
      this.#events.closed?.(reason);
    } catch {
      // Listener errors stay with the listener.
    }
  }
}
