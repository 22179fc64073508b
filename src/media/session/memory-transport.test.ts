import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryTransport } from './memory-transport.ts';

test('packets handed in reach the sink with their arrival time; sends are counted, never delivered', () => {
  const t = new MemoryTransport();
  const got: [number, number][] = [];
  t.start({ rtp: (p, at) => got.push([p.length, at]), rtcp: () => {}, failed: () => {} });
  t.receive(new Uint8Array(172), 40);
  t.sendRtp(new Uint8Array(20));
  assert.deepEqual(got, [[172, 40]]);
  const s = t.stats();
  assert.deepEqual([s.packetsReceived, s.bytesReceived, s.packetsSent, s.bytesSent], [1, 172, 1, 20]);
});
