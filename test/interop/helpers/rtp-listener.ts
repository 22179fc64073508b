/**
 * A UDP port on 127.0.0.1 that a peer's SDP can name as its media address, so a test hears what Parley
 * sends there: RTP packets parsed, G.711 (PCMU 0, PCMA 8) decoded to 8 kHz samples in arrival order.
 */
import { createSocket, type Socket } from 'node:dgram';
import { ALAW_DECODE, MULAW_DECODE } from '../../../src/media/codec/g711.ts';
import { isRtpParseError, parseRtp } from '../../../src/media/rtp/rtp-packet.ts';

export interface RtpListener {
  socket: Socket;
  port: number;
  /** Everything decoded so far. */
  audio(): Int16Array;
  /** RTP payload types seen so far. */
  payloadTypes: Set<number>;
}

export function rtpListener(): Promise<RtpListener> {
  const chunks: Int16Array[] = [];
  const payloadTypes = new Set<number>();
  const socket = createSocket('udp4');
  socket.on('message', (msg) => {
    const rtp = parseRtp(msg);
    if (isRtpParseError(rtp)) return;
    payloadTypes.add(rtp.payloadType);
    const table = rtp.payloadType === 0 ? MULAW_DECODE : rtp.payloadType === 8 ? ALAW_DECODE : undefined;
    if (!table) return;
    chunks.push(Int16Array.from(rtp.payload, (b) => table[b]!));
  });
  return new Promise((resolve) =>
    socket.bind(0, '127.0.0.1', () =>
      resolve({
        socket,
        port: socket.address().port,
        payloadTypes,
        audio: () => {
          const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const c of chunks) {
            out.set(c, at);
            at += c.length;
          }
          return out;
        },
      }),
    ),
  );
}
