/**
 * The API over real sockets: HTTP on loopback with fetch, the server-sent event stream carrying
 * `config.applied` and PBX events, a console login with its cookies, and HTTPS (a self-signed certificate
 * made with openssl) where the session cookie must carry `Secure`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventBus } from '../../src/api/event-bus.ts';
import { type ApiFixture, apiFixture, SYSTEM } from '../../src/api/testing.ts';

/** Reads server-sent events from a fetch response until `stop` says so. */
type Sse = { id: string; event: string; data: Record<string, unknown> };

async function readEvents(res: Response, stop: (events: Sse[]) => boolean) {
  const events: Sse[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  while (!stop(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      const id = /^id: (.*)$/m.exec(block)?.[1] ?? '';
      if (event && data) events.push({ id, event, data: JSON.parse(data) });
      cut = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

describe('API over HTTP on loopback', () => {
  let fx: ApiFixture;
  let base: string;
  let auth: { authorization: string };
  const events = new EventBus();
  before(async () => {
    fx = await apiFixture({ events });
    auth = await fx.bearer(['admin']);
    base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => fx.close());

  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = auth) =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  it('stages, applies and streams config.applied and PBX events', async () => {
    assert.equal(
      (await api('POST', '/api/users', { name: 'Alice', extension: '101', sipPassword: 'alice-pw' })).status,
      201,
    );
    const stream = await api('GET', '/api/events');
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type')!, /^text\/event-stream/);
    const collected = readEvents(stream, (e) => e.some((x) => x.event === 'participant.joined'));
    const applied = await api('POST', '/api/apply');
    assert.deepEqual(await applied.json(), { version: 1, unchanged: false });
    events.publish('participant.joined', { conferenceId: 'c1', participantId: 'p1', role: 'admin' });
    const got = await collected;
    assert.deepEqual(
      got.map((e) => e.event),
      ['config.applied', 'participant.joined'],
    );
    assert.equal(got[0]!.data.version, 1);
    assert.equal(got[1]!.data.participantId, 'p1');
  });

  it('catches a reconnecting stream up from Last-Event-ID, only within one process', async () => {
    const first = await api('GET', '/api/events');
    const seen = readEvents(first, (e) => e.length === 1);
    events.publish('conference.started', { conferenceId: 'c1' });
    const [started] = await seen;
    assert.match(started!.id, /^[0-9a-f]+-\d+$/);
    events.publish('conference.ended', { conferenceId: 'c1' }); // while nobody listens
    const resumed = await api('GET', '/api/events', undefined, { ...auth, 'last-event-id': started!.id });
    const replay = await readEvents(resumed, (e) => e.length === 1);
    assert.deepEqual(
      replay.map((e) => e.event),
      ['conference.ended'],
    );
    const foreign = await api('GET', '/api/events', undefined, { ...auth, 'last-event-id': 'ffffffff-0' });
    const live = readEvents(foreign, (e) => e.length === 1);
    events.publish('participant.left', { conferenceId: 'c1', participantId: 'p10' });
    assert.deepEqual(
      (await live).map((e) => e.event),
      ['participant.left'],
      'another process tag: no replay',
    );
  });

  it('refuses the stream without credentials', async () => {
    const r = await fetch(`${base}/api/events`);
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
  });

  it('logs in with cookies and writes with the CSRF header', async () => {
    await fx.store.createAccount(
      { username: 'ops', password: 'ops-password-1', permissions: ['conferences'] },
      SYSTEM,
    );
    const login = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ops', password: 'ops-password-1' }),
    });
    assert.equal(login.status, 200);
    const setCookies = login.headers.getSetCookie();
    assert.ok(
      setCookies.some((c) =>
        /^parley_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/.test(c),
      ),
      setCookies.join(' | '),
    );
    const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const refused = await api('POST', '/api/conferences', { name: 'R', extension: '800' }, { cookie });
    assert.equal(refused.status, 403);
    const ok = await api(
      'POST',
      '/api/conferences',
      { name: 'R', extension: '800' },
      { cookie, 'x-csrf-token': csrfToken },
    );
    assert.equal(ok.status, 201);
    const apply = await api('POST', '/api/apply', undefined, { cookie, 'x-csrf-token': csrfToken });
    assert.equal(apply.status, 403, 'no apply permission');
  });

  it('closes with an event stream open', async () => {
    const other = await apiFixture({ store: fx.store });
    const url = await other.app.listen({ host: '127.0.0.1', port: 0 });
    const stream = await fetch(`${url}/api/events`, { headers: auth });
    assert.equal(stream.status, 200);
    await other.close();
    const rest = await readEvents(stream, () => false);
    assert.deepEqual(rest, []);
  });
});

describe('API over HTTPS', () => {
  let dir: string;
  let fx: ApiFixture;
  let port: number;
  let cert: Buffer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    fx = await apiFixture({ https: { cert, key: readFileSync(join(dir, 'key.pem')) } });
    await fx.store.createAccount(
      { username: 'root', password: 'root-password-1', permissions: ['admin'] },
      SYSTEM,
    );
    const address = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    port = Number(new URL(address).port);
  });
  after(async () => {
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets Secure on the session cookies under TLS', async () => {
    const { status, cookies } = await new Promise<{ status: number; cookies: string[] }>(
      (resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/api/login',
            method: 'POST',
            ca: cert,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode!, cookies: res.headers['set-cookie'] ?? [] });
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ username: 'root', password: 'root-password-1' }));
      },
    );
    assert.equal(status, 200);
    assert.equal(cookies.length, 2);
    for (const c of cookies) assert.match(c, /; Secure/);
  });
});
