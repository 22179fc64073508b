import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Flow } from './binding.ts';
import { FileBindingStore, memoryBindingStore } from './binding-store.ts';
import { type ContactInput, type RegisterInput, Registrar } from './registrar.ts';

const udp: Flow = { transport: 'udp', remoteAddress: '192.0.2.10', remotePort: 5062 };
const ws: Flow = { transport: 'ws', remoteAddress: '127.0.0.1', remotePort: 40000, connectionId: 'ws-1' };

function contact(uri: string, extra: Partial<ContactInput> = {}): ContactInput {
  return { uri, uriKey: uri.toLowerCase(), ...extra };
}

function req(extra: Partial<RegisterInput> = {}): RegisterInput {
  return {
    extension: '101',
    callId: 'call-1',
    cseq: 1,
    wildcard: false,
    contacts: [contact('sip:101@192.0.2.10:5062')],
    flow: udp,
    ...extra,
  };
}

function setup(extra: Partial<ConstructorParameters<typeof Registrar>[0]> = {}) {
  const clock = { t: 1_700_000_000_000 };
  const registrar = new Registrar({ domain: 'pbx.test', now: () => clock.t, sweepIntervalMs: 0, ...extra });
  return { clock, registrar };
}

test('registers, lists with expires, looks up with flow; default and capped expiry', () => {
  const { registrar } = setup();
  const out = registrar.register(req());
  assert.deepEqual(out, {
    status: 200,
    contacts: [{ uri: 'sip:101@192.0.2.10:5062', expires: 3600 }],
    granted: 3600,
  });
  const [b] = registrar.lookup('101');
  assert.equal(b?.aor, 'sip:101@pbx.test');
  assert.deepEqual(b?.flow, udp);
  const capped = registrar.register(req({ cseq: 2, expires: 100000 }));
  assert.equal(capped.status === 200 && capped.contacts[0]!.expires, 3600);
  assert.equal(capped.status === 200 && capped.granted, 3600);
  // A fetch (no Contact) grants nothing.
  const fetched = registrar.register(req({ cseq: 3, contacts: [] }));
  assert.equal(fetched.status === 200 && fetched.granted, undefined);
  assert.equal(registrar.lookup('102').length, 0);
});

test('contact expires parameter wins over the Expires header', () => {
  const { registrar } = setup();
  const out = registrar.register(req({ expires: 600, contacts: [contact('sip:a@h', { expires: 120 })] }));
  assert.equal(out.status === 200 && out.contacts[0]!.expires, 120);
});

test('too short: 423 with Min-Expires, and nothing changes', () => {
  const { registrar } = setup({ minExpires: 60 });
  assert.deepEqual(registrar.register(req({ expires: 30 })), { status: 423, minExpires: 60 });
  assert.equal(registrar.size, 0);
  // The check covers every contact: one good and one short registers neither.
  const r = registrar.register(
    req({ contacts: [contact('sip:a@h', { expires: 300 }), contact('sip:b@h', { expires: 5 })] }),
  );
  assert.equal(r.status, 423);
  assert.equal(registrar.size, 0);
});

test('several contacts, refresh, removal by expires=0, expiry', () => {
  const { registrar, clock } = setup();
  registrar.register(
    req({ contacts: [contact('sip:a@h', { q: 0.2 }), contact('sip:b@h', { q: 0.9 })], expires: 300 }),
  );
  assert.deepEqual(
    registrar.lookup('101').map((b) => b.contact),
    ['sip:b@h', 'sip:a@h'],
  );
  clock.t += 200_000;
  const refreshed = registrar.register(req({ cseq: 2, contacts: [contact('sip:a@h')], expires: 300 }));
  assert.ok(refreshed.status === 200);
  assert.deepEqual(
    refreshed.contacts.map((c) => [c.uri, c.expires]),
    [
      ['sip:a@h', 300],
      ['sip:b@h', 100],
    ],
  );
  const removed = registrar.register(req({ cseq: 3, contacts: [contact('sip:b@h')], expires: 0 }));
  assert.deepEqual(removed.status === 200 && removed.contacts.map((c) => c.uri), ['sip:a@h']);
  clock.t += 301_000;
  assert.equal(registrar.lookup('101').length, 0);
  registrar.sweep();
  assert.equal(registrar.size, 0);
  assert.deepEqual(registrar.extensions(), []);
});

test('a fetch (no Contact) lists the bindings without changing them', () => {
  const { registrar } = setup();
  registrar.register(req());
  const out = registrar.register(req({ cseq: 2, contacts: [] }));
  assert.equal(out.status === 200 && out.contacts.length, 1);
});

test('same Call-ID with an old CSeq is refused; another Call-ID updates', () => {
  const { registrar } = setup();
  registrar.register(req({ cseq: 5 }));
  assert.equal(registrar.register(req({ cseq: 5 })).status, 500);
  assert.equal(registrar.register(req({ cseq: 4 })).status, 500);
  assert.equal(registrar.register(req({ callId: 'call-2', cseq: 1 })).status, 200);
  assert.equal(registrar.lookup('101')[0]!.callId, 'call-2');
});

test('Contact: * with Expires: 0 removes all; without Expires: 0 it is a 400', () => {
  const { registrar } = setup();
  registrar.register(req({ contacts: [contact('sip:a@h'), contact('sip:b@h')] }));
  assert.equal(registrar.register(req({ cseq: 2, wildcard: true, contacts: [], expires: 60 })).status, 400);
  assert.equal(
    registrar.register(req({ cseq: 2, wildcard: true, contacts: [contact('sip:c@h')], expires: 0 })).status,
    400,
  );
  assert.equal(registrar.size, 2);
  assert.equal(registrar.register(req({ cseq: 1, wildcard: true, contacts: [], expires: 0 })).status, 500);
  assert.deepEqual(registrar.register(req({ cseq: 2, wildcard: true, contacts: [], expires: 0 })), {
    status: 200,
    contacts: [],
  });
  assert.equal(registrar.size, 0);
});

test('an RFC 5626 instance replaces its previous contact; too many contacts are refused', () => {
  const { registrar } = setup({ maxContacts: 2 });
  registrar.register(
    req({ contacts: [contact('sip:x1@a.invalid', { instanceId: '<urn:uuid:1>', regId: '1' })] }),
  );
  registrar.register(
    req({
      callId: 'c2',
      contacts: [contact('sip:x2@b.invalid', { instanceId: '<urn:uuid:1>', regId: '1' })],
    }),
  );
  assert.deepEqual(
    registrar.lookup('101').map((b) => b.contact),
    ['sip:x2@b.invalid'],
  );
  registrar.register(req({ callId: 'c3', contacts: [contact('sip:y@h')] }));
  assert.deepEqual(registrar.register(req({ callId: 'c4', contacts: [contact('sip:z@h')] })), {
    status: 403,
    reason: 'Too many contacts',
  });
});

test('WebSocket bindings go when their connection closes', () => {
  const { registrar } = setup();
  registrar.register(req({ flow: ws, contacts: [contact('sip:abc@x.invalid;transport=ws')] }));
  registrar.register(req({ extension: '102', contacts: [contact('sip:102@h')] }));
  const changes: string[] = [];
  registrar.onChange((ext, list) => changes.push(`${ext}:${list.length}`));
  registrar.connectionClosed('ws-2');
  assert.equal(registrar.lookup('101').length, 1);
  registrar.connectionClosed('ws-1');
  assert.equal(registrar.lookup('101').length, 0);
  assert.equal(registrar.lookup('102').length, 1);
  assert.deepEqual(changes, ['101:0']);
  // Registered again on a new connection: the old connection's close (late, or repeated) touches nothing.
  registrar.register(
    req({ flow: { ...ws, connectionId: 'ws-3' }, contacts: [contact('sip:abc@x.invalid;transport=ws')] }),
  );
  registrar.connectionClosed('ws-1');
  assert.equal(registrar.lookup('101').length, 1);
  registrar.connectionClosed('ws-3');
  assert.equal(registrar.lookup('101').length, 0);
});

test('bindings survive a restart through the file store; WebSocket and expired ones do not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-reg-'));
  try {
    const clock = { t: 1_700_000_000_000 };
    const a = new Registrar({
      domain: 'pbx.test',
      store: new FileBindingStore(dir),
      now: () => clock.t,
      sweepIntervalMs: 0,
    });
    a.register(req({ flow: { ...udp, connectionId: 'x' } }));
    a.register(req({ extension: '102', flow: ws, contacts: [contact('sip:abc@x.invalid;transport=ws')] }));
    a.register(req({ extension: '103', expires: 60, contacts: [contact('sip:103@h')] }));
    await a.close();
    await a.close();
    const saved = JSON.parse(readFileSync(join(dir, 'bindings.json'), 'utf8'));
    assert.equal(saved.bindings.length, 3);
    clock.t += 120_000;
    const b = new Registrar({
      domain: 'pbx.test',
      store: new FileBindingStore(dir),
      now: () => clock.t,
      sweepIntervalMs: 0,
    });
    assert.equal(await b.load(), 1);
    const [restored] = b.lookup('101');
    assert.equal(restored?.contact, 'sip:101@192.0.2.10:5062');
    assert.equal(restored?.flow.connectionId, undefined);
    assert.equal(b.lookup('102').length, 0);
    assert.equal(b.lookup('103').length, 0);
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged or foreign bindings file loads as empty', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-reg-'));
  try {
    const store = new FileBindingStore(dir);
    assert.deepEqual(await store.load(), []);
    writeFileSync(store.path, '{"version":1,"bindings":[{"extension":1}, null]}');
    assert.deepEqual(await store.load(), []);
    writeFileSync(store.path, '{not json');
    assert.deepEqual(await store.load(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('changes are saved coalesced, and close flushes', async () => {
  const store = memoryBindingStore();
  const registrar = new Registrar({ domain: 'pbx.test', store, saveDelayMs: 60_000, sweepIntervalMs: 0 });
  registrar.register(req());
  registrar.register(req({ extension: '102' }));
  assert.equal(store.saved.length, 0);
  await registrar.close();
  assert.equal(store.saved.length, 2);
});
