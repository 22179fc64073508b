import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadMeter } from './load-meter.ts';

test('the send share is part of the tick share, and both start over at each read', () => {
  const meter = new LoadMeter();
  meter.addTick(10, 4);
  meter.addTick(6);
  const r = meter.read();
  assert.ok(r.tickLoad > 0);
  // 4 ms of 16 ms in ticks went to sending, whatever the wall time between creation and read.
  assert.ok(Math.abs(r.sendLoad / r.tickLoad - 0.25) < 1e-9, `${r.sendLoad} / ${r.tickLoad}`);
  const next = meter.read();
  assert.equal(next.tickLoad, 0);
  assert.equal(next.sendLoad, 0);
});
