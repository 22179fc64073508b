/** UDP specifics beyond the shared contract: STUN keep-alives (RFC 5626 §4.4.2). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import test from 'node:test';
import { UdpTransport } from './udp-transport.ts';

test('a STUN Binding request on the SIP port gets XOR-MAPPED-ADDRESS with our address and port', async () => {
  const t = await UdpTransport.listen({ host: '127.0.0.1', port: 0 });
  const client = createSocket('udp4');
  try {
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
    const req = Buffer.alloc(20);
    req.writeUInt16BE(0x0001, 0);
    req.writeUInt16BE(0, 2);
    req.writeUInt32BE(0x2112a442, 4);
    const tid = randomBytes(12);
    tid.copy(req, 8);
    const reply = new Promise<Buffer>((r) => client.once('message', (m) => r(m)));
    client.send(req, t.localPort, '127.0.0.1');
    const res = await reply;
    assert.equal(res.readUInt16BE(0), 0x0101, 'Binding success');
    assert.deepEqual(res.subarray(8, 20), tid, 'same transaction id');
    assert.equal(res.readUInt16BE(20), 0x0020, 'XOR-MAPPED-ADDRESS');
    assert.equal(res.readUInt8(25), 0x01, 'IPv4');
    assert.equal(res.readUInt16BE(26) ^ 0x2112, client.address().port);
    const ip = [0, 1, 2, 3].map((i) => res[28 + i]! ^ [0x21, 0x12, 0xa4, 0x42][i]!).join('.');
    assert.equal(ip, '127.0.0.1');
    assert.equal(t.stats().keepalives, 1);
    assert.equal(t.stats().droppedMalformed, 0);
  } finally {
    client.close();
    await t.close();
  }
});
