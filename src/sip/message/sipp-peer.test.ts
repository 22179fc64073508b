/**
 * The message layer against a real peer: sipp's built-in UAC scenario (INVITE, 100/180/200, ACK, BYE,
 * 200) over UDP and TCP, answered by a minimal UAS built only from this folder — `parseMessage` or
 * `StreamFramer` in, `createResponse` + `serializeMessage` out. sipp fails the call when a response
 * does not reach its call (Via, Call-ID) or has the wrong status; and the ACK and BYE it sends back must
 * carry the To tag our 200 gave it, which shows sipp read our responses as we meant them.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, test } from 'node:test';
import { createResponse } from './create-response.ts';
import { getHeader } from './header-access.ts';
import { isParseError } from './lexer.ts';
import { parseNameAddr } from './name-addr.ts';
import { parseMessage } from './parse-message.ts';
import { serializeMessage } from './serialize-message.ts';
import { StreamFramer } from './stream-framer.ts';
import type { SipMessage, SipResponse } from './types.ts';
import { validateRequest } from './validate-message.ts';

const HAVE_SIPP = spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error === undefined;
const SDP = new TextEncoder().encode(
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n',
);

/** What a trivial UAS answers; every request must also pass `validateRequest`. */
function answer(m: SipMessage, seen: string[], callIds: string[] = []): SipResponse[] {
  if (m.kind !== 'request') return [];
  assert.equal(validateRequest(m), undefined, `${m.method} from sipp should validate`);
  seen.push(m.method);
  const toTag = 'uas1';
  if (m.method !== 'INVITE') {
    const to = parseNameAddr(getHeader(m, 'to') ?? '');
    assert.ok(!isParseError(to));
    assert.equal(to.params.tag, toTag, `${m.method} carries the To tag of our 200`);
    assert.equal(getHeader(m, 'call-id'), callIds[0], 'same call');
  } else callIds.push(getHeader(m, 'call-id') ?? '');
  if (m.method === 'INVITE') {
    const contact = [{ name: 'Contact', value: '<sip:uas@127.0.0.1>' }];
    return [
      createResponse(m, 100),
      createResponse(m, 180, undefined, { toTag }),
      createResponse(m, 200, undefined, {
        toTag,
        headers: contact,
        body: SDP,
        contentType: 'application/sdp',
      }),
    ];
  }
  if (m.method === 'ACK') return [];
  return [createResponse(m, 200, undefined, { toTag })];
}

/** Runs sipp's uac scenario for one call and resolves its exit code (0: the call succeeded). */
function runSipp(target: string, transport: 'u1' | 't1'): Promise<number | null> {
  const child = spawn(
    'sipp',
    [
      '-sn',
      'uac',
      target,
      '-m',
      '1',
      '-t',
      transport,
      '-i',
      '127.0.0.1',
      '-p',
      '0',
      '-mi',
      '127.0.0.1',
      '-mp',
      '0',
    ].concat(['-nostdin', '-timeout', '15s', '-d', '100']),
    { stdio: 'ignore' },
  );
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('sipp uac against a UAS made of this folder', {
  skip: HAVE_SIPP ? false : 'sipp is not installed',
}, () => {
  test('UDP', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const seen: string[] = [];
    const callIds: string[] = [];
    const failures: unknown[] = [];
    sock.on('message', (bytes, rinfo) => {
      try {
        const m = parseMessage(bytes);
        assert.notEqual(m.kind, 'error');
        for (const r of answer(m as SipMessage, seen, callIds))
          sock.send(serializeMessage(r), rinfo.port, rinfo.address);
      } catch (err) {
        failures.push(err);
      }
    });
    try {
      const code = await runSipp(`127.0.0.1:${sock.address().port}`, 'u1');
      assert.deepEqual(failures, []);
      assert.equal(code, 0, 'sipp reports the call as failed');
      assert.deepEqual(seen, ['INVITE', 'ACK', 'BYE']);
    } finally {
      sock.close();
    }
  });

  test('TCP (stream framing)', async () => {
    const seen: string[] = [];
    const callIds: string[] = [];
    const failures: unknown[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((conn) => {
      sockets.add(conn);
      const framer = new StreamFramer();
      conn.on('data', (chunk) => {
        try {
          for (const item of framer.push(chunk)) {
            if (item.kind === 'keepalive') continue;
            assert.notEqual(item.kind, 'error');
            for (const r of answer(item as SipMessage, seen, callIds)) conn.write(serializeMessage(r));
          }
        } catch (err) {
          failures.push(err);
        }
      });
      conn.on('error', () => {});
      conn.on('close', () => sockets.delete(conn));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const address = server.address() as net.AddressInfo;
      const code = await runSipp(`127.0.0.1:${address.port}`, 't1');
      assert.deepEqual(failures, []);
      assert.equal(code, 0, 'sipp reports the call as failed');
      assert.deepEqual(seen, ['INVITE', 'ACK', 'BYE']);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
