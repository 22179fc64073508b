/**
 * Strict source latching for symmetric RTP (RFC 4961): the session learns its peer's address from the
 * packets themselves (NAT), but only after `probation` packets in sequence from one source
 * (address, port and SSRC), and from then on drops everything from any other source — which is what stops
 * RTP injection and "RTP bleed" (a stranger's packets on a port being adopted). Re-learning happens only
 * when signalling says the peer moved (`relearn()`, called by `setRemote`). Pure: no I/O.
 */

/** What to do with a packet. */
export type LatchVerdict = 'accept' | 'drop';

/** Latching state for stats and tests. */
export interface LatchState {
  latched: boolean;
  address?: string;
  port?: number;
  ssrc?: number;
}

/** Source latch (see file comment). */
export class SourceLatch {
  readonly probation: number;
  #address: string | undefined;
  #port = 0;
  #ssrc = 0;
  #lastSeq = -1;
  #inSequence = 0;
  #latched = false;

  /** `probation`: in-sequence packets from one source before it is locked (default 3). */
  constructor(probation = 3) {
    this.probation = Math.max(1, probation);
  }

  get latched(): boolean {
    return this.#latched;
  }

  /**
   * Checks a packet's source. While learning, packets of the current candidate are accepted (so audio is
   * not lost during probation) and a packet from another source restarts learning with that source and is
   * dropped. Once latched, only the latched source is accepted; an SSRC change from that very address and
   * port is accepted too (a peer restarting its stream, RFC 3550 §8.2) and adopted.
   */
  check(address: string, port: number, ssrc: number, seq: number): LatchVerdict {
    const sameTransport = address === this.#address && port === this.#port;
    if (this.#latched) {
      if (!sameTransport) return 'drop';
      this.#ssrc = ssrc;
      return 'accept';
    }
    if (!sameTransport || ssrc !== this.#ssrc) {
      // The very first source is taken at once, and so is a new SSRC from the candidate's own address (a
      // restarted stream); a competing address must prove itself first.
      const welcome = this.#address === undefined || sameTransport;
      this.#address = address;
      this.#port = port;
      this.#ssrc = ssrc;
      this.#lastSeq = seq;
      this.#inSequence = 1;
      if (this.#inSequence >= this.probation) this.#latched = true;
      return welcome || this.#latched ? 'accept' : 'drop';
    }
    if (seq === ((this.#lastSeq + 1) & 0xffff)) this.#inSequence++;
    else this.#inSequence = 1;
    this.#lastSeq = seq;
    if (this.#inSequence >= this.probation) this.#latched = true;
    return 'accept';
  }

  /** Forgets the source: the next packets are learnt again (signalling moved the peer). */
  relearn(): void {
    this.#address = undefined;
    this.#port = 0;
    this.#ssrc = 0;
    this.#lastSeq = -1;
    this.#inSequence = 0;
    this.#latched = false;
  }

  /** The source packets are accepted from (the candidate while learning), or undefined before any packet. */
  source(): { address: string; port: number } | undefined {
    return this.#address === undefined ? undefined : { address: this.#address, port: this.#port };
  }

  state(): LatchState {
    const s: LatchState = { latched: this.#latched };
    if (this.#address !== undefined) {
      s.address = this.#address;
      s.port = this.#port;
      s.ssrc = this.#ssrc;
    }
    return s;
  }
}
