import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serializeRtp } from '../rtp/rtp-packet.ts';
import { protectRtp, rtpHeaderLength, SrtpLoop } from './srtp-rtp.ts';

function packet(seq: number, payload: Uint8Array): Uint8Array {
  return serializeRtp({
    version: 2,
    padding: false,
    marker: false,
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: seq * 160,
    ssrc: 0x11223344,
    csrc: [],
    payload,
  });
}

test('protected RTP comes back byte for byte; the wire form is longer by the tag and not the plain one', () => {
  const loop = new SrtpLoop();
  for (let seq = 65530; seq < 65540; seq++) {
    const plain = packet(seq & 0xffff, new Uint8Array(160).fill(seq & 0xff));
    const wire = protectRtp(loop.a.srtp, plain)!;
    assert.equal(wire.length, plain.length + 10, 'HMAC-SHA1-80 tag');
    assert.notDeepEqual(wire.subarray(12, plain.length), Buffer.from(plain.subarray(12)));
    assert.deepEqual(loop.b.srtp.decrypt(wire), Buffer.from(plain));
  }
});

test('a changed bit fails authentication; what is not RTP is not protected', () => {
  const loop = new SrtpLoop();
  const wire = protectRtp(loop.a.srtp, packet(1, new Uint8Array(160)))!;
  wire[20]! ^= 1;
  assert.throws(() => loop.b.srtp.decrypt(wire));
  assert.equal(protectRtp(loop.a.srtp, new Uint8Array(8)), undefined);
});

test('header length counts CSRCs and the extension (RFC 3550 §5.3.1)', () => {
  const p = new Uint8Array(40);
  p[0] = 0x80 | 0x10 | 2; // version 2, extension, two CSRCs
  p[12 + 8 + 3] = 2; // extension of two words
  assert.equal(rtpHeaderLength(p), 12 + 8 + 4 + 8);
  p[12 + 8 + 3] = 200; // longer than the packet
  assert.equal(rtpHeaderLength(p), 0);
});

test('AEAD_AES_128_GCM (what Chromium and werift settle on): round trip, 16-byte tag, forgery refused', () => {
  const loop = new SrtpLoop('AEAD_AES_128_GCM');
  for (let seq = 1; seq < 20; seq++) {
    const plain = packet(seq, new Uint8Array(160).fill(seq));
    const wire = protectRtp(loop.a.srtp, plain)!;
    assert.equal(wire.length, plain.length + 16, 'GCM tag (RFC 7714 §7)');
    assert.deepEqual(loop.b.srtp.decrypt(wire), Buffer.from(plain));
  }
  const forged = protectRtp(loop.a.srtp, packet(30, new Uint8Array(160)))!;
  forged[40]! ^= 1;
  assert.throws(() => loop.b.srtp.decrypt(forged));
});
