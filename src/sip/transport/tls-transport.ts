import { isIP } from 'node:net';
import { connect, createServer, type SecureContextOptions } from 'node:tls';
import { StreamTransport, type StreamTransportOptions } from './stream-transport.ts';

/** Where the TLS transport listens, its certificate, and how it verifies peers. */
export interface TlsTransportOptions extends StreamTransportOptions {
  /** PEM certificate chain and private key of this server. */
  cert: string | Buffer;
  key: string | Buffer;
  /** Trusted CAs for outgoing connections (default: Node's bundle). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Verify the peer's certificate on outgoing connections (default true; false only in tests). */
  rejectUnauthorized?: boolean;
}

/** SIP over TLS (RFC 3261 §26.2, port 5061 by default): a `StreamTransport` on node:tls. */
export class TlsTransport extends StreamTransport {
  /** Listens on `host:port` with the given certificate; rejects when the port is in use. */
  static listen(options: TlsTransportOptions): Promise<TlsTransport> {
    const context: SecureContextOptions = { cert: options.cert, key: options.key };
    return StreamTransport.start(
      {
        protocol: 'tls',
        // 'secureConnection' fires after the handshake, so the framer only ever sees plaintext.
        createServer: (onSocket) => createServer(context, onSocket),
        connect: (address, port, ready, serverName) =>
          connect(
            {
              host: address,
              port,
              ca: options.ca,
              rejectUnauthorized: options.rejectUnauthorized ?? true,
              // The name the target was resolved from is what the certificate must show (RFC 5922 §7.2);
              // an IP literal cannot be a TLS server name (RFC 6066 §3), it is checked against IP SANs.
              servername: serverName ?? (isIP(address) ? undefined : address),
            },
            ready,
          ),
      },
      options,
    );
  }
}
