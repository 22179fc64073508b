/** Live room control through the PbxPort: participants, invite, mute/unmute, kick, and their errors. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Conference } from '../store/model.ts';
import { type Participant, type PbxPort, PbxPortError } from './pbx-port.ts';
import { type ApiFixture, apiFixture, SYSTEM } from './testing.ts';

class FakePbx implements PbxPort {
  readonly rooms = new Map<string, Participant[]>();
  readonly calls: string[] = [];
  participants(id: string): Participant[] {
    return this.rooms.get(id) ?? [];
  }
  async invite(id: string, destination: string): Promise<{ callId: string }> {
    if (destination === '999') throw new PbxPortError('INVALID_DESTINATION', 'Nobody has extension 999.');
    this.calls.push(`${id}:${destination}`);
    return { callId: `call-${this.calls.length}` };
  }
  private set(id: string, pid: string, muted: boolean): boolean {
    const p = this.rooms.get(id)?.find((x) => x.id === pid);
    if (p) p.muted = muted;
    return !!p;
  }
  mute(id: string, pid: string) {
    return this.set(id, pid, true);
  }
  unmute(id: string, pid: string) {
    return this.set(id, pid, false);
  }
  trunkStatus(trunkId: string) {
    return trunkId === 't_known'
      ? undefined
      : { state: 'registered' as const, since: '2026-01-01T00:00:00.000Z' };
  }
  readonly locked = new Set<string>();
  lock(id: string, locked: boolean) {
    if (!this.rooms.has(id)) return false;
    if (locked) this.locked.add(id);
    else this.locked.delete(id);
    return true;
  }
  kick(id: string, pid: string) {
    const list = this.rooms.get(id) ?? [];
    const i = list.findIndex((x) => x.id === pid);
    if (i >= 0) list.splice(i, 1);
    return i >= 0;
  }
}

describe('live room control', () => {
  let fx: ApiFixture;
  let bare: ApiFixture;
  let h: { authorization: string };
  let room: Conference;
  const pbx = new FakePbx();
  before(async () => {
    fx = await apiFixture({ pbx });
    bare = await apiFixture({ store: fx.store });
    h = await fx.bearer(['participants']);
    room = await fx.store.create(
      'conferences',
      { name: 'Room', extension: '800', waitForAdmin: false },
      SYSTEM,
    );
    await fx.store.apply(SYSTEM);
    pbx.rooms.set(room.id, [
      {
        id: 'p1',
        callerId: 'Alice <101>',
        extension: '101',
        role: 'admin',
        muted: false,
        talking: true,
        joinedAt: '2026-01-01T10:00:00.000Z',
      },
      {
        id: 'p2',
        callerId: '+3221234567',
        role: 'participant',
        muted: false,
        talking: false,
        joinedAt: '2026-01-01T10:01:00.000Z',
      },
    ]);
  });
  after(async () => {
    await bare.close();
    await fx.close();
  });

  it('lists who is in the room', async () => {
    const r = await fx.app.inject({
      method: 'GET',
      url: `/api/conferences/${room.id}/participants`,
      headers: h,
    });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), pbx.rooms.get(room.id));
  });

  it('invites a destination: 202 with the call id; a bad destination is refused', async () => {
    const r = await fx.app.inject({
      method: 'POST',
      url: `/api/conferences/${room.id}/invite`,
      headers: h,
      payload: { destination: '+3221234599' },
    });
    assert.equal(r.statusCode, 202);
    assert.deepEqual(r.json(), { callId: 'call-1' });
    assert.deepEqual(pbx.calls, [`${room.id}:+3221234599`]);
    const bad = await fx.app.inject({
      method: 'POST',
      url: `/api/conferences/${room.id}/invite`,
      headers: h,
      payload: { destination: 'sip:x@y' },
    });
    assert.equal(bad.statusCode, 400);
    const unknown = await fx.app.inject({
      method: 'POST',
      url: `/api/conferences/${room.id}/invite`,
      headers: h,
      payload: { destination: '999' },
    });
    assert.equal(unknown.statusCode, 422);
    assert.equal(unknown.json().error.code, 'INVALID_DESTINATION');
  });

  it('mutes, unmutes and kicks; an unknown participant is 404', async () => {
    const base = `/api/conferences/${room.id}/participants`;
    assert.equal(
      (await fx.app.inject({ method: 'POST', url: `${base}/p2/mute`, headers: h })).statusCode,
      204,
    );
    assert.equal(pbx.rooms.get(room.id)![1]!.muted, true);
    assert.equal(
      (await fx.app.inject({ method: 'POST', url: `${base}/p2/unmute`, headers: h })).statusCode,
      204,
    );
    assert.equal(pbx.rooms.get(room.id)![1]!.muted, false);
    assert.equal((await fx.app.inject({ method: 'DELETE', url: `${base}/p2`, headers: h })).statusCode, 204);
    assert.equal(pbx.rooms.get(room.id)!.length, 1);
    const gone = await fx.app.inject({ method: 'POST', url: `${base}/p2/mute`, headers: h });
    assert.equal(gone.statusCode, 404);
    const audit = await fx.store.listAudit();
    assert.ok(audit.items.some((e) => e.action === 'participant.kick' && e.target === `${room.id}/p2`));
  });

  it('locks and unlocks a room when the PBX can; the routes exist only then', async () => {
    const lock = await fx.app.inject({ method: 'POST', url: `/api/conferences/${room.id}/lock`, headers: h });
    assert.equal(lock.statusCode, 204);
    assert.ok(pbx.locked.has(room.id));
    assert.equal(
      (await fx.app.inject({ method: 'POST', url: `/api/conferences/${room.id}/unlock`, headers: h }))
        .statusCode,
      204,
    );
    assert.equal(pbx.locked.has(room.id), false);
    const doc = (await fx.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    assert.ok(doc.paths['/api/conferences/{id}/lock']);
    const noLock: PbxPort = {
      participants: (id) => pbx.participants(id),
      invite: (id, d) => pbx.invite(id, d),
      mute: (id, p) => pbx.mute(id, p),
      unmute: (id, p) => pbx.unmute(id, p),
      kick: (id, p) => pbx.kick(id, p),
    };
    const without = await apiFixture({ store: fx.store, pbx: noLock });
    const doc2 = (await without.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    assert.equal(doc2.paths['/api/conferences/{id}/lock'], undefined);
    await without.close();
  });

  it('shows trunk registration when the PBX reports it', async () => {
    const admin = await fx.bearer(['admin']);
    await fx.store.create(
      'trunks',
      {
        name: 'P',
        host: 'example.net',
        port: 5060,
        transport: 'udp',
        register: true,
        username: 'u',
        password: 'p',
        inboundAddresses: [],
      },
      SYSTEM,
    );
    const list = await fx.app.inject({ method: 'GET', url: '/api/trunks', headers: admin });
    assert.deepEqual(list.json().items[0].registration, {
      state: 'registered',
      since: '2026-01-01T00:00:00.000Z',
    });
    assert.equal('password' in list.json().items[0], false);
  });

  it('answers 404 for a room that is not live and 503 without a PBX', async () => {
    const draftOnly = await fx.store.create(
      'conferences',
      { name: 'Later', extension: '801', waitForAdmin: false },
      SYSTEM,
    );
    const r = await fx.app.inject({
      method: 'GET',
      url: `/api/conferences/${draftOnly.id}/participants`,
      headers: h,
    });
    assert.equal(r.statusCode, 404);
    const none = await bare.app.inject({
      method: 'GET',
      url: `/api/conferences/${room.id}/participants`,
      headers: h,
    });
    assert.equal(none.statusCode, 503);
    assert.equal(none.json().error.code, 'PBX_UNAVAILABLE');
  });
});
