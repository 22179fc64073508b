import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DigestClient } from './digest-client.ts';
import { formatAuthHeader, isAuthParseError, parseAuthHeader } from './digest-header.ts';
import { DigestServer } from './digest-server.ts';

const users: Record<string, string> = { '101': 'secret101', '102': 'secret102' };
const lookup = (u: string) => users[u];
const URI = 'sip:pbx.test';

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

function respond(server: DigestServer, user: string, password: string, method = 'REGISTER', uri = URI) {
  const client = new DigestClient({ username: user, password });
  const auth = client.authorize(server.challenge(), method, uri)!;
  return { client, auth, result: server.authenticate({ method, uri, credentials: [auth] }, lookup) };
}

test('challenge: SHA-256 first then MD5, same realm and nonce, qop=auth', () => {
  const server = new DigestServer({ realm: 'pbx.test' });
  const values = server.challenge();
  assert.equal(values.length, 2);
  const parsed = values.map((v) => {
    const p = parseAuthHeader(v);
    assert.ok(!isAuthParseError(p));
    return p[0]!;
  });
  assert.deepEqual(
    parsed.map((p) => p.params.algorithm),
    ['SHA-256', 'MD5'],
  );
  for (const p of parsed) {
    assert.equal(p.scheme, 'Digest');
    assert.equal(p.params.realm, 'pbx.test');
    assert.equal(p.params.qop, 'auth');
    assert.equal(p.params.stale, undefined);
  }
  assert.equal(parsed[0]!.params.nonce, parsed[1]!.params.nonce);
  const again = parseAuthHeader(server.challenge()[0]!);
  assert.ok(!isAuthParseError(again));
  assert.notEqual(again[0]!.params.nonce, parsed[0]!.params.nonce); // a fresh nonce each time
  assert.match(server.challenge(true)[0]!, /stale=true/);
  const legacy = server.challenge(false, ['MD5', 'SHA-256']);
  assert.match(legacy[0]!, /algorithm=MD5/);
  assert.match(legacy[1]!, /algorithm=SHA-256/);
  assert.equal(server.challenge(false, ['MD5']).length, 1);
  assert.equal(server.challenge(false, ['SHA-512-256']).length, 2); // not configured: the full set
});

test('right password authenticates with SHA-256 (the client picks the strongest) and with MD5', () => {
  const server = new DigestServer({ realm: 'pbx.test' });
  const r = respond(server, '101', 'secret101');
  assert.deepEqual(r.result, { ok: true, username: '101', algorithm: 'SHA-256' });
  const md5 = new DigestServer({ realm: 'pbx.test', algorithms: ['MD5'] });
  assert.deepEqual(respond(md5, '102', 'secret102').result, { ok: true, username: '102', algorithm: 'MD5' });
});

test('wrong password and unknown user fail the same way', () => {
  const server = new DigestServer({ realm: 'pbx.test' });
  const wrong = respond(server, '101', 'nope').result;
  const unknown = respond(server, '199', 'nope').result;
  const unknownRightShape = respond(server, '199', 'secret101').result;
  for (const r of [wrong, unknown, unknownRightShape]) {
    assert.equal(r.ok, false);
    if (r.ok) continue;
    assert.equal(r.reason, 'invalid');
    assert.equal(r.failure, true);
    assert.equal(r.stale, false);
  }
});

test('expired nonce with valid credentials: stale, not a failure; with a wrong password: a failure', () => {
  const c = clock();
  const server = new DigestServer({ realm: 'pbx.test', now: c.now, nonceLifetimeMs: 60_000 });
  const challenge = server.challenge();
  c.t += 61_000;
  const good = new DigestClient({ username: '101', password: 'secret101' }).authorize(
    challenge,
    'REGISTER',
    URI,
  )!;
  assert.deepEqual(server.authenticate({ method: 'REGISTER', uri: URI, credentials: [good] }, lookup), {
    ok: false,
    reason: 'stale',
    stale: true,
    failure: false,
    username: '101',
  });
  const bad = new DigestClient({ username: '101', password: 'x' }).authorize(challenge, 'REGISTER', URI)!;
  const r = server.authenticate({ method: 'REGISTER', uri: URI, credentials: [bad] }, lookup);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, 'invalid');
});

test('a replayed nonce-count is refused; the next nc on the same nonce works; out-of-order within the window works once', () => {
  const server = new DigestServer({ realm: 'pbx.test' });
  const challenge = server.challenge();
  const client = new DigestClient({ username: '101', password: 'secret101' });
  const a1 = client.authorize(challenge, 'REGISTER', URI)!; // nc=1
  const a2 = client.authorize(challenge, 'REGISTER', URI)!; // nc=2
  const a3 = client.authorize(challenge, 'REGISTER', URI)!; // nc=3
  const check = (a: string) =>
    server.authenticate({ method: 'REGISTER', uri: URI, credentials: [a] }, lookup);
  assert.equal(check(a1).ok, true);
  const replay = check(a1);
  assert.equal(replay.ok, false);
  assert.equal(!replay.ok && replay.reason, 'replay');
  assert.equal(check(a3).ok, true);
  assert.equal(check(a2).ok, true); // arrived late, still unused
  assert.equal(check(a2).ok, false);
  assert.equal(check(a3).ok, false);
});

test('foreign nonces, mismatched uri, tampered fields', () => {
  const server = new DigestServer({ realm: 'pbx.test' });
  const other = new DigestServer({ realm: 'pbx.test' }); // another secret
  const foreign = new DigestClient({ username: '101', password: 'secret101' }).authorize(
    other.challenge(),
    'REGISTER',
    URI,
  )!;
  const r1 = server.authenticate({ method: 'REGISTER', uri: URI, credentials: [foreign] }, lookup);
  // Right password on a nonce from elsewhere (e.g. before a restart): stale, not a failure.
  assert.deepEqual(r1, { ok: false, reason: 'bad-nonce', stale: true, failure: false, username: '101' });
  const forgedWrong = new DigestClient({ username: '101', password: 'guess' }).authorize(
    other.challenge(),
    'REGISTER',
    URI,
  )!;
  const r0 = server.authenticate({ method: 'REGISTER', uri: URI, credentials: [forgedWrong] }, lookup);
  assert.equal(!r0.ok && r0.reason, 'invalid');
  assert.equal(!r0.ok && r0.failure, true);
  const { auth } = respond(server, '101', 'secret101', 'REGISTER', 'sip:elsewhere.test');
  const r2 = server.authenticate({ method: 'REGISTER', uri: URI, credentials: [auth] }, lookup);
  assert.equal(!r2.ok && r2.reason, 'uri-mismatch');
  // The method is part of the digest: credentials computed for REGISTER do not authorize an INVITE.
  const reg = new DigestClient({ username: '101', password: 'secret101' }).authorize(
    server.challenge(),
    'REGISTER',
    URI,
  )!;
  const r3 = server.authenticate({ method: 'INVITE', uri: URI, credentials: [reg] }, lookup);
  assert.equal(!r3.ok && r3.reason, 'invalid');
});

test('missing, foreign-realm, malformed and unsupported credentials', () => {
  const server = new DigestServer({ realm: 'pbx.test' });
  const check = (credentials: string[]) =>
    server.authenticate({ method: 'REGISTER', uri: URI, credentials }, lookup);
  const missing = check([]);
  assert.deepEqual(missing, { ok: false, reason: 'missing', stale: false, failure: false });
  const foreignRealm = check([
    formatAuthHeader('Digest', [
      ['username', '101'],
      ['realm', 'elsewhere'],
    ]),
  ]);
  assert.equal(!foreignRealm.ok && foreignRealm.reason, 'missing');
  const garbage = check(['Digest realm="unterminated']);
  assert.equal(!garbage.ok && garbage.reason, 'malformed');
  assert.equal(!garbage.ok && garbage.failure, true);
  const noResponse = check([
    formatAuthHeader('Digest', [
      ['username', '101'],
      ['realm', 'pbx.test'],
    ]),
  ]);
  assert.equal(!noResponse.ok && noResponse.reason, 'malformed');
  const nonce = parseAuthHeader(server.challenge()[0]!) as { params: Record<string, string> }[];
  const base: Array<[string, string]> = [
    ['username', '101'],
    ['realm', 'pbx.test'],
    ['nonce', nonce[0]!.params.nonce!],
    ['uri', URI],
    ['response', '0'.repeat(32)],
  ];
  const noQop = check([formatAuthHeader('Digest', base)]);
  assert.equal(!noQop.ok && noQop.reason, 'unsupported');
  const sess = check([formatAuthHeader('Digest', [...base, ['algorithm', 'MD5-sess'], ['qop', 'auth']])]);
  assert.equal(!sess.ok && sess.reason, 'unsupported');
  const shortResponse = check([
    formatAuthHeader('Digest', [
      ...base,
      ['algorithm', 'SHA-256'],
      ['qop', 'auth'],
      ['nc', '00000001'],
      ['cnonce', 'c'],
    ]),
  ]);
  assert.equal(!shortResponse.ok && shortResponse.reason, 'malformed');
});

test('the realm-matching credential is chosen among several', () => {
  const server = new DigestServer({ realm: 'pbx.test' });
  const good = new DigestClient({ username: '101', password: 'secret101' }).authorize(
    server.challenge(),
    'REGISTER',
    URI,
  )!;
  const r = server.authenticate(
    { method: 'REGISTER', uri: URI, credentials: ['Digest username="x", realm="other", response="1"', good] },
    lookup,
  );
  assert.equal(r.ok, true);
});
