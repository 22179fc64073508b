import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, apiFixture } from './testing.ts';

describe('staged configuration over the API', () => {
  let fx: ApiFixture;
  let h: { authorization: string };
  const call = async (
    method: string,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const r = await fx.app.inject({
      method: method as 'GET',
      url,
      payload: payload as object,
      headers: { ...h, ...headers },
    });
    const json = String(r.headers['content-type'] ?? '').startsWith('application/json');
    return { status: r.statusCode, body: json ? r.json() : r.body, headers: r.headers };
  };
  before(async () => {
    fx = await apiFixture();
    h = await fx.bearer(['admin']);
  });
  after(() => fx.close());

  it('creates a user whose SIP password is write-only', async () => {
    const r = await call('POST', '/api/users', {
      name: 'Alice',
      extension: '101',
      sipPassword: 'alice-pw',
      email: 'a@example.org',
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.name, 'Alice');
    assert.equal('sipPassword' in r.body, false);
    assert.equal(r.headers.etag, `"${r.body.revision}"`);
    assert.equal(r.headers.location, `/api/users/${r.body.id}`);
    const got = await call('GET', `/api/users/${r.body.id}`);
    assert.equal(got.status, 200);
    assert.equal('sipPassword' in got.body, false);
    assert.equal(JSON.stringify((await call('GET', '/api/users')).body).includes('alice-pw'), false);
  });

  it('answers 422 with field paths in plain words, 400 for a malformed body', async () => {
    const r = await call('POST', '/api/conferences', { name: 'Room', extension: '12a', accessCode: '12#' });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      r.body.errors.map((e: { path: string }) => e.path),
      ['extension', 'accessCode'],
    );
    assert.match(r.body.errors[1].message, /Access code must be digits only/);
    const bad = await call('POST', '/api/conferences', {
      name: 'Room',
      extension: '100',
      waitForAdmin: 'perhaps',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'BAD_REQUEST');
    assert.equal(bad.body.errors[0].path, 'body.waitForAdmin');
    const notJson = await fx.app.inject({
      method: 'POST',
      url: '/api/conferences',
      headers: { ...h, 'content-type': 'application/json' },
      payload: '{oops',
    });
    assert.equal(notJson.statusCode, 400);
    assert.deepEqual(notJson.json(), {
      error: { code: 'BAD_REQUEST', message: 'The body is not valid JSON.' },
    });
    const empty = await fx.app.inject({
      method: 'POST',
      url: '/api/logout',
      headers: { ...h, 'content-type': 'application/json' },
    });
    assert.equal(empty.statusCode, 204, 'an empty JSON body is no body');
  });

  it('pages lists in extension order', async () => {
    for (const ext of ['105', '103', '104', '102'])
      assert.equal(
        (await call('POST', '/api/users', { name: `U${ext}`, extension: ext, sipPassword: 'pw-1234' }))
          .status,
        201,
      );
    const p = await call('GET', '/api/users?offset=1&limit=2');
    assert.deepEqual(
      p.body.items.map((u: { extension: string }) => u.extension),
      ['102', '103'],
    );
    assert.equal(p.body.total, 5);
    assert.equal((await call('GET', '/api/users?limit=20000')).status, 400);
  });

  it('refuses a stale write with 409 (If-Match or revision)', async () => {
    const c = (await call('POST', '/api/conferences', { name: 'Weekly', extension: '800' })).body;
    assert.equal(c.waitForAdmin, false);
    const ok = await call(
      'PATCH',
      `/api/conferences/${c.id}`,
      { name: 'Weekly sync' },
      { 'if-match': `"${c.revision}"` },
    );
    assert.equal(ok.status, 200);
    const stale = await call(
      'PATCH',
      `/api/conferences/${c.id}`,
      { name: 'Overwrite' },
      { 'if-match': `"${c.revision}"` },
    );
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'CONFLICT');
    const staleBody = await call('PATCH', `/api/conferences/${c.id}`, {
      name: 'Overwrite',
      revision: c.revision,
    });
    assert.equal(staleBody.status, 409);
    const staleDelete = await call('DELETE', `/api/conferences/${c.id}`, undefined, {
      'if-match': `"${c.revision}"`,
    });
    assert.equal(staleDelete.status, 409);
    assert.equal((await call('GET', `/api/conferences/${c.id}`)).body.name, 'Weekly sync');
  });

  it('shows the draft, the live view, the pending changes; applies', async () => {
    assert.equal((await call('GET', '/api/users?view=live')).body.total, 0);
    const changes = await call('GET', '/api/changes');
    assert.equal(changes.body.baseVersion, 0);
    assert.equal(changes.body.changes.length, 6);
    const weekly = changes.body.changes.find((c: { label: string }) => c.label === 'Weekly sync');
    assert.deepEqual(
      weekly.fields.map((f: { field: string }) => f.field),
      ['extension', 'name', 'waitForAdmin'],
    );
    const applied = await call('POST', '/api/apply');
    assert.deepEqual(applied.body, { version: 1, unchanged: false });
    assert.equal((await call('GET', '/api/users?view=live')).body.total, 5);
    assert.equal(fx.store.live.findUser('101')?.sipPassword, 'alice-pw');
  });

  it('refuses an invalid draft as a whole: 422, nothing applied, draft kept', async () => {
    const ok = (await call('POST', '/api/users', { name: 'Fine', extension: '110', sipPassword: 'fine-pw' }))
      .body;
    const clash = (await call('POST', '/api/conferences', { name: 'Clash', extension: '101' })).body;
    const draftBefore = await call('GET', '/api/changes');
    const r = await call('POST', '/api/apply');
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'VALIDATION_FAILED');
    assert.ok(r.body.errors.some((e: { path: string }) => e.path === `conferences.${clash.id}.extension`));
    assert.equal(fx.store.live.version, 1);
    assert.equal(fx.store.live.findUser('110'), undefined, 'the valid part was not applied either');
    assert.equal((await call('GET', '/api/versions')).body.total, 1);
    assert.deepEqual((await call('GET', '/api/changes')).body, draftBefore.body);
    assert.equal((await call('GET', `/api/users/${ok.id}`)).status, 200);
    assert.equal((await call('DELETE', `/api/conferences/${clash.id}`)).status, 204);
    assert.equal((await call('POST', '/api/apply')).body.version, 2);
  });

  it('keeps versions, diffs them, restores one into the draft, discards', async () => {
    const versions = await call('GET', '/api/versions');
    assert.deepEqual(
      versions.body.items.map((v: { version: number }) => v.version),
      [2, 1],
    );
    const diff = await call('GET', '/api/versions/1/diff/2');
    assert.deepEqual(
      diff.body.map((c: { action: string; label: string }) => `${c.action} ${c.label}`),
      ['added Fine'],
    );
    const v1 = await call('GET', '/api/versions/1');
    assert.equal(v1.body.users.length, 5);
    assert.equal(JSON.stringify(v1.body).includes('alice-pw'), false);
    assert.equal((await call('POST', '/api/versions/1/restore')).status, 204);
    assert.deepEqual(
      (await call('GET', '/api/changes')).body.changes.map(
        (c: { action: string; label: string }) => `${c.action} ${c.label}`,
      ),
      ['removed Fine'],
    );
    assert.equal((await call('DELETE', '/api/changes')).status, 204);
    assert.deepEqual((await call('GET', '/api/changes')).body.changes, []);
    assert.equal((await call('POST', '/api/versions/9/restore')).status, 404);
  });

  it('gives a user a console login and removes it with the user', async () => {
    const u = await call('POST', '/api/users', {
      name: 'Olga',
      extension: '120',
      sipPassword: 'olga-sip',
      username: 'olga',
      password: 'olga-console-pw',
      permissions: ['conferences'],
    });
    assert.equal(u.status, 201);
    assert.equal(u.body.username, 'olga');
    assert.deepEqual(u.body.permissions, ['conferences']);
    assert.equal('password' in u.body, false);
    const login = await fx.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'olga', password: 'olga-console-pw' },
    });
    assert.equal(login.statusCode, 200, 'logins work at once, before any Apply');
    const other = (await call('GET', '/api/users?q=alice')).body.items[0];
    const taken = await call('PATCH', `/api/users/${other.id}`, {
      name: 'Alice Renamed',
      username: 'olga',
      password: 'another-pw-1',
    });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'DUPLICATE');
    assert.equal((await call('GET', `/api/users/${other.id}`)).body.name, 'Alice', 'nothing half-done');
    const p = await call('PATCH', `/api/users/${u.body.id}`, { permissions: ['conferences', 'apply'] });
    assert.deepEqual(p.body.permissions, ['conferences', 'apply']);
    const plain = await call('POST', '/api/users', {
      name: 'Plain',
      extension: '122',
      sipPassword: 'plain-sip',
      permissions: [],
    });
    assert.equal(plain.status, 201, 'permissions without a login are ignored');
    assert.equal(await fx.store.accountForUser(plain.body.id), undefined);
    assert.equal((await call('DELETE', `/api/users/${plain.body.id}`)).status, 204);
    const half = await call('POST', '/api/users', {
      name: 'Half',
      extension: '121',
      sipPassword: 'half-sip',
      username: 'half',
    });
    assert.equal(half.status, 422);
    assert.equal(
      (await call('GET', '/api/users?limit=100')).body.items.some((x: { name: string }) => x.name === 'Half'),
      false,
    );
    assert.equal((await call('DELETE', `/api/users/${u.body.id}`)).status, 204);
    assert.equal(await fx.store.findAccountByUsername('olga'), undefined);
  });

  it('manages incoming numbers and trunks (trunk password write-only)', async () => {
    const t = await call('POST', '/api/trunks', {
      name: 'Provider',
      host: 'sip.example.net',
      username: 'acct',
      password: 'trunk-secret',
      register: true,
      inboundAddresses: ['192.0.2.0/24'],
    });
    assert.equal(t.status, 201);
    assert.equal(t.body.port, 5060);
    assert.equal('password' in t.body, false);
    const conf = (await call('GET', '/api/conferences')).body.items[0];
    const n = await call('POST', '/api/incoming-numbers', {
      number: '+3221234567',
      trunkId: t.body.id,
      destination: { type: 'conference', conferenceId: conf.id },
    });
    assert.equal(n.status, 201);
    const badNumber = await call('POST', '/api/incoming-numbers', { number: '0221234567' });
    assert.equal(badNumber.status, 422);
    assert.match(badNumber.body.errors[0].message, /E\.164/);
    assert.equal((await call('POST', '/api/apply')).status, 200);
    assert.equal(fx.store.live.findIncoming('+3221234567', t.body.id)?.destination.type, 'conference');
  });

  it('exports and re-imports the whole configuration, secrets kept by id', async () => {
    const exported = await call('GET', '/api/configuration');
    assert.equal(exported.status, 200);
    assert.equal(JSON.stringify(exported.body).includes('alice-pw'), false);
    const alice = exported.body.users.find((u: { name: string }) => u.name === 'Alice');
    alice.name = 'Alice B.';
    exported.body.users.push({ name: 'Zed', extension: '130', sipPassword: 'zed-pw-1' });
    assert.equal((await call('PUT', '/api/configuration', exported.body)).status, 204);
    const changes = (await call('GET', '/api/changes')).body.changes.map(
      (c: { action: string; label: string }) => `${c.action} ${c.label}`,
    );
    assert.deepEqual(changes.sort(), ['added Zed', 'changed Alice B.']);
    assert.equal((await fx.store.get('users', alice.id))?.sipPassword, 'alice-pw', 'the secret stayed');
    const withSecrets = await call('GET', '/api/configuration?view=live&secrets=true');
    assert.equal(withSecrets.body.version, fx.store.live.version);
    assert.equal(
      withSecrets.body.users.find((u: { id: string }) => u.id === alice.id).sipPassword,
      'alice-pw',
    );
    const bad = await call('PUT', '/api/configuration', {
      users: [{ name: 'X', extension: 'nope', sipPassword: 'x-pw-1' }],
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.errors[0].path, 'users.0.extension');
    assert.equal((await call('DELETE', '/api/changes')).status, 204);
  });

  it('answers unknown routes and objects with the error body', async () => {
    const r = await call('GET', '/api/users/u_missing');
    assert.equal(r.status, 404);
    assert.deepEqual(Object.keys(r.body), ['error']);
    assert.equal(r.body.error.code, 'NOT_FOUND');
    assert.equal((await call('GET', '/api/nothing-here')).body.error.code, 'NOT_FOUND');
  });

  it('serves the OpenAPI document and the docs page, health without auth', async () => {
    const doc = await fx.app.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(doc.statusCode, 200);
    const paths = Object.keys(doc.json().paths);
    for (const p of [
      '/api/users',
      '/api/users/{id}',
      '/api/apply',
      '/api/changes',
      '/api/conferences/{id}/invite',
    ])
      assert.ok(paths.includes(p), p);
    const page = await fx.app.inject({ method: 'GET', url: '/api/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
    const health = await fx.app.inject({ method: 'GET', url: '/api/health' });
    assert.equal(health.json().status, 'ok');
    const metrics = await call('GET', '/metrics');
    assert.match(metrics.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.body, /^parley_config_version 3$/m);
    assert.match(
      metrics.body,
      /^parley_http_requests_total\{method="POST",route="\/api\/apply",status="422"\} 1$/m,
    );
  });
});
