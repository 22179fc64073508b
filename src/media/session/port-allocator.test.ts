import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PortAllocator } from './port-allocator.ts';

test('even ports only, RTCP pair reserved, round-robin, exhaustion and release', () => {
  const a = new PortAllocator(10001, 10008);
  assert.equal(a.min, 10002);
  assert.equal(a.capacity, 3);
  const got = [a.allocate(), a.allocate(), a.allocate()];
  assert.deepEqual(got, [10002, 10004, 10006]);
  assert.equal(a.allocate(), null);
  a.release(10004);
  a.release(10004);
  assert.equal(a.used, 2);
  assert.equal(a.allocate(), 10004);
  a.release(10002);
  a.release(10006);
  // Round-robin: the walk continues after the last port handed out.
  assert.equal(a.allocate(), 10006);
});

test('a range without an even/odd pair is refused', () => {
  assert.throws(() => new PortAllocator(10001, 10002), RangeError);
  assert.throws(() => new PortAllocator(0, 70000), RangeError);
});
