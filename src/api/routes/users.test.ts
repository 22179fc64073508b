import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, apiFixture } from '../testing.ts';

describe('/api/users: the permission to call external numbers', () => {
  let fx: ApiFixture;
  let h: { authorization: string };
  const call = async (method: string, url: string, payload?: unknown) => {
    const r = await fx.app.inject({ method: method as 'GET', url, payload: payload as object, headers: h });
    return { status: r.statusCode, body: r.json() };
  };
  before(async () => {
    fx = await apiFixture();
    h = await fx.bearer(['admin']);
  });
  after(() => fx.close());

  it('defaults to true, is written, read back, applied, and refused when not a boolean', async () => {
    const created = await call('POST', '/api/users', {
      name: 'Carol',
      extension: '103',
      sipPassword: 'carol-pw',
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.canCallOut, true);
    const id = created.body.id as string;
    const denied = await call('PATCH', `/api/users/${id}`, { canCallOut: false });
    assert.equal(denied.status, 200, JSON.stringify(denied.body));
    assert.equal(denied.body.canCallOut, false);
    assert.equal((await call('GET', `/api/users/${id}`)).body.canCallOut, false);
    const bad = await call('PATCH', `/api/users/${id}`, { canCallOut: 'perhaps' });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal((await call('POST', '/api/apply', {})).status, 200);
    const live = await call('GET', `/api/users/${id}?view=live`);
    assert.equal(live.body.canCallOut, false);
    const explicit = await call('POST', '/api/users', {
      name: 'Dan',
      extension: '104',
      sipPassword: 'dan-pw-1',
      canCallOut: false,
    });
    assert.equal(explicit.body.canCallOut, false);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await call('GET', '/api/openapi.json')).body;
    const text = JSON.stringify(doc);
    assert.ok(text.includes('"canCallOut"'), 'the users schema names canCallOut');
  });
});
