/**
 * A phone on loopback for tests and benchmarks: a UDP socket that sends a PCMU tone as RTP every time
 * `sendFrame()` is called (the caller's clock paces it) and keeps every audio frame it receives, decoded,
 * by RTP timestamp. RFC 4733 digits can be sent too.
 */
import { createSocket, type Socket } from 'node:dgram';
import { pcmu } from '../codec/g711.ts';
import { Rfc4733Sender } from '../processor/dtmf-rfc4733.ts';
import { generateTone } from '../processor/goertzel.ts';
import { isRtpParseError, parseRtp, serializeRtp } from '../rtp/rtp-packet.ts';

const codec = pcmu.create();

/** Loopback RTP tone peer (see file comment). */
export class TonePeer {
  readonly socket: Socket;
  readonly freq: number;
  received = new Map<number, Int16Array>();
  #seq = 1000;
  #n = 0;
  #ssrc = Math.floor(Math.random() * 0xffffffff);
  target = 0;

  constructor(freq: number) {
    this.freq = freq;
    this.socket = createSocket('udp4');
    this.socket.on('message', (m) => {
      const p = parseRtp(m);
      if (isRtpParseError(p) || p.payloadType !== 0) return;
      this.received.set(p.timestamp, codec.decode(p.payload));
    });
  }

  bind(): Promise<void> {
    return new Promise((r) => this.socket.bind(0, '127.0.0.1', () => r()));
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends RFC 4733 packets for one digit at once (payload type 101), stamped on this stream. */
  sendDigit(digit: string, durationMs = 100): void {
    if (!this.target) return;
    const sender = new Rfc4733Sender({ payloadType: 101, clockRate: 8000 });
    const packets = sender.build(digit, durationMs, {
      ssrc: this.#ssrc,
      sequenceNumber: this.#seq,
      timestamp: (this.#n * 160) >>> 0,
    });
    this.#seq += packets.length;
    for (const { packet } of packets) this.socket.send(serializeRtp(packet), this.target, '127.0.0.1');
  }

  sendFrame(): void {
    if (!this.target) return;
    const phase = (2 * Math.PI * this.freq * 160 * this.#n) / 8000;
    const pcm = generateTone(this.freq, 8000, 160, 6000, phase);
    const packet = serializeRtp({
      version: 2,
      padding: false,
      marker: this.#n === 0,
      payloadType: 0,
      sequenceNumber: this.#seq++ & 0xffff,
      timestamp: (this.#n * 160) >>> 0,
      ssrc: this.#ssrc,
      csrc: [],
      payload: codec.encode(pcm),
    });
    this.#n++;
    this.socket.send(packet, this.target, '127.0.0.1');
  }

  /** The last `frames` frames received, in timestamp order. */
  tail(frames: number): Int16Array {
    const keys = [...this.received.keys()].sort((a, b) => a - b).slice(-frames);
    const out = new Int16Array(keys.length * 160);
    keys.forEach((k, i) => {
      out.set(this.received.get(k)!, i * 160);
    });
    return out;
  }
}
