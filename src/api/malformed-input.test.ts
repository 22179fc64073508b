/**
 * Malformed input is answered, never crashes: random bodies, query strings and ids on every write and
 * list route give a 4xx error body (or success when the random value happens to be valid), never a 5xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type ApiFixture, apiFixture, SYSTEM } from './testing.ts';

describe('malformed input', () => {
  let fx: ApiFixture;
  let h: { authorization: string };
  let ids: Record<string, string>;
  before(async () => {
    fx = await apiFixture();
    h = await fx.bearer(['admin']);
    const u = await fx.store.create('users', { name: 'A', extension: '101', sipPassword: 'pw-101' }, SYSTEM);
    const c = await fx.store.create(
      'conferences',
      { name: 'R', extension: '800', waitForAdmin: false },
      SYSTEM,
    );
    ids = { users: u.id, conferences: c.id };
  });
  after(() => fx.close());

  const json = fc.jsonValue({ maxDepth: 3 });
  const body = fc.oneof(
    json,
    fc.record(
      {
        name: json,
        extension: json,
        sipPassword: json,
        accessCode: json,
        waitForAdmin: json,
        number: json,
        destination: json,
        host: json,
        port: json,
        inboundAddresses: json,
        username: json,
        password: json,
        permissions: json,
        revision: json,
      },
      { requiredKeys: [] },
    ),
  );

  it('never answers 5xx to random bodies', async () => {
    const routes = [
      ['POST', '/api/users'],
      ['POST', '/api/conferences'],
      ['POST', '/api/incoming-numbers'],
      ['POST', '/api/trunks'],
      ['PATCH', () => `/api/users/${ids.users}`],
      ['PATCH', () => `/api/conferences/${ids.conferences}`],
      ['POST', '/api/login'],
      ['POST', '/api/tokens'],
      ['POST', '/api/accounts'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, url], payload) => {
        const r = await fx.app.inject({
          method,
          url: typeof url === 'function' ? url() : url,
          headers: { ...h, 'content-type': 'application/json' },
          payload: JSON.stringify(payload),
        });
        assert.ok(
          r.statusCode < 500,
          `${method} ${url} ${JSON.stringify(payload)} → ${r.statusCode} ${r.body}`,
        );
        if (r.statusCode >= 400) assert.equal(typeof r.json().error.code, 'string');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses bodies that try to reach a prototype', async () => {
    for (const payload of [
      '{"__proto__":{"sipPassword":"x"}}',
      '{"name":"A","constructor":{"prototype":{}}}',
    ]) {
      const r = await fx.app.inject({
        method: 'PATCH',
        url: `/api/users/${ids.users}`,
        headers: { ...h, 'content-type': 'application/json' },
        payload,
      });
      assert.equal(r.statusCode, 400);
      assert.match(r.json().error.message, /forbidden key/);
    }
    assert.equal(({} as Record<string, unknown>).sipPassword, undefined);
  });

  it('never answers 5xx to random ids, query strings and If-Match values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }), async (junk, ifMatch) => {
        const seg = encodeURIComponent(junk);
        for (const [method, url, headers] of [
          ['GET', `/api/users/${seg}`, {}],
          ['GET', `/api/users?${junk}`, {}],
          ['GET', `/api/versions/${seg}/diff/1`, {}],
          [
            'PATCH',
            `/api/conferences/${ids.conferences}`,
            { 'if-match': ifMatch.replace(/[^\x20-\x7e]/g, '') },
          ],
          ['DELETE', `/api/trunks/${seg}`, {}],
        ] as const) {
          const r = await fx.app.inject({
            method,
            url,
            headers: { ...h, ...headers },
            payload: method === 'PATCH' ? {} : undefined,
          });
          assert.ok(r.statusCode < 500, `${method} ${url} → ${r.statusCode} ${r.body}`);
        }
      }),
      { numRuns: 150 },
    );
  });
});
