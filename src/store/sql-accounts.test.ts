import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openStore } from './index.ts';
import type { CallRecord } from './model.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-records-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const record = (i: number): CallRecord => ({
  id: `call-${i}`,
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  from: '101',
  to: '800',
  direction: 'internal',
  disposition: 'answered',
});

it('writes call records in batches; a clean close writes those still waiting', async () => {
  const data = join(dir, 'close');
  let store = await openStore({ data });
  // 300: more than one batch, and a last batch still waiting for its timer when the store closes.
  const writes = Array.from({ length: 300 }, (_, i) => store.addCallRecord(record(i)));
  await store.close();
  await Promise.all(writes);
  store = await openStore({ data });
  const page = await store.listCallRecords({ limit: 1000 });
  assert.equal(page.total, 300);
  assert.deepEqual(new Set(page.items.map((r) => r.id)).size, 300);
  await store.close();
});

it('lists records still waiting for their batch', async () => {
  const store = await openStore({ data: join(dir, 'list') });
  void store.addCallRecord(record(1));
  void store.addCallRecord(record(2));
  const page = await store.listCallRecords();
  assert.deepEqual(
    page.items.map((r) => r.id),
    ['call-2', 'call-1'],
  );
  await store.close();
});

it('a record that cannot be written fails alone; the rest of its batch is kept', async () => {
  const store = await openStore({ data: join(dir, 'duplicate') });
  const first = store.addCallRecord(record(1));
  const twice = store.addCallRecord(record(1));
  const other = store.addCallRecord(record(2));
  await first;
  await assert.rejects(twice);
  await other;
  const page = await store.listCallRecords();
  assert.deepEqual(
    page.items.map((r) => r.id),
    ['call-2', 'call-1'],
  );
  await store.close();
});
