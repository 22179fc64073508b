/**
 * The store contract: every engine runs this same suite (SQLite beside it, PostgreSQL in test/interop).
 * This file only exports the suite; the engine tests call `storeContract`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Actor } from './model.ts';
import type { Context, Store } from './store.ts';
import { StoreError } from './store.ts';

export interface StoreFixture {
  open(): Promise<Store>;
  /** Removes whatever the fixture created (after the store is closed). */
  cleanup(): Promise<void>;
}

const admin: Actor = { kind: 'system', name: 'contract', permissions: ['admin'] };
const ctx: Context = { actor: admin, ip: '127.0.0.1' };

async function rejects(p: Promise<unknown>, code: string): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${err}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected ${code}`);
}

const alice = { name: 'Alice', extension: '101', sipPassword: 'alice-secret' };
const bob = { name: 'Bob', extension: '102', sipPassword: 'bob-secret' };

export function storeContract(engine: string, fixture: () => Promise<StoreFixture>): void {
  describe(`store contract on ${engine}`, () => {
    let fx: StoreFixture;
    let store: Store;
    before(async () => {
      fx = await fixture();
      store = await fx.open();
    });
    after(async () => {
      await store?.close();
      await store?.close(); // idempotent
      await fx?.cleanup();
    });

    it('starts empty at version 0', async () => {
      assert.equal(store.live.version, 0);
      assert.equal((await store.list('users')).total, 0);
      assert.deepEqual((await store.changes()).changes, []);
      assert.equal((await store.status()).schemaVersion, (await store.status()).latestSchemaVersion);
    });

    it('creates, reads, lists in extension order with paging', async () => {
      const b = await store.create('users', bob, ctx);
      const a = await store.create('users', alice, ctx);
      assert.match(a.id, /^u_/);
      assert.ok(a.revision > 0 && b.revision > 0 && a.revision !== b.revision);
      assert.deepEqual(await store.get('users', a.id), a);
      const page = await store.list('users', { offset: 0, limit: 1 });
      assert.equal(page.total, 2);
      assert.deepEqual(
        page.items.map((u) => u.extension),
        ['101'],
      );
      assert.deepEqual(
        (await store.list('users', { offset: 1, limit: 5 })).items.map((u) => u.extension),
        ['102'],
      );
      assert.deepEqual(
        (await store.list('users', { q: 'ALI' })).items.map((u) => u.name),
        ['Alice'],
      );
      assert.equal((await store.list('users', { q: '10' })).total, 2);
      const big = await store.create(
        'users',
        { name: 'Zoe', extension: '1000', sipPassword: 'zoe-pw-1' },
        ctx,
      );
      assert.deepEqual(
        (await store.list('users')).items.map((u) => u.extension),
        ['101', '102', '1000'],
        'extensions sort as numbers',
      );
      await store.remove('users', big.id, ctx);
      assert.equal((await store.list('users', { q: 'secret' })).total, 0, 'passwords are not searchable');
      assert.equal((await store.list('users', { q: '%' })).total, 0, 'wildcards are literal');
      // Nothing is live before Apply.
      assert.equal(store.live.findUser('101'), undefined);
      assert.equal((await store.list('users', { view: 'live' })).total, 0);
    });

    it('refuses an invalid object with plain words and field paths', async () => {
      const err = await rejects(
        store.create('users', { name: '', extension: '10a', sipPassword: 'x' }, ctx),
        'INVALID',
      );
      assert.deepEqual(err.errors.map((e) => e.path).sort(), ['extension', 'name', 'sipPassword']);
      assert.match(err.errors.find((e) => e.path === 'extension')!.message, /digits only/);
    });

    it('refuses a stale write (optimistic concurrency)', async () => {
      const c = await store.create(
        'conferences',
        { name: 'Weekly', extension: '800', waitForAdmin: false },
        ctx,
      );
      const first = await store.update(
        'conferences',
        c.id,
        { name: 'Weekly sync' },
        { ...ctx, ifRevision: c.revision },
      );
      assert.ok(first.revision > c.revision);
      const err = await rejects(
        store.update('conferences', c.id, { name: 'Lost update' }, { ...ctx, ifRevision: c.revision }),
        'CONFLICT',
      );
      assert.equal(err.currentRevision, first.revision);
      await rejects(store.remove('conferences', c.id, { ...ctx, ifRevision: c.revision }), 'CONFLICT');
      assert.equal((await store.get('conferences', c.id))?.name, 'Weekly sync');
      // null removes an optional field
      const withCode = await store.update('conferences', c.id, { accessCode: '1234' }, ctx);
      assert.equal(withCode.accessCode, '1234');
      const without = await store.update('conferences', c.id, { accessCode: null }, ctx);
      assert.equal('accessCode' in without, false);
      await rejects(store.update('conferences', 'c_nope', { name: 'x' }, ctx), 'NOT_FOUND');
    });

    it('lets exactly one of two simultaneous writers of the same revision win', async () => {
      const c = (await store.list('conferences')).items[0]!;
      const results = await Promise.allSettled(
        ['First', 'Second', 'Third'].map((name) =>
          store.update('conferences', c.id, { name }, { ...ctx, ifRevision: c.revision }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results)
        if (r.status === 'rejected') assert.equal((r.reason as StoreError).code, 'CONFLICT');
      const winner = (won[0] as PromiseFulfilledResult<{ name: string }>).value.name;
      assert.equal((await store.get('conferences', c.id))?.name, winner);
      await store.update('conferences', c.id, { name: 'Weekly sync' }, ctx);
    });

    it('lists pending changes field by field, secrets without values', async () => {
      const { baseVersion, changes, problems } = await store.changes();
      assert.equal(baseVersion, 0);
      assert.deepEqual(problems, []);
      assert.deepEqual(changes.map((c) => `${c.kind}:${c.action}:${c.label}`).sort(), [
        'conferences:added:Weekly sync',
        'users:added:Alice',
        'users:added:Bob',
      ]);
      const a = changes.find((c) => c.label === 'Alice')!;
      assert.deepEqual(
        a.fields.find((f) => f.field === 'sipPassword'),
        { field: 'sipPassword' },
      );
      assert.deepEqual(
        a.fields.find((f) => f.field === 'extension'),
        { field: 'extension', to: '101' },
      );
    });

    it('applies: a new version goes live and listeners hear it', async () => {
      const heard: number[] = [];
      const off = store.onApplied((v, live, previous) =>
        heard.push(v, live.usersByExtension.size, previous.version),
      );
      const r = await store.apply(ctx);
      off();
      assert.deepEqual(r, { version: 1, unchanged: false });
      assert.deepEqual(heard, [1, 2, 0]);
      assert.equal(store.live.version, 1);
      assert.equal(store.live.findUser('101')?.sipPassword, 'alice-secret');
      assert.equal(store.live.findConference('800')?.name, 'Weekly sync');
      assert.deepEqual((await store.changes()).changes, []);
      assert.deepEqual(await store.apply(ctx), { version: 1, unchanged: true });
      assert.equal((await store.list('users', { view: 'live' })).total, 2);
      assert.equal((await store.list('users', { view: 'live', q: 'bob' })).items[0]?.extension, '102');
    });

    it('refuses a whole draft with one invalid object and changes nothing', async () => {
      const carol = await store.create(
        'users',
        { name: 'Carol', extension: '103', sipPassword: 'carol-pw' },
        ctx,
      );
      const clash = await store.create(
        'users',
        { name: 'Mallory', extension: '101', sipPassword: 'mallory' },
        ctx,
      );
      const before = (await store.versions()).total;
      const err = await rejects(store.apply(ctx), 'INVALID');
      const alice = (await store.list('users')).items.find((u) => u.name === 'Alice')!;
      assert.deepEqual(
        [...err.errors].sort((a, b) => a.path.localeCompare(b.path)),
        [
          { path: `users.${clash.id}.extension`, message: 'Extension 101 is also used by user "Alice".' },
          { path: `users.${alice.id}.extension`, message: 'Extension 101 is also used by user "Mallory".' },
        ].sort((a, b) => a.path.localeCompare(b.path)),
      );
      assert.equal((await store.versions()).total, before);
      assert.equal(store.live.version, 1);
      assert.equal(store.live.findUser('103'), undefined);
      // The draft keeps both, so the author can fix it.
      assert.ok(await store.get('users', carol.id));
      assert.equal((await store.changes()).problems.length, 2);
      await store.remove('users', clash.id, ctx);
      assert.equal((await store.apply(ctx)).version, 2);
      assert.equal(store.live.findUser('103')?.name, 'Carol');
    });

    it('checks references across the configuration', async () => {
      const trunk = await store.create(
        'trunks',
        {
          name: 'Provider',
          host: 'sip.example.net',
          port: 5060,
          transport: 'udp',
          register: false,
          inboundAddresses: ['192.0.2.0/24'],
        },
        ctx,
      );
      const conf = (await store.list('conferences')).items[0]!;
      const n = await store.create(
        'incomingNumbers',
        {
          number: '+3221234567',
          trunkId: trunk.id,
          destination: { type: 'conference', conferenceId: conf.id },
        },
        ctx,
      );
      await store.update('conferences', conf.id, { adminExtension: '999', waitForAdmin: true }, ctx);
      const bad = await store.create(
        'incomingNumbers',
        { number: '+3221234568', destination: { type: 'extension', extension: '555' } },
        ctx,
      );
      const err = await rejects(store.apply(ctx), 'INVALID');
      assert.deepEqual(err.errors.map((e) => e.path).sort(), [
        `conferences.${conf.id}.adminExtension`,
        `incomingNumbers.${bad.id}.destination.extension`,
      ]);
      await store.update('conferences', conf.id, { adminExtension: '101' }, ctx);
      await store.remove('incomingNumbers', bad.id, ctx);
      assert.equal((await store.apply(ctx)).version, 3);
      assert.equal(store.live.findIncoming('+3221234567', trunk.id)?.id, n.id);
      assert.equal(store.live.findIncoming('+3221234567', 't_other'), undefined);
    });

    it('keeps history, diffs versions, restores into the draft, discards', async () => {
      const history = await store.versions();
      assert.deepEqual(
        history.items.map((v) => v.version),
        [3, 2, 1],
      );
      assert.deepEqual(history.items[2]!.summary, { added: 3, changed: 0, removed: 0 });
      assert.equal(history.items[0]!.appliedBy, 'system:contract');
      const diff = await store.diffVersions(1, 2);
      assert.deepEqual(
        diff.map((c) => `${c.action}:${c.label}`),
        ['added:Carol'],
      );
      await rejects(store.diffVersions(1, 99), 'NOT_FOUND');
      await store.restore(1, ctx);
      const pending = await store.changes();
      assert.deepEqual(pending.changes.map((c) => `${c.kind}:${c.action}`).sort(), [
        'conferences:changed',
        'incomingNumbers:removed',
        'trunks:removed',
        'users:removed',
      ]);
      assert.equal(store.live.version, 3, 'restore only touches the draft');
      await store.discard(ctx);
      assert.deepEqual((await store.changes()).changes, []);
      await rejects(store.restore(42, ctx), 'NOT_FOUND');
    });

    it('stores console passwords as argon2id and tokens only as hashes', async () => {
      const acc = await store.createAccount(
        { username: 'root', password: 'correct horse', permissions: ['admin'] },
        ctx,
      );
      await rejects(
        store.createAccount({ username: 'root', password: 'x', permissions: [] }, ctx),
        'DUPLICATE',
      );
      const secret = await store.findAccountByUsername('root');
      assert.match(secret!.passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.equal(secret!.id, acc.id);
      await store.setLoginState(acc.id, { failedLogins: 3, lockedUntil: '2030-01-01T00:00:00.000Z' });
      const locked = await store.findAccountByUsername('root');
      assert.equal(locked!.failedLogins, 3);
      assert.equal(locked!.lockedUntil, '2030-01-01T00:00:00.000Z');
      const updated = await store.updateAccount(acc.id, { permissions: ['apply'] }, ctx);
      assert.deepEqual(updated.permissions, ['apply']);

      const { token, info } = await store.createToken('ci', ['admin'], ctx);
      assert.match(token, /^parley_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual((await store.findToken(token))?.id, info.id);
      assert.equal(await store.findToken(`${token}x`), undefined);
      assert.equal(JSON.stringify(await store.listTokens()).includes(token), false);
      await store.deleteToken(info.id, ctx);
      assert.equal(await store.findToken(token), undefined);

      const s = await store.createSession(acc.id, 60_000);
      const found = await store.findSession(s.token);
      assert.equal(found?.account.username, 'root');
      assert.equal(found?.csrfToken, s.csrfToken);
      await store.deleteSession(s.token);
      assert.equal(await store.findSession(s.token), undefined);
      const expired = await store.createSession(acc.id, -1);
      assert.equal(await store.findSession(expired.token), undefined);
    });

    it('audits every change with who and from where', async () => {
      const log = await store.listAudit({ limit: 500 });
      const actions = new Set(log.items.map((e) => e.action));
      for (const a of [
        'users.create',
        'conferences.update',
        'users.delete',
        'apply',
        'version.restore',
        'account.create',
        'token.create',
      ])
        assert.ok(actions.has(a), `audit has ${a}`);
      const refused = log.items.find((e) => e.action === 'apply' && !e.ok);
      assert.ok(refused, 'a refused Apply is audited too');
      assert.ok(log.items.every((e) => e.actor === 'system:contract' && e.ip === '127.0.0.1'));
    });

    it('keeps runtime state as JSON under a key', async () => {
      assert.equal(await store.getState('bindings'), undefined);
      await store.setState('bindings', [{ aor: '101', contact: 'sip:101@127.0.0.1:5062' }]);
      await store.setState('bindings', [{ aor: '102', contact: 'sip:102@127.0.0.1:5064' }]);
      assert.deepEqual(await store.getState('bindings'), [{ aor: '102', contact: 'sip:102@127.0.0.1:5064' }]);
    });

    it('keeps call records', async () => {
      await store.addCallRecord({
        id: 'call-1',
        startedAt: '2026-01-01T10:00:00.000Z',
        from: '101',
        to: '800',
        direction: 'internal',
        disposition: 'answered',
      });
      await store.addCallRecord({
        id: 'call-2',
        startedAt: '2026-01-01T11:00:00.000Z',
        from: '+3221234567',
        to: '800',
        direction: 'inbound',
        disposition: 'answered',
        conferenceId: 'c_1',
      });
      const page = await store.listCallRecords();
      assert.deepEqual(
        page.items.map((r) => r.id),
        ['call-2', 'call-1'],
      );
    });

    it('survives a reopen: same live version, same draft', async () => {
      const pendingName = 'Pending room';
      await store.create('conferences', { name: pendingName, extension: '801', waitForAdmin: false }, ctx);
      const draft = await store.draft();
      const version = store.live.version;
      await store.close();
      store = await fx.open();
      assert.equal(store.live.version, version);
      assert.equal(store.live.findUser('101')?.name, 'Alice');
      assert.deepEqual(await store.draft(), draft);
      assert.equal(store.live.findConference('801'), undefined);
    });

    it('replaces the whole draft in one go', async () => {
      const users = Array.from({ length: 1000 }, (_, i) => ({
        id: '',
        revision: 0,
        name: `User ${i}`,
        extension: String(2000 + i),
        sipPassword: `pw-${i}-xyz`,
      }));
      const bad = await rejects(
        store.replaceDraft(
          {
            users: [users[0]!, { ...users[1]!, extension: 'x' }],
            conferences: [
              { id: 'c_same', revision: 0, name: 'A', extension: '900', waitForAdmin: false },
              { id: 'c_same', revision: 0, name: 'B', extension: '901', waitForAdmin: false },
            ],
            incomingNumbers: [],
            trunks: [],
          },
          ctx,
        ),
        'INVALID',
      );
      assert.deepEqual(
        bad.errors.map((e) => e.path),
        ['users.1.extension', 'conferences.1.id'],
      );
      await store.replaceDraft({ users, conferences: [], incomingNumbers: [], trunks: [] }, ctx);
      assert.equal((await store.list('users')).total, 1000);
      const r = await store.apply(ctx);
      assert.equal(store.live.version, r.version);
      assert.equal(store.live.findUser('2999')?.name, 'User 999');
      assert.equal(store.live.findUser('101'), undefined);
    });

    it('lets users call external numbers unless told otherwise', async () => {
      // Written when left out: by create, and by replaceDraft (users 2000-2999 above).
      assert.equal(store.live.usersByExtension.get('2000')?.canCallOut, true);
      const carol = await store.create(
        'users',
        { name: 'Carol', extension: '3000', sipPassword: 'carol-pw' },
        ctx,
      );
      assert.equal(carol.canCallOut, true);
      const err = await rejects(store.update('users', carol.id, { canCallOut: 'yes' }, ctx), 'INVALID');
      assert.deepEqual(
        err.errors.map((e) => e.path),
        ['canCallOut'],
      );
      const denied = await store.update('users', carol.id, { canCallOut: false }, ctx);
      assert.equal(denied.canCallOut, false);
      assert.equal((await store.get('users', carol.id))?.canCallOut, false);
      const pending = (await store.changes()).changes.find((c) => c.id === carol.id);
      assert.deepEqual(
        pending?.fields.find((f) => f.field === 'canCallOut'),
        { field: 'canCallOut', to: false },
      );
      await store.apply(ctx);
      assert.equal(store.live.findUser('3000') && store.live.usersByExtension.get('3000')?.canCallOut, false);
      // Cleared with null: back to the default.
      const again = await store.update('users', carol.id, { canCallOut: null }, ctx);
      assert.equal(again.canCallOut, true);
    });
  });
}
