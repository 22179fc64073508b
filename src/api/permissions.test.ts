/**
 * The permission matrix: every route × every kind of caller (nobody, a token with no permission, each
 * single permission). A refusal is 401 UNAUTHENTICATED for nobody and 403 FORBIDDEN otherwise; the test
 * also fails when a route exists that the matrix does not list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasPermission, type Permission } from '../store/model.ts';
import type { PbxPort } from './pbx-port.ts';
import { type ApiFixture, apiFixture, SYSTEM } from './testing.ts';
import type { Access } from './types.ts';

const fakePbx: PbxPort = {
  participants: () => [],
  invite: async () => ({ callId: 'call-1' }),
  mute: () => true,
  unmute: () => true,
  kick: () => true,
  lock: () => true,
};

type Row = [method: string, url: string, access: Access, body?: unknown];

describe('permission matrix', () => {
  let fx: ApiFixture;
  const routes: string[] = [];
  let matrix: Row[];
  before(async () => {
    fx = await apiFixture({ pbx: fakePbx });
    fx.app.addHook('onRoute', (r) => {
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      for (const m of methods)
        if (m !== 'HEAD' && !r.url.startsWith('/api/docs')) routes.push(`${m} ${r.url}`);
    });
    await fx.app.ready();
    const s = fx.store;
    const user = await s.create('users', { name: 'A', extension: '101', sipPassword: 'pw-101' }, SYSTEM);
    const conf = await s.create('conferences', { name: 'R', extension: '800', waitForAdmin: false }, SYSTEM);
    const trunk = await s.create(
      'trunks',
      { name: 'T', host: 'example.net', port: 5060, transport: 'udp', register: false, inboundAddresses: [] },
      SYSTEM,
    );
    const num = await s.create(
      'incomingNumbers',
      { number: '+3221234567', destination: { type: 'none' } },
      SYSTEM,
    );
    await s.apply(SYSTEM);
    const token = await s.createToken('victim', ['admin'], SYSTEM);
    const account = await s.createAccount(
      { username: 'someone', password: 'someone-pw', permissions: [] },
      SYSTEM,
    );
    matrix = [
      ['GET', '/api/health', 'public'],
      ['POST', '/api/login', 'public', { username: 'nobody', password: 'x' }],
      ['GET', '/api/openapi.json', 'public'],
      ['GET', '/api/me', 'authenticated'],
      ['POST', '/api/logout', 'authenticated'],
      ['GET', '/metrics', 'authenticated'],
      ['GET', '/api/events', 'authenticated'],
      ['GET', '/api/users', 'authenticated'],
      ['GET', `/api/users/${user.id}`, 'authenticated'],
      ['POST', '/api/users', 'admin', { name: 'N', extension: '150', sipPassword: 'pw-150' }],
      ['PATCH', `/api/users/${user.id}`, 'admin', { name: 'A2' }],
      ['DELETE', `/api/users/${user.id}`, 'admin'],
      ['GET', '/api/conferences', 'authenticated'],
      ['GET', `/api/conferences/${conf.id}`, 'authenticated'],
      ['POST', '/api/conferences', 'conferences', { name: 'N', extension: '850' }],
      ['PATCH', `/api/conferences/${conf.id}`, 'conferences', { name: 'R2' }],
      ['DELETE', `/api/conferences/${conf.id}`, 'conferences'],
      ['GET', '/api/incoming-numbers', 'authenticated'],
      ['GET', `/api/incoming-numbers/${num.id}`, 'authenticated'],
      ['POST', '/api/incoming-numbers', 'admin', { number: '+3221234500' }],
      ['PATCH', `/api/incoming-numbers/${num.id}`, 'admin', { number: '+3221234501' }],
      ['DELETE', `/api/incoming-numbers/${num.id}`, 'admin'],
      ['GET', '/api/trunks', 'admin'],
      ['GET', `/api/trunks/${trunk.id}`, 'admin'],
      ['POST', '/api/trunks', 'admin', { name: 'T2', host: 'example.org' }],
      ['PATCH', `/api/trunks/${trunk.id}`, 'admin', { port: 5080 }],
      ['DELETE', `/api/trunks/${trunk.id}`, 'admin'],
      ['GET', '/api/configuration', 'admin'],
      ['PUT', '/api/configuration', 'admin', { users: [] }],
      ['GET', '/api/changes', 'authenticated'],
      ['POST', '/api/apply', 'apply'],
      ['DELETE', '/api/changes', 'apply'],
      ['GET', '/api/versions', 'authenticated'],
      ['GET', '/api/versions/1', 'authenticated'],
      ['GET', '/api/versions/0/diff/1', 'authenticated'],
      ['POST', '/api/versions/1/restore', 'apply'],
      ['GET', '/api/tokens', 'admin'],
      ['POST', '/api/tokens', 'admin', { name: 'made' }],
      ['DELETE', `/api/tokens/${token.info.id}`, 'admin'],
      ['GET', '/api/accounts', 'admin'],
      ['POST', '/api/accounts', 'admin', { username: 'new-one', password: 'new-one-pw' }],
      ['PATCH', `/api/accounts/${account.id}`, 'admin', { permissions: ['participants'] }],
      ['DELETE', `/api/accounts/${account.id}`, 'admin'],
      ['GET', '/api/audit', 'admin'],
      ['GET', '/api/calls', 'admin'],
      ['GET', `/api/conferences/${conf.id}/participants`, 'participants'],
      ['POST', `/api/conferences/${conf.id}/invite`, 'participants', { destination: '102' }],
      ['POST', `/api/conferences/${conf.id}/participants/p1/mute`, 'participants'],
      ['POST', `/api/conferences/${conf.id}/participants/p1/unmute`, 'participants'],
      ['DELETE', `/api/conferences/${conf.id}/participants/p1`, 'participants'],
      ['POST', `/api/conferences/${conf.id}/lock`, 'participants'],
      ['POST', `/api/conferences/${conf.id}/unlock`, 'participants'],
    ];
  });
  after(() => fx.close());

  it('lists every route the API has', () => {
    const fromUrl = (url: string) => url.replace(/\/(?:[uctnak]_[A-Za-z0-9_-]+|\d+|p1)(?=\/|$)/g, '/*');
    const fromRoute = (url: string) => url.replace(/\/:[a-z]+/g, '/*');
    const covered = new Set(matrix.map(([m, url]) => `${m} ${fromUrl(url)}`));
    assert.ok(routes.length >= matrix.length, `found ${routes.length} routes`);
    const missing = routes
      .map((r) => {
        const [m, url] = r.split(' ');
        return `${m} ${fromRoute(url!)}`;
      })
      .filter((r) => !covered.has(r));
    assert.deepEqual(missing, []);
  });

  const callers: Array<{ name: string; permissions: Permission[] | null }> = [
    { name: 'nobody', permissions: null },
    { name: 'no permission', permissions: [] },
    { name: 'conferences', permissions: ['conferences'] },
    { name: 'participants', permissions: ['participants'] },
    { name: 'apply', permissions: ['apply'] },
    { name: 'admin', permissions: ['admin'] },
  ];
  for (const caller of callers) {
    it(`refuses and allows exactly as declared for: ${caller.name}`, async () => {
      const headers = caller.permissions ? await fx.bearer(caller.permissions) : {};
      for (const [method, url, access, body] of matrix) {
        const allowed =
          access === 'public' ||
          (caller.permissions !== null &&
            (access === 'authenticated' || hasPermission(caller.permissions, access)));
        // An allowed event stream never ends: it is checked over real HTTP in test/interop.
        if (allowed && url === '/api/events') continue;
        const r = await fx.app.inject({ method: method as 'GET', url, headers, payload: body as object });
        const code = r.headers['content-type']?.toString().includes('json')
          ? r.json()?.error?.code
          : undefined;
        const refused = code === 'UNAUTHENTICATED' || code === 'FORBIDDEN';
        assert.equal(refused, !allowed, `${caller.name}: ${method} ${url} → ${r.statusCode} ${code ?? ''}`);
        if (!allowed) assert.equal(r.statusCode, caller.permissions === null ? 401 : 403, `${method} ${url}`);
      }
    });
  }
});
