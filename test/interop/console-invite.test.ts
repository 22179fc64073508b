/**
 * Invite from the console to a real phone: `parley serve`, baresip registered as extension 102 and set to
 * answer by itself, Debian's Chromium clicking Invite as the seed says. The pop-up follows the call from
 * the server's own events until the phone is in the room; the Live page lists it and shows it talking
 * (its tone, through the PBX's voice activity detection); Kick hangs it up.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { signIn, toneWav } from './console-harness.ts';
import { BARESIP, Baresip } from './helpers/baresip.ts';
import { consoleSession, NO_CHROMIUM, seedUsers } from './helpers/console-session.ts';
import { passwordOf } from './helpers/users.ts';

const missing = NO_CHROMIUM || (BARESIP ? false : 'baresip is not installed');

let phone: Baresip | undefined;
let dir = '';

const session = consoleSession({
  seed: async (store, ctx) => {
    await seedUsers(store, ctx, '101', '102');
    await store.create('conferences', { name: 'Sales weekly', extension: '800', waitForAdmin: false }, ctx);
  },
  skip: missing,
});

before(async () => {
  if (missing) return;
  await session.ready;
  if (session.server.mode !== 'serve') return;
  dir = mkdtempSync(join(tmpdir(), 'parley-console-invite-'));
  phone = await Baresip.start({
    extension: '102',
    password: passwordOf('102'),
    domain: session.server.domain!,
    pbxPort: session.server.sipPort!,
    source: toneWav(join(dir, 'tone.wav')),
    autoAnswer: true,
  });
  await phone.registered();
});

after(async () => {
  await phone?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Invite rings a real phone into the room, Live lists it talking, Kick hangs it up', {
  skip: missing,
}, async (t) => {
  if (session.server.mode !== 'serve') {
    t.skip('needs parley serve (the PBX), not the API alone');
    return;
  }
  const { page } = session;
  try {
    await signIn(page, session.server);
    await page.getByRole('link', { name: 'Conferences', exact: true }).click();
    await page
      .getByRole('row', { name: /Sales weekly/ })
      .getByRole('button', { name: /Invite/ })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Invite to Sales weekly' });
    await dialog.getByLabel('Please enter the phone number of the person you want to invite').fill('102');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/invite')),
      dialog.getByRole('button', { name: 'Invite', exact: true }).click(),
    ]);
    assert.equal(res.status(), 202, await res.text());
    await phone!.event('CALL_ESTABLISHED');
    await dialog.locator('[aria-current="step"]').getByText('Joined the conference').waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();

    await page.getByRole('link', { name: 'Live', exact: true }).click();
    const member = page
      .getByRole('list', { name: 'People in Sales weekly' })
      .getByRole('listitem')
      .filter({ hasText: '102' });
    await member.waitFor();
    await member.getByText('Talking').waitFor({ state: 'attached', timeout: 15_000 });
    await member.getByRole('button', { name: /Kick/ }).click();
    await page
      .getByRole('dialog', { name: 'Remove from the conference?' })
      .getByRole('button', { name: 'Kick' })
      .click();
    await phone!.event('CALL_CLOSED');
    await member.waitFor({ state: 'detached' });
  } catch (err) {
    // What was on screen and what the phone saw, so a failure on a busy machine says where it stopped.
    const screen = (
      await page
        .locator('main, dialog[open]')
        .allTextContents()
        .catch(() => [])
    ).join(' | ');
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${msg}\n--- screen: ${screen}\n--- baresip: ${phone?.output.slice(-1500)}`);
  }
});
