/** TLS specifics: the peer certificate is verified against the name the target was resolved from. */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { SipRequest } from '../message/types.ts';
import { testCertificate } from './test-certificate.ts';
import { TlsTransport } from './tls-transport.ts';
import { TransportError } from './transport.ts';

const cert = testCertificate();
const HOST = '127.0.0.1';

const options: SipRequest = {
  kind: 'request',
  method: 'OPTIONS',
  uri: 'sip:x@localhost',
  version: 'SIP/2.0',
  headers: [
    { name: 'Via', value: 'SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKtls' },
    { name: 'From', value: '<sip:a@localhost>;tag=1' },
    { name: 'To', value: '<sip:x@localhost>' },
    { name: 'Call-ID', value: 'tls-1' },
    { name: 'CSeq', value: '1 OPTIONS' },
  ],
  body: new Uint8Array(0),
};

test('verified TLS: the right server name passes, a wrong one is refused (RFC 5922 §7.2)', {
  skip: !cert && 'openssl missing',
}, async () => {
  const server = await TlsTransport.listen({ host: HOST, port: 0, cert: cert!.cert, key: cert!.key });
  // The client trusts exactly the test certificate and verifies it (the default).
  const client = await TlsTransport.listen({
    host: HOST,
    port: 0,
    cert: cert!.cert,
    key: cert!.key,
    ca: cert!.cert,
  });
  const got: string[] = [];
  server.listen({ message: (m) => got.push(m.kind === 'request' ? m.method : '') });
  try {
    await assert.rejects(
      client.send(options, { address: HOST, port: server.localPort, serverName: 'wrong.example' }),
      TransportError,
    );
    await client.send(options, { address: HOST, port: server.localPort, serverName: 'localhost' });
    while (got.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(got, ['OPTIONS']);
  } finally {
    await client.close();
    await server.close();
  }
});
