/** Console sessions: cookie flags, CSRF, lock-out, rate limit, audit of logins, secrets at rest. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { SQLITE_FILE } from '../store/index.ts';
import { type ApiFixture, apiFixture, SYSTEM } from './testing.ts';

const PASSWORD = 'a long console password';

async function login(
  fx: ApiFixture,
  password = PASSWORD,
  username = 'root',
  headers: Record<string, string> = {},
) {
  return fx.app.inject({ method: 'POST', url: '/api/login', payload: { username, password }, headers });
}

function cookieHeader(res: Awaited<ReturnType<typeof login>>): string {
  return res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

describe('console sessions and their protections', () => {
  let fx: ApiFixture;
  before(async () => {
    fx = await apiFixture({
      domain: 'pbx.example',
      login: { maxFailures: 3, lockMs: 60_000, attemptsPerMinute: 100 },
    });
    await fx.store.createAccount({ username: 'root', password: PASSWORD, permissions: ['admin'] }, SYSTEM);
    await fx.store.createAccount(
      { username: 'victim', password: PASSWORD, permissions: ['conferences'] },
      SYSTEM,
    );
  });
  after(() => fx.close());

  it('sets an HttpOnly, SameSite=Strict session cookie (not Secure over plain HTTP)', async () => {
    const r = await login(fx);
    assert.equal(r.statusCode, 200);
    const session = r.cookies.find((c) => c.name === 'parley_session')!;
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/');
    assert.equal(session.secure, undefined);
    const csrf = r.cookies.find((c) => c.name === 'parley_csrf')!;
    assert.equal(csrf.httpOnly, undefined, 'the console script must read the CSRF token');
    assert.equal(csrf.value, r.json().csrfToken);
    const me = await fx.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: cookieHeader(r) } });
    assert.equal(me.json().name, 'root');
    assert.equal(me.json().domain, 'pbx.example');
  });

  it('marks cookies Secure when asked (TLS: see the interop HTTPS test)', async () => {
    const secure = await apiFixture({ store: fx.store, secureCookies: true });
    const r = await login(secure);
    assert.equal(r.cookies.find((c) => c.name === 'parley_session')!.secure, true);
    await secure.close();
  });

  it('refuses a cookie-authenticated write without the CSRF token or from another origin', async () => {
    const r = await login(fx);
    const cookie = cookieHeader(r);
    const csrf = r.json().csrfToken as string;
    const body = { name: 'Room', extension: '800' };
    const noToken = await fx.app.inject({
      method: 'POST',
      url: '/api/conferences',
      headers: { cookie },
      payload: body,
    });
    assert.equal(noToken.statusCode, 403);
    assert.equal(noToken.json().error.code, 'CSRF_FAILED');
    const wrong = await fx.app.inject({
      method: 'POST',
      url: '/api/conferences',
      headers: { cookie, 'x-csrf-token': `${csrf}x` },
      payload: body,
    });
    assert.equal(wrong.statusCode, 403);
    const foreign = await fx.app.inject({
      method: 'POST',
      url: '/api/conferences',
      headers: { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example', host: 'pbx.example' },
      payload: body,
    });
    assert.equal(foreign.statusCode, 403);
    assert.equal((await fx.store.list('conferences')).total, 0, 'nothing was written');
    const good = await fx.app.inject({
      method: 'POST',
      url: '/api/conferences',
      headers: { cookie, 'x-csrf-token': csrf, origin: 'http://pbx.example', host: 'pbx.example' },
      payload: body,
    });
    assert.equal(good.statusCode, 201);
    const read = await fx.app.inject({ method: 'GET', url: '/api/conferences', headers: { cookie } });
    assert.equal(read.statusCode, 200, 'reads need no CSRF token');
  });

  it('logs out: the session no longer works', async () => {
    const r = await login(fx);
    const cookie = cookieHeader(r);
    const out = await fx.app.inject({
      method: 'POST',
      url: '/api/logout',
      headers: { cookie, 'x-csrf-token': r.json().csrfToken },
    });
    assert.equal(out.statusCode, 204);
    assert.equal(
      (await fx.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode,
      401,
    );
  });

  it('locks an account after repeated failures, even against the right password', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await login(fx, 'wrong password', 'victim');
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().error.code, 'LOGIN_FAILED');
    }
    const locked = await login(fx, PASSWORD, 'victim');
    assert.equal(locked.statusCode, 423);
    assert.equal(locked.json().error.code, 'ACCOUNT_LOCKED');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.equal((await login(fx)).statusCode, 200, 'other accounts are not affected');
    // An administrator's new password unlocks it.
    const account = await fx.store.findAccountByUsername('victim');
    await fx.store.updateAccount(account!.id, { password: 'a brand new password' }, SYSTEM);
    assert.equal((await login(fx, 'a brand new password', 'victim')).statusCode, 200);
  });

  it('gives an unknown username the same answer as a wrong password', async () => {
    const r = await login(fx, 'whatever', 'no-such-user');
    assert.equal(r.statusCode, 401);
    assert.deepEqual(r.json(), (await login(fx, 'wrong', 'root')).json());
  });

  it('audits every login attempt with the address', async () => {
    const log = await fx.store.listAudit({ limit: 1000 });
    const logins = log.items.filter((e) => e.action === 'login');
    assert.ok(logins.some((e) => e.target === 'victim' && !e.ok && e.detail?.reason === 'locked'));
    assert.ok(logins.some((e) => e.target === 'no-such-user' && !e.ok));
    assert.ok(logins.some((e) => e.target === 'root' && e.ok));
    assert.ok(logins.every((e) => e.ip === '127.0.0.1'));
    const write = log.items.find((e) => e.action === 'conferences.create');
    assert.equal(write?.actor, 'account:root');
  });

  it('limits login attempts per address', async () => {
    const limited = await apiFixture({ store: fx.store, login: { attemptsPerMinute: 2 } });
    assert.equal((await login(limited, 'x', 'nobody')).statusCode, 401);
    assert.equal((await login(limited, 'x', 'nobody')).statusCode, 401);
    const third = await login(limited);
    assert.equal(third.statusCode, 429);
    assert.equal(third.json().error.code, 'RATE_LIMITED');
    const other = await login(limited, PASSWORD, 'root', { 'x-forwarded-for': '192.0.2.1' });
    assert.equal(other.statusCode, 429, 'X-Forwarded-For is not trusted by default');
    await limited.close();
  });

  it('keeps console passwords as argon2id and tokens and sessions only as hashes, at rest', async () => {
    const { token } = await fx.store.createToken('at-rest', ['admin'], SYSTEM);
    const session = (await login(fx)).cookies.find((c) => c.name === 'parley_session')!.value;
    const db = new DatabaseSync(join(fx.dir, SQLITE_FILE), { readOnly: true });
    const hashes = db.prepare('SELECT password_hash FROM accounts').all() as Array<{ password_hash: string }>;
    db.close();
    assert.ok(hashes.length >= 2);
    for (const h of hashes) assert.match(h.password_hash, /^\$argon2id\$v=19\$/);
    const files = ['', '-wal'].map((suffix) => {
      try {
        return readFileSync(join(fx.dir, SQLITE_FILE + suffix)).toString('latin1');
      } catch {
        return '';
      }
    });
    for (const secret of [PASSWORD, token, session])
      assert.equal(
        files.some((f) => f.includes(secret)),
        false,
        'no secret in clear',
      );
  });
});

describe('login from another site', () => {
  it('is refused (login CSRF)', async () => {
    const fx = await apiFixture();
    try {
      await fx.store.createAccount({ username: 'root', password: PASSWORD, permissions: ['admin'] }, SYSTEM);
      const r = await login(fx, PASSWORD, 'root', { origin: 'https://evil.example', host: 'pbx.example' });
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().error.code, 'CSRF_FAILED');
      assert.equal(r.cookies.length, 0);
      const same = await login(fx, PASSWORD, 'root', { origin: 'https://pbx.example', host: 'pbx.example' });
      assert.equal(same.statusCode, 200);
    } finally {
      await fx.close();
    }
  });
});
