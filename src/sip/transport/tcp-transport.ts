import { connect, createServer } from 'node:net';
import { StreamTransport, type StreamTransportOptions } from './stream-transport.ts';

/** Where the TCP transport listens, and its limits. */
export type TcpTransportOptions = StreamTransportOptions;

/** SIP over TCP (RFC 3261 §18.3): see `StreamTransport` for framing, reuse, keep-alives and limits. */
export class TcpTransport extends StreamTransport {
  /** Listens on `host:port` (0 for a free port). */
  static listen(options: TcpTransportOptions): Promise<TcpTransport> {
    return StreamTransport.start(
      {
        protocol: 'tcp',
        createServer: (onSocket) => createServer(onSocket),
        connect: (address, port, ready) => connect({ host: address, port }, ready),
      },
      options,
    );
  }
}
