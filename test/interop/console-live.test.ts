/**
 * The console's live side in Debian's Chromium: the Live page's rosters and the Invite pop-up's progress
 * follow the server's event stream (`GET /api/events`, real SSE through the real API), and the buttons
 * reach the PBX through the API's live routes. The PBX itself is the API's `PbxPort` implemented here
 * over a plain map (rooms with real calls in them are console-invite.test.ts and console-e2e.test.ts), and
 * the events are published on the API's own bus exactly as the PBX publishes them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus, type Participant, type PbxPort } from '../../src/api/index.ts';
import type { TrunkRegistration } from '../../src/api/pbx-port.ts';
import { signIn } from './console-harness.ts';
import { consoleSession, NO_CHROMIUM, seedUsers } from './helpers/console-session.ts';

/** Room control over a map, recording every call the API makes to it. */
class MapPbx implements PbxPort {
  readonly rooms = new Map<string, Participant[]>();
  readonly calls: string[] = [];
  private readonly events: EventBus;
  private nextCall = 1;
  constructor(events: EventBus) {
    this.events = events;
  }
  participants(conferenceId: string): Participant[] {
    return this.rooms.get(conferenceId) ?? [];
  }
  async invite(conferenceId: string, destination: string): Promise<{ callId: string }> {
    this.calls.push(`invite ${conferenceId} ${destination}`);
    return { callId: `call-${this.nextCall++}` };
  }
  /** Puts a member in a room and says so on the bus, as the PBX does when a caller gets in. */
  join(conferenceId: string, p: Omit<Participant, 'joinedAt' | 'muted' | 'talking'>): void {
    const member = { ...p, muted: false, talking: false, joinedAt: new Date().toISOString() };
    this.rooms.set(conferenceId, [...this.participants(conferenceId), member]);
    this.events.publish('participant.joined', {
      conferenceId,
      participantId: p.id,
      callerId: p.callerId,
      extension: p.extension,
      role: p.role,
    });
  }
  private setMuted(conferenceId: string, id: string, muted: boolean): boolean {
    const p = this.participants(conferenceId).find((x) => x.id === id);
    if (!p) return false;
    this.calls.push(`${muted ? 'mute' : 'unmute'} ${id}`);
    p.muted = muted;
    this.events.publish('participant.muted', { conferenceId, participantId: id, muted });
    return true;
  }
  mute(conferenceId: string, id: string): boolean {
    return this.setMuted(conferenceId, id, true);
  }
  unmute(conferenceId: string, id: string): boolean {
    return this.setMuted(conferenceId, id, false);
  }
  readonly trunks = new Map<string, TrunkRegistration>();
  trunkStatus(trunkId: string): TrunkRegistration | undefined {
    return this.trunks.get(trunkId);
  }
  lock(conferenceId: string, locked: boolean): boolean {
    if (!this.rooms.get(conferenceId)?.length) return false;
    this.calls.push(`${locked ? 'lock' : 'unlock'} ${conferenceId}`);
    return true;
  }
  kick(conferenceId: string, id: string): boolean {
    const members = this.participants(conferenceId);
    if (!members.some((x) => x.id === id)) return false;
    this.calls.push(`kick ${id}`);
    this.rooms.set(
      conferenceId,
      members.filter((x) => x.id !== id),
    );
    this.events.publish('participant.left', { conferenceId, participantId: id });
    return true;
  }
}

const events = new EventBus();
const pbx = new MapPbx(events);
let roomId = '';
let trunkId = '';

const session = consoleSession({
  seed: async (store, ctx) => {
    await seedUsers(store, ctx, '101', '102');
    const room = await store.create(
      'conferences',
      {
        name: 'Sales weekly',
        extension: '800',
        accessCode: '4321',
        adminExtension: '101',
        waitForAdmin: true,
      },
      ctx,
    );
    roomId = room.id;
    const trunk = await store.create(
      'trunks',
      {
        name: 'Carrier',
        host: 'sip.carrier.example',
        port: 5060,
        transport: 'udp',
        username: 'parley',
        password: 'trunk-secret',
        register: true,
        inboundAddresses: [],
      },
      ctx,
    );
    trunkId = trunk.id;
  },
  live: () => ({ events, pbx }),
});

test('the Live page and Invite follow the server events', {
  skip: NO_CHROMIUM,
}, async (t) => {
  const { page } = session;
  await signIn(page, session.server);
  await page.getByRole('link', { name: 'Live', exact: true }).click();
  await page.getByRole('heading', { name: /Sales weekly/ }).waitFor();
  await page.getByText('Updating live').waitFor();
  const roster = page.getByRole('list', { name: 'People in Sales weekly' });

  await t.test('a caller joining appears, with the administrator badge', async () => {
    await page.getByText('No one is in a conference right now.').waitFor();
    pbx.join(roomId, { id: 'p1', callerId: 'Alice Martin', extension: '101', role: 'admin' });
    const alice = roster.getByRole('listitem').filter({ hasText: 'Alice Martin' });
    await alice.getByText('Administrator').waitFor();
    assert.equal(await alice.getByText('Muted').count(), 0);
  });

  await t.test('the talking indicator follows participant.talking', async () => {
    const alice = roster.getByRole('listitem').filter({ hasText: 'Alice Martin' });
    events.publish('participant.talking', { conferenceId: roomId, participantId: 'p1', talking: true });
    await alice.getByText('Talking').waitFor({ state: 'attached' });
    assert.match((await alice.getAttribute('class')) ?? '', /member-talking/);
    events.publish('participant.talking', { conferenceId: roomId, participantId: 'p1', talking: false });
    await alice.getByText('Talking').waitFor({ state: 'detached' });
  });

  await t.test('mute and unmute reach the PBX and show', async () => {
    const alice = roster.getByRole('listitem').filter({ hasText: 'Alice Martin' });
    await alice.getByRole('button', { name: /^Mute/ }).click();
    await alice.getByText('Muted', { exact: true }).waitFor();
    assert.ok(pbx.calls.includes('mute p1'));
    await alice.getByRole('button', { name: /^Unmute/ }).click();
    await alice.getByText('Muted', { exact: true }).waitFor({ state: 'detached' });
    assert.ok(pbx.calls.includes('unmute p1'));
  });

  await t.test('invite: calling, answered, joined', async () => {
    await page.getByRole('button', { name: /Invite to Sales weekly/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite to Sales weekly' });
    await dialog.getByLabel('Please enter the phone number of the person you want to invite').fill('102');
    await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
    await dialog.getByText('Calling 102…').waitFor();
    assert.ok(pbx.calls.includes(`invite ${roomId} 102`));
    events.publish('call.answered', { callId: 'call-1', to: '102', direction: 'outbound' });
    await dialog.getByText('Answered: connecting to the conference…').waitFor();
    pbx.join(roomId, { id: 'p2', callerId: 'Bob Dupont', extension: '102', role: 'participant' });
    const current = dialog.locator('[aria-current="step"]');
    await current.getByText('Joined the conference').waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await roster.getByRole('listitem').filter({ hasText: 'Bob Dupont' }).waitFor();
  });

  await t.test('an invitation that fails says why', async () => {
    await page.getByRole('button', { name: /Invite to Sales weekly/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite to Sales weekly' });
    await dialog
      .getByLabel('Please enter the phone number of the person you want to invite')
      .fill('+3221234599');
    await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
    await dialog.getByText('Calling +3221234599…').waitFor();
    events.publish('call.failed', { callId: 'call-2', status: 486, reason: 'busy here' });
    await dialog.getByText('The call to +3221234599 failed: the line is busy.').waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
  });

  await t.test('lock and unlock the room', async () => {
    const room = page.getByRole('region', { name: /Sales weekly/ });
    const lock = room.getByRole('button', { name: /^Lock/ });
    await lock.click();
    await room.getByText('Locked', { exact: true }).waitFor();
    assert.ok(pbx.calls.includes(`lock ${roomId}`));
    await room.getByRole('button', { name: /^Unlock/ }).click();
    await room.getByText('Locked', { exact: true }).waitFor({ state: 'detached' });
    assert.ok(pbx.calls.includes(`unlock ${roomId}`));
  });

  await t.test('kick, after confirming', async () => {
    await roster
      .getByRole('listitem')
      .filter({ hasText: 'Bob Dupont' })
      .getByRole('button', { name: /Kick/ })
      .click();
    await page
      .getByRole('dialog', { name: 'Remove from the conference?' })
      .getByRole('button', { name: 'Kick' })
      .click();
    await roster.getByRole('listitem').filter({ hasText: 'Bob Dupont' }).waitFor({ state: 'detached' });
    assert.ok(pbx.calls.includes('kick p2'));
    assert.equal(pbx.participants(roomId).length, 1);
  });
  await t.test('trunk registration: as the PBX reports it, then as it changes', async () => {
    pbx.trunks.set(trunkId, { state: 'registering' });
    await page.getByRole('link', { name: 'Trunks', exact: true }).click();
    const row = page.getByRole('row', { name: /Carrier/ });
    await row.getByText('Registering…').waitFor();
    events.publish('trunk.registration', { trunkId, state: 'registered' });
    await row.getByText('Registered', { exact: true }).waitFor();
    events.publish('trunk.registration', { trunkId, state: 'failed', detail: '403 Forbidden' });
    await row.getByText('Failed: 403 Forbidden').waitFor();
  });
});
