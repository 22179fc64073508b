import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Flow } from './binding.ts';
import { type RegisterInput, Registrar } from './registrar.ts';

const flow: Flow = { transport: 'udp', remoteAddress: '192.0.2.1', remotePort: 5060 };

const op = fc.record({
  extension: fc.constantFrom('101', '102', '103'),
  callId: fc.constantFrom('a', 'b', 'c'),
  cseq: fc.integer({ min: 1, max: 20 }),
  wildcard: fc.boolean(),
  expires: fc.option(fc.constantFrom(0, 10, 60, 300, 999_999), { nil: undefined }),
  contacts: fc.array(
    fc.record({
      user: fc.constantFrom('x', 'y', 'z', 'w'),
      expires: fc.option(fc.constantFrom(0, 30, 120, 4000), { nil: undefined }),
      instance: fc.option(fc.constantFrom('<urn:uuid:1>', '<urn:uuid:2>'), { nil: undefined }),
    }),
    { maxLength: 4 },
  ),
  advanceMs: fc.integer({ min: 0, max: 200_000 }),
});

test('any sequence of REGISTERs keeps the bindings consistent', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const clock = { t: 1_700_000_000_000 };
      const registrar = new Registrar({
        domain: 'pbx.test',
        now: () => clock.t,
        sweepIntervalMs: 0,
        maxContacts: 3,
      });
      for (const o of ops) {
        clock.t += o.advanceMs;
        const input: RegisterInput = {
          extension: o.extension,
          callId: o.callId,
          cseq: o.cseq,
          wildcard: o.wildcard,
          contacts: o.contacts.map((c) => ({
            uri: `sip:${c.user}@h`,
            uriKey: `sip:${c.user}@h`,
            ...(c.expires === undefined ? {} : { expires: c.expires }),
            ...(c.instance === undefined ? {} : { instanceId: c.instance, regId: '1' }),
          })),
          flow,
          ...(o.expires === undefined ? {} : { expires: o.expires }),
        };
        const before = registrar.lookup(o.extension).map((b) => `${b.key}|${b.expiresAt}|${b.cseq}`);
        const out = registrar.register(input);
        const list = registrar.lookup(o.extension);
        if (out.status !== 200) {
          // A refused request changes nothing (RFC 3261 §10.3: all or nothing).
          assert.deepEqual(
            list.map((b) => `${b.key}|${b.expiresAt}|${b.cseq}`),
            before,
          );
          continue;
        }
        // The 200 lists exactly the live bindings.
        assert.deepEqual(out.contacts.map((c) => c.uri).sort(), list.map((b) => b.contact).sort());
        if (o.wildcard) assert.equal(list.length, 0);
        for (const c of out.contacts) assert.ok(c.expires > 0 && c.expires <= registrar.maxExpires);
      }
      // Invariants over everything held.
      let total = 0;
      for (const ext of registrar.extensions()) {
        const list = registrar.lookup(ext);
        total += list.length;
        assert.ok(list.length <= 3);
        assert.equal(new Set(list.map((b) => b.key)).size, list.length, 'one binding per key');
        for (const b of list) assert.ok(b.expiresAt > clock.t);
      }
      registrar.sweep();
      assert.equal(registrar.size, total);
    }),
    { numRuns: 300 },
  );
});
