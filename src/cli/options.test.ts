import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostPort, parsePortRange, parseServeOptions } from './options.ts';

test('defaults follow the contract', () => {
  const r = parseServeOptions([], {});
  assert.ok(r.ok);
  assert.deepEqual(r.value.http, { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(r.value.sip, { host: '0.0.0.0', port: 5060 });
  assert.deepEqual(r.value.rtpPorts, { min: 10000, max: 20000 });
  assert.match(r.value.data, /data$/);
});

test('flags win over environment variables, which win over defaults', () => {
  const r = parseServeOptions(['--sip', '127.0.0.1:5070', '--domain=pbx.example.com'], {
    PARLEY_SIP: '127.0.0.1:5080',
    PARLEY_HTTP: '127.0.0.1:9090',
  });
  assert.ok(r.ok);
  assert.equal(r.value.sip.port, 5070);
  assert.equal(r.value.http.port, 9090);
  assert.equal(r.value.domain, 'pbx.example.com');
});

test('bad input is one plain error', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--sip', 'nonsense'], /--sip: expected HOST:PORT/],
    [['--http', '127.0.0.1:70000'], /outside 1-65535/],
    [['--rtp-ports', '20000-10000'], /--rtp-ports/],
    [['--bogus', 'x'], /unknown option "--bogus"/],
    [['--data'], /--data needs a value/],
    [['--tls-cert', 'a.pem'], /go together/],
    [['--public-ip', 'example.com'], /not an IP address/],
  ];
  for (const [argv, re] of cases) {
    const r = parseServeOptions(argv, {});
    assert.equal(r.ok, false, argv.join(' '));
    if (!r.ok) assert.match(r.error, re);
  }
});

test('IPv6 host and port', () => {
  const r = parseHostPort('[::1]:5060', '--sip');
  assert.ok(r.ok);
  assert.deepEqual(r.value, { host: '::1', port: 5060 });
  assert.equal(parsePortRange('10000-10001').ok, false);
});
