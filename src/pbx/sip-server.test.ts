import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import { DigestClient } from '../sip/auth/index.ts';
import {
  createRequest,
  getHeader,
  getHeaderValues,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../sip/message/index.ts';
import type { MessageSource } from '../sip/transport/transport.ts';
import { staticDirectory } from '../store/directory.ts';
import { memoryBindingStore } from './registrar/binding-store.ts';
import { banKey, type RequestResponder, SipServer, type SipServerOptions } from './sip-server.ts';

const DOMAIN = 'pbx.test';
const src: MessageSource = { transport: 'udp', address: '192.0.2.1', port: 5062 };

function makeServer(extra: Partial<SipServerOptions> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const server = new SipServer({
    directory: staticDirectory([
      { extension: '101', name: 'Alice', sipPassword: 'alice-pw' },
      { extension: '102', name: 'Bob', sipPassword: 'bob-pw' },
    ]),
    domain: DOMAIN,
    logger,
    bindingStore: memoryBindingStore(),
    registrar: { sweepIntervalMs: 0 },
    ...extra,
  });
  return { server, lines };
}

/** Sends one request and returns the response, or 'dropped' / 'none'. */
function send(server: SipServer, req: SipRequest, source = src): SipResponse | 'dropped' | 'none' {
  let out: SipResponse | 'dropped' | 'none' = 'none';
  const responder: RequestResponder = {
    respond: (r) => {
      out = r;
    },
    drop: () => {
      out = 'dropped';
    },
  };
  server.handle(req, responder, source);
  return out;
}

function request(
  method: string,
  ext: string,
  opts: { cseq?: number; callId?: string; headers?: SipHeader[] } = {},
) {
  const aor = `sip:${ext}@${DOMAIN}`;
  return createRequest({
    method,
    uri: method === 'REGISTER' ? `sip:${DOMAIN}` : aor,
    from: { uri: method === 'REGISTER' ? aor : `sip:101@${DOMAIN}`, params: {} },
    to: { uri: aor, params: {} },
    via: { protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.1', port: 5062, params: {} },
    contact: `<sip:${ext}@192.0.2.1:5062>`,
    callId: opts.callId ?? `call-${ext}`,
    cseq: opts.cseq ?? 1,
    headers: [{ name: 'User-Agent', value: 'Test Phone 1.0' }, ...(opts.headers ?? [])],
  });
}

function final(r: SipResponse | 'dropped' | 'none'): SipResponse {
  assert.ok(typeof r === 'object', `expected a response, got ${r}`);
  return r;
}

/** Headers that do not echo the request and are not random: what a prober could compare. */
function comparable(r: SipResponse): string[] {
  return r.headers
    .filter((h) => !['via', 'from', 'to', 'call-id', 'cseq'].includes(h.name.toLowerCase()))
    .map((h) => `${h.name}: ${h.value.replace(/nonce="[^"]*"/, 'nonce=X')}`);
}

function registerWith(server: SipServer, ext: string, password: string, cseq = 1, extra: SipHeader[] = []) {
  const challenge = final(send(server, request('REGISTER', ext, { cseq, headers: extra })));
  assert.equal(challenge.status, 401);
  const auth = new DigestClient({ username: ext, password }).authorize(
    getHeaderValues(challenge, 'www-authenticate'),
    'REGISTER',
    `sip:${DOMAIN}`,
  )!;
  return final(
    send(
      server,
      request('REGISTER', ext, {
        cseq: cseq + 1,
        headers: [...extra, { name: 'Authorization', value: auth }],
      }),
    ),
  );
}

test('REGISTER: challenged with SHA-256 then MD5, registers with the right password', () => {
  const { server } = makeServer();
  const challenge = final(send(server, request('REGISTER', '101')));
  assert.equal(challenge.status, 401);
  const www = getHeaderValues(challenge, 'www-authenticate');
  assert.equal(www.length, 2);
  assert.match(www[0]!, /algorithm=SHA-256/);
  assert.match(www[1]!, /algorithm=MD5/);
  assert.match(www[0]!, /realm="pbx.test"/);
  const ok = registerWith(server, '101', 'alice-pw');
  assert.equal(ok.status, 200);
  assert.match(getHeader(ok, 'contact') ?? '', /^<sip:101@192.0.2.1:5062>;expires=3600$/);
  const [b] = server.registrar.lookup('101');
  assert.deepEqual(b?.flow, { transport: 'udp', remoteAddress: '192.0.2.1', remotePort: 5062 });
});

test('clients without a User-Agent or known not to take SHA-256 first get MD5 first (or alone)', () => {
  const { server } = makeServer();
  const order = (req: SipRequest) =>
    getHeaderValues(final(send(server, req)), 'www-authenticate').map(
      (v) => /algorithm=([A-Z0-9-]+)/.exec(v)?.[1],
    );
  const plain = request('REGISTER', '101');
  assert.deepEqual(order(plain), ['SHA-256', 'MD5']);
  plain.headers = plain.headers.filter((h) => h.name !== 'User-Agent');
  assert.deepEqual(order(plain), ['MD5', 'SHA-256']);
  plain.headers.push({ name: 'User-Agent', value: 'sipp/3.6.1' });
  assert.deepEqual(order(plain), ['MD5', 'SHA-256']);
  plain.headers = plain.headers.filter((h) => h.name !== 'User-Agent');
  plain.headers.push({ name: 'User-Agent', value: 'baresip v1.0.0 (x86_64/linux)' });
  assert.deepEqual(order(plain), ['MD5']);
});

test('unauthenticated answers do not depend on whether the extension exists', () => {
  const { server } = makeServer();
  for (const method of ['REGISTER', 'INVITE', 'OPTIONS', 'MESSAGE', 'SUBSCRIBE', 'BYE']) {
    const known = final(send(server, request(method, '101')));
    const unknown = final(send(server, request(method, '150')));
    assert.equal(known.status, unknown.status, method);
    assert.equal(known.reason, unknown.reason, method);
    assert.deepEqual(comparable(known), comparable(unknown), method);
  }
  // Wrong credentials for a known and an unknown user: the same answer too.
  const wrongKnown = registerWith(server, '101', 'guess');
  const wrongUnknown = registerWith(server, '150', 'guess');
  assert.equal(wrongKnown.status, 401);
  assert.deepEqual(comparable(wrongKnown), comparable(wrongUnknown));
});

test('a user may register only their own address', () => {
  const { server } = makeServer();
  const challenge = final(send(server, request('REGISTER', '102')));
  const auth = new DigestClient({ username: '101', password: 'alice-pw' }).authorize(
    getHeaderValues(challenge, 'www-authenticate'),
    'REGISTER',
    `sip:${DOMAIN}`,
  )!;
  const r = final(
    send(server, request('REGISTER', '102', { cseq: 2, headers: [{ name: 'Authorization', value: auth }] })),
  );
  assert.equal(r.status, 403);
  assert.equal(server.registrar.lookup('102').length, 0);
});

test('Min-Expires: 423, and unregister with Contact: * / Expires: 0', () => {
  const { server } = makeServer();
  const short = registerWith(server, '101', 'alice-pw', 1, [{ name: 'Expires', value: '10' }]);
  assert.equal(short.status, 423);
  assert.equal(getHeader(short, 'min-expires'), '60');
  assert.equal(registerWith(server, '101', 'alice-pw', 3).status, 200);
  assert.equal(server.registrar.lookup('101').length, 1);
  const challenge = final(send(server, request('REGISTER', '101', { cseq: 5 })));
  const auth = new DigestClient({ username: '101', password: 'alice-pw' }).authorize(
    getHeaderValues(challenge, 'www-authenticate'),
    'REGISTER',
    `sip:${DOMAIN}`,
  )!;
  const star = request('REGISTER', '101', { cseq: 6, headers: [{ name: 'Authorization', value: auth }] });
  star.headers = star.headers.filter((h) => h.name !== 'Contact');
  star.headers.push({ name: 'Contact', value: '*' }, { name: 'Expires', value: '0' });
  assert.equal(final(send(server, star)).status, 200);
  assert.equal(server.registrar.lookup('101').length, 0);
});

test('INVITE: 407 with Proxy-Authenticate, then 480 until the call layer sets its hook, then the hook', () => {
  const { server } = makeServer();
  const challenge = final(send(server, request('INVITE', '102')));
  assert.equal(challenge.status, 407);
  const values = getHeaderValues(challenge, 'proxy-authenticate');
  assert.equal(values.length, 2);
  const client = new DigestClient({ username: '101', password: 'alice-pw' });
  const withAuth = (cseq: number) =>
    request('INVITE', '102', {
      cseq,
      headers: [
        { name: 'Proxy-Authorization', value: client.authorize(values, 'INVITE', `sip:102@${DOMAIN}`)! },
      ],
    });
  assert.equal(final(send(server, withAuth(2))).status, 480);
  const seen: string[] = [];
  server.onCall = (req, responder, caller) => {
    seen.push(`${req.method} from ${caller.extension}`);
    responder.respond({ ...final(send(server, request('OPTIONS', '101'))), status: 180 });
    return true;
  };
  assert.equal(final(send(server, withAuth(3))).status, 180);
  assert.deepEqual(seen, ['INVITE from 101']);
});

test('other methods: 489 for event packages, 501 unknown, 405 refused, 481 stray in-dialog, 400 invalid', () => {
  const { server } = makeServer();
  assert.equal(final(send(server, request('SUBSCRIBE', '101'))).status, 489);
  const unknown = final(send(server, request('FROBNICATE', '101')));
  assert.equal(unknown.status, 501);
  assert.match(getHeader(unknown, 'allow') ?? '', /INVITE/);
  const inDialog = request('BYE', '101');
  inDialog.headers = inDialog.headers.map((h) =>
    h.name === 'To' ? { name: 'To', value: `${h.value};tag=abc` } : h,
  );
  assert.equal(final(send(server, inDialog)).status, 481);
  const noCallId = request('OPTIONS', '101');
  noCallId.headers = noCallId.headers.filter((h) => h.name !== 'Call-ID');
  assert.equal(final(send(server, noCallId)).status, 400);
  assert.equal(send(server, request('ACK', '101')), 'none');
  const opts = final(send(server, request('OPTIONS', '101')));
  assert.equal(opts.status, 200);
  for (const h of ['allow', 'accept', 'supported']) assert.notEqual(getHeader(opts, h), undefined, h);
});

test('repeated failures ban the source (silently dropped) while another source still registers', () => {
  const { server, lines } = makeServer({ bans: { maxFailures: 3 } });
  for (let i = 0; i < 3; i++) assert.equal(registerWith(server, '101', 'wrong', 1 + 2 * i).status, 401);
  assert.equal(send(server, request('REGISTER', '101', { cseq: 9 })), 'dropped');
  assert.equal(send(server, request('OPTIONS', '101')), 'dropped');
  const other: MessageSource = { transport: 'udp', address: '192.0.2.2', port: 5062 };
  const challenge = final(send(server, request('REGISTER', '101', { cseq: 20 }), other));
  const auth = new DigestClient({ username: '101', password: 'alice-pw' }).authorize(
    getHeaderValues(challenge, 'www-authenticate'),
    'REGISTER',
    `sip:${DOMAIN}`,
  )!;
  const ok = final(
    send(
      server,
      request('REGISTER', '101', { cseq: 21, headers: [{ name: 'Authorization', value: auth }] }),
      other,
    ),
  );
  assert.equal(ok.status, 200);
  const ban = lines.find((l) => l.event === 'security.ban');
  assert.equal(ban?.source, '192.0.2.1');
  assert.equal(server.stats().bansIssued, 1);
});

test('registrations survive a restart of the server', async () => {
  const store = memoryBindingStore();
  const a = makeServer({ bindingStore: store }).server;
  await a.start();
  assert.equal(registerWith(a, '101', 'alice-pw').status, 200);
  await a.close();
  await a.close();
  const b = makeServer({ bindingStore: store }).server;
  await b.start();
  assert.equal(b.registrar.lookup('101')[0]?.contact, 'sip:101@192.0.2.1:5062');
  await b.close();
});

test('after a restart (new nonce key) a phone refreshing with its old nonce gets stale=true, not a strike', () => {
  const before = makeServer().server;
  const challenge = final(send(before, request('REGISTER', '101')));
  const client = new DigestClient({ username: '101', password: 'alice-pw' });
  client.authorize(getHeaderValues(challenge, 'www-authenticate'), 'REGISTER', `sip:${DOMAIN}`);
  const after = makeServer({ bans: { maxFailures: 1 } }).server;
  const auth = client.authorize(getHeaderValues(challenge, 'www-authenticate'), 'REGISTER', `sip:${DOMAIN}`)!;
  const r = final(
    send(after, request('REGISTER', '101', { cseq: 3, headers: [{ name: 'Authorization', value: auth }] })),
  );
  assert.equal(r.status, 401);
  assert.match(getHeaderValues(r, 'www-authenticate')[0]!, /stale=true/);
  assert.equal(after.stats().authFailures, 0);
  assert.equal(after.bans.isBanned(src.address), false);
});

test('arbitrary header values never throw: every request but ACK gets exactly one answer, never a 500', () => {
  const { server } = makeServer({ bans: { maxFailures: 1_000_000 } });
  const header = fc.constantFrom(
    'Authorization',
    'Proxy-Authorization',
    'Contact',
    'Expires',
    'To',
    'From',
    'CSeq',
    'Call-ID',
    'User-Agent',
    'Via',
  );
  const value = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.constantFrom(
      '*',
      'Digest realm="pbx.test", username="101", nonce="x", uri="sip:pbx.test", response="0", qop=auth, nc=1, cnonce=c',
      'Digest username="101", realm="pbx.test"',
      '<sip:101@h>;expires=abc',
      '<sip:101@h>;q=7',
      '4294967296',
      '"unterminated',
    ),
  );
  fc.assert(
    fc.property(
      fc.constantFrom('REGISTER', 'INVITE', 'OPTIONS', 'BYE', 'SUBSCRIBE', 'MESSAGE', 'ACK', 'XYZ'),
      fc.array(fc.tuple(header, value, fc.boolean()), { maxLength: 4 }),
      (method, edits) => {
        const req = request(method, '101');
        for (const [name, v, replace] of edits) {
          if (replace) req.headers = req.headers.filter((h) => h.name.toLowerCase() !== name.toLowerCase());
          req.headers.push({ name, value: v });
        }
        let answers = 0;
        let status = 0;
        server.handle(
          req,
          {
            respond: (r) => {
              answers++;
              status = r.status;
            },
            drop: () => answers++,
          },
          src,
        );
        assert.equal(answers, method === 'ACK' ? 0 : 1);
        // 500 would mean an exception inside the handler.
        assert.notEqual(status, 500);
      },
    ),
    { numRuns: 500 },
  );
});

test('bans apply to IPv4 addresses and to IPv6 /64 prefixes', () => {
  assert.equal(banKey('192.0.2.7'), '192.0.2.7');
  assert.equal(banKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(banKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(banKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(banKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(banKey('::1'), '0:0:0:0::/64');
  const { server } = makeServer({ bans: { maxFailures: 2 } });
  const v6 = (address: string): MessageSource => ({ transport: 'udp', address, port: 5062 });
  registerWith(server, '101', 'wrong', 1);
  for (const a of ['2001:db8:1:2::10', '2001:db8:1:2::11']) {
    const challenge = final(send(server, request('REGISTER', '101'), v6(a)));
    const auth = new DigestClient({ username: '101', password: 'wrong' }).authorize(
      getHeaderValues(challenge, 'www-authenticate'),
      'REGISTER',
      `sip:${DOMAIN}`,
    )!;
    send(
      server,
      request('REGISTER', '101', { cseq: 2, headers: [{ name: 'Authorization', value: auth }] }),
      v6(a),
    );
  }
  // Two failures from two addresses of one /64: the whole /64 is banned, other addresses are not.
  assert.equal(send(server, request('OPTIONS', '101'), v6('2001:db8:1:2::99')), 'dropped');
  assert.notEqual(send(server, request('OPTIONS', '101'), v6('2001:db8:1:3::1')), 'dropped');
  assert.notEqual(send(server, request('OPTIONS', '101')), 'dropped');
});
