/**
 * Screenshots of the console's main pages for the README, into docs/screenshots/*.png: a real server with
 * a small sample configuration, Debian's Chromium, the same clicks a person would make.
 *
 * The Live page shows real calls: baresip phones (Debian's baresip-core) registered as the sample users
 * are invited into a room through the API and answer by themselves. Only when `parley serve` or baresip
 * is not available does this script answer the roster request with sample data instead.
 *
 * Run: `node scripts/screenshots.ts` (needs /usr/bin/chromium).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  type ConsoleServer,
  launchChromium,
  signIn,
  startConsoleServer,
  toneWav,
} from '../test/interop/console-harness.ts';
import { BARESIP, Baresip } from '../test/interop/helpers/baresip.ts';

const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;

const SAMPLE_ROSTER = [
  { id: 'p1', callerId: 'Alice Martin', extension: '101', role: 'admin', muted: false, talking: true },
  { id: 'p2', callerId: 'Bob Dupont', extension: '102', role: 'participant', muted: false, talking: false },
  { id: 'p3', callerId: '+3221234567', role: 'participant', muted: true, talking: false },
  {
    id: 'p4',
    callerId: 'Claire Peeters',
    extension: '103',
    role: 'participant',
    muted: false,
    talking: false,
  },
].map((p, i) => ({ ...p, joinedAt: new Date(Date.now() - (10 - i) * 60_000).toISOString() }));

async function shot(page: Page, name: string): Promise<void> {
  // Let transitions and fonts settle: a screenshot is not a test, a short pause is fine here.
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  console.log(`docs/screenshots/${name}.png`);
}

/**
 * Registers a baresip phone for each extension (password `sample-EXT-password`, answering by itself,
 * each with its own tone) and invites it into the room through the API, as the console's Invite does.
 */
async function callIntoRoom(
  page: Page,
  server: ConsoleServer,
  room: string,
  extensions: string[],
  phones: Baresip[],
  dir: string,
): Promise<void> {
  const live = (await (await page.request.get(`${server.baseUrl}/api/conferences?view=live`)).json()) as {
    items: Array<{ id: string; name: string }>;
  };
  const id = live.items.find((c) => c.name === room)!.id;
  const csrf = (await page.context().cookies()).find((c) => c.name.includes('csrf'))?.value ?? '';
  for (const [i, extension] of extensions.entries()) {
    const phone = await Baresip.start({
      extension,
      password: `sample-${extension}-password`,
      domain: server.domain!,
      pbxPort: server.sipPort!,
      source: toneWav(join(dir, `tone-${extension}.wav`), 300 + 200 * i),
      autoAnswer: true,
    });
    phones.push(phone);
    await phone.registered();
    const res = await page.request.post(`${server.baseUrl}/api/conferences/${id}/invite`, {
      data: { destination: extension },
      headers: { 'x-csrf-token': csrf },
    });
    if (res.status() !== 202) throw new Error(`invite ${extension}: ${res.status()} ${await res.text()}`);
    await phone.event('CALL_ESTABLISHED');
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startConsoleServer(async (store, ctx) => {
    const users = [
      ['Alice Martin', '101'],
      ['Bob Dupont', '102'],
      ['Claire Peeters', '103'],
    ] as const;
    for (const [name, extension] of users)
      await store.create('users', { name, extension, sipPassword: `sample-${extension}-password` }, ctx);
    const sales = await store.create(
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
    await store.create(
      'conferences',
      {
        name: 'Board meeting',
        extension: '801',
        accessCode: '908172',
        adminExtension: '103',
        waitForAdmin: true,
      },
      ctx,
    );
    await store.create('conferences', { name: 'All hands', extension: '802', waitForAdmin: false }, ctx);
    const trunk = await store.create(
      'trunks',
      {
        name: 'Carrier',
        host: 'sip.carrier.example',
        port: 5060,
        transport: 'udp',
        username: 'parley',
        password: 'sample-trunk-password',
        register: false, // nothing leaves this machine: no registration, no lookup of the host
        callerId: '+3221234567',
        inboundAddresses: ['192.0.2.10'],
      },
      ctx,
    );
    await store.create(
      'incomingNumbers',
      {
        number: '+3221234567',
        trunkId: trunk.id,
        destination: { type: 'conference', conferenceId: sales.id },
      },
      ctx,
    );
    await store.create(
      'incomingNumbers',
      { number: '+3221234568', destination: { type: 'extension', extension: '101' } },
      ctx,
    );
    await store.create('incomingNumbers', { number: '+3221234569', destination: { type: 'none' } }, ctx);
  });
  const phones: Baresip[] = [];
  const media = mkdtempSync(join(tmpdir(), 'parley-screenshots-'));
  const browser = await launchChromium({ width: 1280, height: 760 });
  const { page } = browser;
  page.setDefaultTimeout(15_000);
  try {
    await page.goto(server.baseUrl);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Username').fill(server.username);
    await shot(page, 'sign-in');

    await signIn(page, server);
    await page.getByRole('link', { name: 'Conferences', exact: true }).click();
    await page.getByRole('row', { name: /All hands/ }).waitFor();
    await shot(page, 'conferences');

    await page.getByRole('button', { name: 'Add a conference' }).click();
    const form = page.getByRole('dialog', { name: 'New conference' });
    await form.getByLabel('Name').fill('Support huddle');
    await form.getByLabel('Internal extension').fill('803');
    await form.getByLabel('Access code').fill('2468');
    await form.getByLabel('Administrator extension').selectOption({ label: '102 — Bob Dupont' });
    await form
      .getByLabel('Wait for the administrator to start the conference')
      .selectOption({ label: 'Yes' });
    await shot(page, 'new-conference');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });

    await page
      .getByRole('row', { name: /All hands/ })
      .getByRole('button', { name: /Edit/ })
      .click();
    const edit = page.getByRole('dialog', { name: 'Edit conference' });
    await edit.getByLabel('Access code').fill('1357');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: /Apply changes\s*2 pending/ }).click();
    await page.getByRole('dialog', { name: 'Apply changes' }).getByRole('listitem').first().waitFor();
    await shot(page, 'apply-changes');
    await page
      .getByRole('dialog', { name: 'Apply changes' })
      .getByRole('button', { name: 'Apply 2 changes' })
      .click();
    await page.getByText(/Production now runs version/).waitFor();
    await shot(page, 'apply-changes-done');
    await page
      .getByRole('dialog', { name: 'Apply changes' })
      .getByRole('button', { name: 'Close' })
      .last()
      .click();

    await page
      .getByRole('row', { name: /Sales weekly/ })
      .getByRole('button', { name: /Invite/ })
      .click();
    await page.getByLabel('Please enter the phone number of the person you want to invite').fill('102');
    await shot(page, 'invite');
    await page
      .getByRole('dialog', { name: /Invite to/ })
      .getByRole('button', { name: 'Cancel' })
      .click();

    await page.getByRole('link', { name: 'Incoming numbers', exact: true }).click();
    await page
      .getByRole('row', { name: /\+3221234569/ })
      .getByRole('button', { name: /Edit/ })
      .click();
    const number = page.getByRole('dialog', { name: /Edit \+3221234569/ });
    await number.getByLabel('Destination type for voice call').selectOption({ label: 'Conference' });
    await number.getByLabel('Conference', { exact: true }).selectOption({ label: 'Board meeting (801)' });
    await shot(page, 'incoming-number');
    await number.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page
      .getByRole('row', { name: /Alice Martin/ })
      .getByRole('button', { name: /Edit/ })
      .click();
    await page.getByRole('dialog', { name: /Edit user 101/ }).waitFor();
    await shot(page, 'user');
    await page
      .getByRole('dialog', { name: /Edit user 101/ })
      .getByRole('button', { name: 'Cancel' })
      .click();

    await page.getByRole('link', { name: 'Trunks', exact: true }).click();
    await page.getByRole('row', { name: /Carrier/ }).waitFor();
    await shot(page, 'trunks');

    if (server.mode === 'serve' && BARESIP) {
      // A room that does not wait for its administrator: invited phones are heard at once.
      await callIntoRoom(page, server, 'All hands', ['101', '102', '103'], phones, media);
      await page.getByRole('link', { name: 'Live', exact: true }).click();
      const roster = page.getByRole('list', { name: 'People in All hands' });
      await roster.getByRole('listitem').nth(2).waitFor();
      await roster
        .getByRole('listitem')
        .filter({ hasText: '103' })
        .getByRole('button', { name: /^Mute/ })
        .click();
      await roster.getByText('Muted', { exact: true }).waitFor();
      // The talking indicators follow the phones' tones (voice activity measured by the PBX).
      await roster
        .locator('.member-talking')
        .first()
        .waitFor({ timeout: 10_000 })
        .catch(() => console.warn('nobody shown talking in the Live screenshot'));
    } else {
      await page.route('**/api/conferences/*/participants', async (route) => {
        const url = route.request().url();
        const live = await (await page.request.get(`${server.baseUrl}/api/conferences?view=live`)).json();
        const sales = (live.items as Array<{ id: string; name: string }>).find(
          (c) => c.name === 'Sales weekly',
        );
        const body = sales && url.includes(`/conferences/${sales.id}/`) ? SAMPLE_ROSTER : [];
        await route.fulfill({ json: body });
      });
      await page.getByRole('link', { name: 'Live', exact: true }).click();
      await page.getByRole('list', { name: 'People in Sales weekly' }).waitFor();
    }
    await shot(page, 'live');
    await page.unrouteAll();

    await page.getByRole('link', { name: 'History', exact: true }).click();
    await page
      .getByRole('button', { name: /What changed/ })
      .first()
      .click();
    await page.getByRole('listitem').filter({ hasText: 'Support huddle' }).first().waitFor();
    await shot(page, 'history');

    await page.setViewportSize({ width: 390, height: 760 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Conferences', exact: true }).click();
    await page.getByRole('row', { name: /All hands/ }).waitFor();
    await shot(page, 'narrow-conferences');
  } finally {
    await browser.close();
    for (const phone of phones) await phone.stop();
    await server.close();
    rmSync(media, { recursive: true, force: true });
  }
}

await main();
