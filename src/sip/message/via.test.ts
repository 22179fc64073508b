import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCSeq, parseCSeq } from './cseq.ts';
import { isParseError } from './lexer.ts';
import { parseMessage } from './parse-message.ts';
import type { SipRequest } from './types.ts';
import { formatVia, parseVia, parseViaList } from './via.ts';

describe('parseVia', () => {
  test('sent-protocol, sent-by, parameters (rport without value, RFC 3581)', () => {
    assert.deepEqual(
      parseVia('SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;rport;received=192.0.2.1'),
      {
        protocol: 'SIP/2.0',
        transport: 'UDP',
        host: 'pc33.atlanta.com',
        port: 5066,
        params: { branch: 'z9hG4bK776asdhds', rport: null, received: '192.0.2.1' },
      },
    );
  });

  test('LWS around slashes, colon, semicolons and equals', () => {
    assert.deepEqual(parseVia(' SIP / 2.0 / WSS  df7jal23ls0d.invalid : 443 ; branch = z9hG4bKx '), {
      protocol: 'SIP/2.0',
      transport: 'WSS',
      host: 'df7jal23ls0d.invalid',
      port: 443,
      params: { branch: 'z9hG4bKx' },
    });
  });

  test('IPv6 sent-by and received', () => {
    const v = parseVia('SIP/2.0/TCP [2001:db8::9]:5060;received=[2001:db8::1];branch=z9hG4bK1');
    assert.ok(!isParseError(v));
    assert.equal(v.host, '[2001:db8::9]');
    assert.equal(v.params.received, '[2001:db8::1]');
  });

  test('malformed values are errors', () => {
    for (const bad of [
      '',
      'SIP/2.0 host',
      'SIP/2.0/UDP',
      'SIP/2.0/UDP host port',
      'SIP/2.0/UDP host:99999',
      'SIP/2.0/UDP host;;',
      'SIP/2.0/UDP 192.0.2.15;;,;,,',
      'SIP/2.0/UDP host;branch=',
      'SIP//UDP host',
    ]) {
      assert.ok(isParseError(parseVia(bad)), `should fail: ${bad}`);
    }
  });

  test('formatVia writes what parseVia reads', () => {
    const v = {
      protocol: 'SIP/2.0',
      transport: 'TLS',
      host: '[::1]',
      port: 5061,
      params: { branch: 'z9hG4bKa', rport: null },
    };
    assert.equal(formatVia(v), 'SIP/2.0/TLS [::1]:5061;branch=z9hG4bKa;rport');
    assert.deepEqual(parseVia(formatVia(v)), v);
  });

  test('parseViaList: every Via, topmost first; stops at one that does not parse', () => {
    const m = parseMessage(
      'OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b\r\nVia: SIP/2.0/UDP c\r\n\r\n',
    ) as SipRequest;
    assert.deepEqual(
      parseViaList(m).map((v) => v.host),
      ['a', 'b', 'c'],
    );
    m.headers.splice(1, 0, { name: 'Via', value: 'garbage' });
    assert.deepEqual(
      parseViaList(m).map((v) => v.host),
      ['a', 'b'],
    );
  });
});

describe('parseCSeq', () => {
  test('number and method', () => {
    assert.deepEqual(parseCSeq('4711 INVITE'), { seq: 4711, method: 'INVITE' });
    assert.deepEqual(parseCSeq('  0009 \t INVITE '), { seq: 9, method: 'INVITE' });
    assert.deepEqual(parseCSeq('4294967295 X-Y'), { seq: 4294967295, method: 'X-Y' });
    assert.equal(formatCSeq({ seq: 1, method: 'BYE' }), '1 BYE');
  });

  test('malformed or out of 32 bits', () => {
    for (const bad of [
      '',
      'INVITE',
      '12',
      '12INVITE',
      '-1 INVITE',
      '4294967296 INVITE',
      '1 IN VITE',
      '1 <x>',
      'a1 INVITE',
    ]) {
      assert.ok(isParseError(parseCSeq(bad)), `should fail: ${bad}`);
    }
  });
});
