import type { RtpPacket } from '../rtp/rtp-packet.ts';

/** Settings of a `JitterBuffer`. */
export interface JitterBufferOptions {
  /** RTP clock rate of the stream (8000 for G.711 and G.722, 48000 for Opus). */
  clockRate: number;
  /**
   * Expected packet duration (ptime), default 20 ms. The buffer measures the real one from timestamps
   * (10, 20, 30 ms… packets) and sizes its delay with it; it yields one packet per `pop`.
   */
  frameMs?: number;
  /** Smallest and largest playout delay the buffer adapts between. Defaults 20 and 300 ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Delay before the first measurements. Default 40 ms. */
  initialDelayMs?: number;
  /** Consecutive missing frames concealed before the buffer goes idle (talk spurt over). Default 5. */
  maxConcealFrames?: number;
}

/** What one playout tick yields. */
export type JitterOutput =
  /** The packet to decode for this tick. */
  | { kind: 'frame'; packet: RtpPacket }
  /** The packet for this tick is missing: conceal `timestamp`'s frame (PLC). */
  | { kind: 'lost'; timestamp: number }
  /** Nothing to play (not started, stream paused or ended): play silence or comfort noise. */
  | { kind: 'idle' };

/** Counters of a `JitterBuffer`. */
export interface JitterBufferStats {
  received: number;
  played: number;
  /** Packets that arrived after their playout tick (dropped). */
  late: number;
  duplicates: number;
  /** Frames never received by their playout tick. */
  lost: number;
  /** Ticks answered with 'lost' (lost frames plus ticks held while waiting for a late frame). */
  concealed: number;
  /** Frames dropped to shrink the delay. */
  discarded: number;
  /** Restarts: SSRC change, big sequence or timestamp jump. */
  resets: number;
  /** Packets spanned now (next to play … newest), and the target, in packets. */
  depth: number;
  targetDepth: number;
  /** Delay variation measured over the recent window, ms. */
  jitterMs: number;
  /** Packet duration in use (measured from timestamps once three packets in a row agree). */
  packetMs: number;
}

/** Nothing to play: one shared (frozen) answer, as most ticks of a silent stream give it. */
const IDLE: JitterOutput = Object.freeze({ kind: 'idle' });

/**
 * The adaptation looks at the spread of the last 100 transit times (2 s of 20 ms packets), kept as the
 * lowest and highest of each block of 10: a packet updates its block, and every 10th re-sizes the delay.
 */
const BLOCK = 10;
const BLOCKS = 10;
/** A sequence jump larger than this restarts the buffer (RFC 3550 A.1 MAX_DROPOUT spirit, in frames). */
const MAX_JUMP = 100;
/**
 * Slots of the packet ring (a power of two): packets are held by extended sequence number modulo this, so
 * a push and a pop are an index each, with no hashing. More than the 100-packet jump limit, so packets of
 * one stream never share a slot unless nobody plays them (a slot's older packet then makes way).
 */
const SLOTS = 128;

function emptyRing(): (number | RtpPacket | undefined)[] {
  const ring: (number | RtpPacket | undefined)[] = [];
  for (let i = 0; i < SLOTS; i++) ring.push(-1, undefined);
  return ring;
}

/**
 * Adaptive jitter buffer: `push` packets as they arrive (any order), `pop` once per frame tick. Packets are
 * ordered by extended sequence number (16-bit wrap handled), one packet per tick. The playout delay follows
 * the spread of transit times over the last ~2 s: it grows by holding its position (one concealed tick)
 * when the next packet has not arrived and nothing newer has, and shrinks by dropping a frame when it holds
 * more than two frames above the target (at most one per 10 ticks). Late and duplicate packets are dropped and counted. An SSRC change or a jump in sequence number or
 * timestamp restarts it. Timing is given by the caller (`arrivalMs`), so it is pure and testable.
 */
export class JitterBuffer {
  #clockRate: number;
  #packetMs: number;
  #minDelayMs: number;
  #maxDelayMs: number;
  #candidateMs = 0;
  #candidateVotes = 0;
  #lastPushExt = -1;
  #lastPushTimestamp = 0;
  #maxConceal: number;
  #target: number;
  /**
   * The ring: slot i's extended sequence number (−1 when empty) at 2i and its packet at 2i + 1, side by
   * side so that a push or a pop reads one cache line, not one in each of two arrays.
   */
  #ring: (number | RtpPacket | undefined)[] = emptyRing();
  /** Packets held. */
  #held = 0;
  /** The stream's SSRC, −1 before the first packet (never undefined: see RtpReceiverStats). */
  #ssrc = -1;
  /** Highest extended sequence number received. */
  #maxSeq = -1;
  /** Extended sequence number of the next frame to play; -1 while buffering. */
  #next = -1;
  #lastTimestamp = 0;
  #missing = 0;
  /** Transit times (ms) as received, and unwrapped (continuous across timestamp wraps) since the window began. */
  #lastTransit = 0;
  #unwrapped = 0;
  /** No transit yet since the start or a reset: the next one begins the window. */
  #fresh = true;
  /** Lowest and highest unwrapped transit of each complete block (a ring), the block being filled, blocks complete. */
  #spans = new Float64Array(2 * BLOCKS);
  #block = 0;
  #inBlock = 0;
  #blocks = 0;
  /** Lowest and highest unwrapped transit of the block being filled. */
  #lo = 0;
  #hi = 0;
  /** Length of the RTP timestamp's cycle in ms. */
  #wrapMs: number;
  #ticksSinceResize = 0;
  #jitterMs = 0;
  /** Counters (fields of the buffer itself: a separate object would be one more cache line per packet). */
  #received = 0;
  #played = 0;
  #late = 0;
  #duplicates = 0;
  #lost = 0;
  #concealed = 0;
  #discarded = 0;
  #resets = 0;

  constructor(options: JitterBufferOptions) {
    this.#clockRate = options.clockRate;
    this.#wrapMs = (0x100000000 / this.#clockRate) * 1000;
    this.#packetMs = options.frameMs ?? 20;
    this.#minDelayMs = options.minDelayMs ?? 20;
    this.#maxDelayMs = Math.max(this.#minDelayMs, options.maxDelayMs ?? 300);
    this.#target = this.#clamp(Math.round((options.initialDelayMs ?? 40) / this.#packetMs));
    this.#maxConceal = options.maxConcealFrames ?? 5;
  }

  /** Limits a delay in packets to [minDelayMs, maxDelayMs] at the current packet duration. */
  #clamp(frames: number): number {
    const min = Math.max(1, Math.round(this.#minDelayMs / this.#packetMs));
    const max = Math.max(min, Math.round(this.#maxDelayMs / this.#packetMs));
    return Math.min(max, Math.max(min, frames));
  }

  /** Extends a 16-bit sequence number to the one nearest the highest seen. */
  #extend(seq: number): number {
    if (this.#maxSeq < 0) return seq + 0x10000; // room below for reordered first packets
    const cycle = this.#maxSeq & ~0xffff;
    let ext = cycle | seq;
    if (ext - this.#maxSeq > 0x8000) ext -= 0x10000;
    else if (this.#maxSeq - ext > 0x8000) ext += 0x10000;
    return ext;
  }

  #has(ext: number): boolean {
    return this.#ring[2 * (ext & (SLOTS - 1))] === ext;
  }

  /** Takes the packet `ext` out of the ring, or undefined when it is not held. */
  #take(ext: number): RtpPacket | undefined {
    const at = 2 * (ext & (SLOTS - 1));
    const ring = this.#ring;
    if (ring[at] !== ext) return undefined;
    const packet = ring[at + 1] as RtpPacket;
    ring[at] = -1;
    ring[at + 1] = undefined;
    this.#held--;
    return packet;
  }

  #put(ext: number, packet: RtpPacket): void {
    const at = 2 * (ext & (SLOTS - 1));
    const ring = this.#ring;
    if (ring[at] === -1) this.#held++;
    // Else a packet SLOTS older that nobody played (the buffer is not being drained): it makes way.
    else this.#discarded++;
    ring[at] = ext;
    ring[at + 1] = packet;
  }

  /** The oldest packet held (its extended sequence number); only when playout starts. */
  #oldest(): number {
    let first = Number.POSITIVE_INFINITY;
    for (let i = 0; i < SLOTS; i++) {
      const k = this.#ring[2 * i] as number;
      if (k !== -1 && k < first) first = k;
    }
    return first;
  }

  #reset(): void {
    for (let i = 0; i < SLOTS; i++) {
      this.#ring[2 * i] = -1;
      this.#ring[2 * i + 1] = undefined;
    }
    this.#held = 0;
    this.#maxSeq = -1;
    this.#next = -1;
    this.#missing = 0;
    this.#fresh = true;
    this.#lastPushExt = -1;
  }

  /** Accepts one packet; returns what became of it. */
  push(packet: RtpPacket, arrivalMs: number): 'queued' | 'late' | 'duplicate' | 'reset' {
    this.#received++;
    let result: 'queued' | 'reset' = 'queued';
    if (packet.ssrc !== this.#ssrc) {
      if (this.#ssrc !== -1) {
        this.#resets++;
        this.#reset();
        result = 'reset';
      }
      this.#ssrc = packet.ssrc;
    }
    let ext = this.#extend(packet.sequenceNumber);
    if (this.#maxSeq >= 0 && Math.abs(ext - this.#maxSeq) > MAX_JUMP) {
      // A sender restart or a long gap: start over rather than conceal thousands of frames.
      this.#resets++;
      this.#reset();
      ext = this.#extend(packet.sequenceNumber);
      result = 'reset';
    }
    if (this.#next >= 0 && ext < this.#next) {
      this.#late++;
      // A late packet is the clearest sign the delay is too short.
      this.#recordTransit(packet, arrivalMs);
      return 'late';
    }
    if (this.#has(ext)) {
      this.#duplicates++;
      return 'duplicate';
    }
    this.#put(ext, packet);
    if (ext > this.#maxSeq) this.#maxSeq = ext;
    this.#measureDuration(ext, packet.timestamp);
    this.#recordTransit(packet, arrivalMs);
    return result;
  }

  /** Packet duration from consecutive packets' timestamps; adopted once three in a row agree. */
  #measureDuration(ext: number, timestamp: number): void {
    if (ext === this.#lastPushExt + 1) {
      const delta = (timestamp - this.#lastPushTimestamp) >>> 0;
      if (delta > 0 && delta <= this.#clockRate / 4) {
        const ms = (delta * 1000) / this.#clockRate;
        if (Math.abs(ms - this.#candidateMs) < 0.5) this.#candidateVotes++;
        else {
          this.#candidateMs = ms;
          this.#candidateVotes = 1;
        }
        if (this.#candidateVotes >= 3 && this.#candidateMs !== this.#packetMs) {
          this.#target = this.#clamp(Math.round((this.#target * this.#packetMs) / this.#candidateMs));
          this.#packetMs = this.#candidateMs;
        }
      }
    }
    if (ext > this.#lastPushExt) {
      this.#lastPushExt = ext;
      this.#lastPushTimestamp = timestamp;
    }
  }

  #recordTransit(packet: RtpPacket, arrivalMs: number): void {
    // Transit = arrival − media time; only its spread matters (RFC 3550 §6.4.1 uses the same difference).
    const transit = arrivalMs - (packet.timestamp / this.#clockRate) * 1000;
    let d = transit - this.#lastTransit;
    // The media time wraps with the 32-bit timestamp: the step from the last transit is taken modulo it.
    if (d > this.#wrapMs / 2) d -= this.#wrapMs;
    else if (d < -this.#wrapMs / 2) d += this.#wrapMs;
    this.#lastTransit = transit;
    // A timestamp jump (sender reset, long silence with a new base) shifts every transit: start afresh.
    if (this.#fresh || Math.abs(d) > 2000) {
      this.#fresh = false;
      this.#blocks = 0;
      this.#inBlock = 0;
      this.#unwrapped = 0;
    } else {
      this.#unwrapped += d;
    }
    const u = this.#unwrapped;
    if (this.#inBlock === 0) {
      this.#lo = u;
      this.#hi = u;
    } else if (u < this.#lo) this.#lo = u;
    else if (u > this.#hi) this.#hi = u;
    if (++this.#inBlock === BLOCK) {
      // The block is complete: it joins the ring of blocks, and the delay is sized again.
      this.#spans[2 * this.#block] = this.#lo;
      this.#spans[2 * this.#block + 1] = this.#hi;
      if (this.#blocks < BLOCKS) this.#blocks++;
      this.#adapt();
      this.#inBlock = 0;
      this.#block = this.#block === BLOCKS - 1 ? 0 : this.#block + 1;
    }
  }

  /** Sizes the target delay from the spread of transits over the last `BLOCKS` blocks (~2 s). */
  #adapt(): void {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    const spans = this.#spans;
    // The complete blocks: the one just closed and the `#blocks − 1` before it.
    for (let k = 0, b = this.#block; k < this.#blocks; k++, b = b === 0 ? BLOCKS - 1 : b - 1) {
      if (spans[2 * b]! < min) min = spans[2 * b]!;
      if (spans[2 * b + 1]! > max) max = spans[2 * b + 1]!;
    }
    this.#jitterMs = max - min;
    // Enough frames to cover the spread, plus one for the tick's own phase.
    this.#target = this.#clamp(Math.ceil(this.#jitterMs / this.#packetMs) + 1);
  }

  /** Drops everything held and starts over (the far end changed, e.g. after a re-INVITE or transfer). */
  reset(): void {
    this.#resets++;
    this.#reset();
    this.#ssrc = -1;
  }

  /** Frames held from the next one to play up to the newest. */
  get depth(): number {
    if (this.#held === 0) return 0;
    return this.#next < 0 ? this.#held : this.#maxSeq - this.#next + 1;
  }

  /** One playout tick. */
  pop(): JitterOutput {
    if (this.#next < 0) {
      // Buffering: start once the target delay's worth of frames is held.
      if (this.#held === 0 || this.#held < this.#target) return IDLE;
      this.#next = this.#oldest();
    }
    this.#ticksSinceResize++;
    // Shrink: more than two frames above target for a while → skip the oldest frame.
    let depth = this.#maxSeq - this.#next + 1;
    if (depth > this.#target + 2 && this.#ticksSinceResize >= 10 && this.#has(this.#next + 1)) {
      if (this.#take(this.#next)) this.#discarded++;
      this.#next++;
      this.#ticksSinceResize = 0;
      depth--;
    }
    const packet = this.#take(this.#next);
    if (packet) {
      this.#next++;
      this.#missing = 0;
      this.#lastTimestamp = packet.timestamp;
      this.#played++;
      return { kind: 'frame', packet };
    }
    this.#missing++;
    this.#concealed++;
    if (this.#held === 0) {
      // Nothing newer has arrived, so the frame is late rather than known lost: hold the position, which
      // grows the playout delay by one frame. After `maxConcealFrames` the talk spurt is taken as over.
      if (this.#missing > this.#maxConceal) {
        this.#next = -1;
        this.#concealed--;
        return IDLE;
      }
      return { kind: 'lost', timestamp: this.#expectedTimestamp() };
    }
    if (depth < this.#target && this.#missing <= this.#maxConceal) {
      // Newer frames are here but fewer than the target delay: the missing one may be merely reordered.
      // Holding grows the delay towards the target instead of giving the frame up.
      return { kind: 'lost', timestamp: this.#expectedTimestamp() };
    }
    // Enough newer frames are here: this one is lost.
    this.#next++;
    this.#lost++;
    return { kind: 'lost', timestamp: this.#expectedTimestamp() };
  }

  #expectedTimestamp(): number {
    this.#lastTimestamp = (this.#lastTimestamp + (this.#packetMs * this.#clockRate) / 1000) >>> 0;
    return this.#lastTimestamp;
  }

  stats(): JitterBufferStats {
    return {
      received: this.#received,
      played: this.#played,
      late: this.#late,
      duplicates: this.#duplicates,
      lost: this.#lost,
      concealed: this.#concealed,
      discarded: this.#discarded,
      resets: this.#resets,
      depth: this.depth,
      targetDepth: this.#target,
      jitterMs: this.#jitterMs,
      packetMs: this.#packetMs,
    };
  }
}
