/**
 * Extension enumeration: sipp probes every extension from 100 to 199 with an unauthenticated REGISTER,
 * INVITE and OPTIONS. Some of them exist. Every answer to the same method must be the same status with
 * the same headers, apart from what echoes the probe (Via, From, To, Call-ID, CSeq) and the random parts
 * (To tag, nonce): nothing tells which extensions exist.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isParseError, parseMessage, type SipResponse } from '../../src/sip/message/index.ts';
import { describeSipp, runSipp, sippPath } from './helpers/sipp.ts';
import { HOST, type PbxUnderTest, startPbx } from './sip-harness.ts';

const SCENARIOS = join(import.meta.dirname, 'scenarios');
const sipp = sippPath();
const EXISTING = ['100', '101', '137', '150', '199'];
const ECHOED = new Set(['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq']);

/** The responses sipp received, from its -trace_msg log. */
function receivedResponses(trace: string): SipResponse[] {
  const out: SipResponse[] = [];
  for (const block of trace.split(/^-{20,}.*$/m)) {
    const m = /message received \[\d+\] bytes :\s*\n\n([\s\S]*)$/.exec(block);
    if (!m) continue;
    const text = m[1]!.replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '\r\n\r\n');
    const parsed = parseMessage(text);
    if (!isParseError(parsed) && parsed.kind === 'response') out.push(parsed);
  }
  return out;
}

/** A response with its request-specific and random parts removed. */
function fingerprint(r: SipResponse): string {
  const headers = r.headers
    .filter((h) => !ECHOED.has(h.name.toLowerCase()))
    .map((h) => `${h.name.toLowerCase()}: ${h.value.replace(/nonce="[^"]*"/g, 'nonce="…"')}`);
  return [`${r.status} ${r.reason}`, ...headers].join('\n');
}

describe('probing extensions 100–199 reveals nothing', {
  skip: sipp ? false : 'sipp is not installed',
}, () => {
  let pbx: PbxUnderTest;
  let dir: string;

  before(async () => {
    pbx = await startPbx({
      users: EXISTING.map((extension) => ({
        extension,
        name: `User ${extension}`,
        sipPassword: `pw-${extension}`,
      })),
    });
    dir = mkdtempSync(join(tmpdir(), 'parley-probe-'));
  });
  after(async () => {
    await pbx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('REGISTER, INVITE and OPTIONS get identical answers for every extension', async () => {
    const inf = join(dir, 'extensions.csv');
    const extensions = Array.from({ length: 100 }, (_, i) => String(100 + i));
    writeFileSync(inf, `SEQUENTIAL\n${extensions.map((e) => `${e};`).join('\n')}\n`);
    const r = await runSipp({
      scenario: join(SCENARIOS, 'sip-probe.xml'),
      remote: `${HOST}:${pbx.sipPort}`,
      calls: extensions.length,
      rate: 50,
      limit: 20,
      timeoutSeconds: 60,
      traceMessages: true,
      extraArgs: ['-inf', inf],
    });
    assert.equal(r.exitCode, 0, describeSipp(r));
    assert.equal(r.successfulCalls, extensions.length, describeSipp(r));

    const byMethod = new Map<string, { fingerprints: Set<string>; users: Set<string> }>();
    for (const res of receivedResponses(r.messages)) {
      if (res.status < 200) continue;
      const method = res.headers.find((h) => h.name.toLowerCase() === 'cseq')!.value.split(/\s+/)[1]!;
      const to = res.headers.find((h) => /^(to|t)$/i.test(h.name))!.value;
      const user = /sip:(\d+)@/.exec(to)![1]!;
      const entry = byMethod.get(method) ?? { fingerprints: new Set(), users: new Set() };
      entry.fingerprints.add(fingerprint(res));
      entry.users.add(user);
      byMethod.set(method, entry);
    }
    assert.deepEqual([...byMethod.keys()].sort(), ['INVITE', 'OPTIONS', 'REGISTER']);
    for (const [method, { fingerprints, users }] of byMethod) {
      // Every probed extension was answered, existing or not…
      assert.equal(users.size, extensions.length, method);
      for (const e of EXISTING) assert.ok(users.has(e), `${method} ${e}`);
      // …and all answers to one method look the same.
      assert.equal(fingerprints.size, 1, `${method} answers differ:\n${[...fingerprints].join('\n---\n')}`);
    }
    const [register] = byMethod.get('REGISTER')!.fingerprints;
    assert.match(register!, /^401 /);
    const [invite] = byMethod.get('INVITE')!.fingerprints;
    assert.match(invite!, /^407 /);
    const [options] = byMethod.get('OPTIONS')!.fingerprints;
    assert.match(options!, /^200 /);
  });
});
