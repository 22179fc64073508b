/**
 * The management console end to end, in Debian's Chromium against a real `parley serve`, following the
 * seed: sign in, add a conference with its fields, see one pending change, apply, find it in production,
 * a desk phone (baresip) dials its extension, hears the receptionist, types the code and shows up on the
 * Live page, edit it, invite an extension, point an incoming number at it, delete it — and refused input
 * shows the API's own message beside the field. Controls are found by their visible names, as a person
 * would find them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { signIn, toneWav } from './console-harness.ts';
import { BARESIP, Baresip } from './helpers/baresip.ts';
import { consoleSession, NO_CHROMIUM, seedUsers } from './helpers/console-session.ts';

const session = consoleSession({
  seed: async (store, ctx) => {
    await seedUsers(store, ctx, '101', '102');
    await store.create('incomingNumbers', { number: '+3221234567', destination: { type: 'none' } }, ctx);
  },
});

/** Root mean square of 16-bit samples: speech or a prompt is well above a silent line's few units. */
function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

/** The Apply changes button's pending count, read from its visible badge. */
async function pendingCount(page: Page): Promise<number> {
  const text = (await page.getByRole('button', { name: /Apply changes/ }).textContent()) ?? '';
  const m = /(\d+)/.exec(text);
  assert.ok(m, `no count on the Apply changes button: "${text}"`);
  return Number(m[1]);
}

/** Waits until the Apply changes count is `n` (the draft is refreshed after each write). */
async function waitPending(page: Page, n: number): Promise<void> {
  await page.getByRole('button', { name: new RegExp(`Apply changes\\s*${n} pending`) }).waitFor();
  assert.equal(await pendingCount(page), n);
}

/** The text of the message tied to a control through aria-describedby (the API's words beside it). */
async function messageBeside(page: Page, label: string): Promise<string> {
  const control = page.getByLabel(label, { exact: true });
  const ids = (await control.getAttribute('aria-describedby')) ?? '';
  assert.equal(await control.getAttribute('aria-invalid'), 'true', `${label} is not marked invalid`);
  const texts: string[] = [];
  for (const id of ids.split(/\s+/).filter(Boolean))
    texts.push((await page.locator(`[id="${id}"]`).textContent()) ?? '');
  return texts.join(' ');
}

test('the console, following the seed', {
  skip: NO_CHROMIUM,
}, async (t) => {
  const { page } = session;
  const s = session.server;
  t.diagnostic(`server mode: ${s.mode}`);

  await t.test('the build: the console at /, any console path, and the phone page at /phone', async () => {
    const root = await page.request.get(`${s.baseUrl}/`);
    const deep = await page.request.get(`${s.baseUrl}/conferences?view=live`);
    const phone = await page.request.get(`${s.baseUrl}/phone`);
    for (const r of [root, deep, phone]) {
      assert.equal(r.status(), 200);
      assert.match(r.headers()['content-type'] ?? '', /text\/html/);
    }
    const html = await root.text();
    assert.match(html, /<script type="module"[^>]+src="\/assets\/console-[^"]+\.js"/);
    assert.equal(await deep.text(), html, 'the SPA fallback serves the console');
    assert.notEqual(await phone.text(), html, '/phone is its own page');
  });

  await t.test('sign in', async () => {
    await page.goto(s.baseUrl);
    await page.getByRole('heading', { name: /Sign in/ }).waitFor();
    await page.getByLabel('Username').fill(s.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
    await signIn(page, s);
    const nav = page.getByRole('navigation', { name: 'Main menu' });
    for (const item of ['Users', 'Conferences', 'Incoming numbers', 'Trunks', 'Live', 'History']) {
      assert.equal(await nav.getByRole('link', { name: item, exact: true }).count(), 1, `menu item ${item}`);
    }
    await page.getByRole('banner').getByText(`Signed in as ${s.username}`).waitFor();
    assert.equal(await pendingCount(page), 0);
  });

  await t.test('add a conference with the seed fields, see one pending change', async () => {
    await page.getByRole('link', { name: 'Conferences', exact: true }).click();
    await page.getByRole('heading', { name: 'Conferences', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Add a conference' }).click();
    const form = page.getByRole('dialog', { name: 'New conference' });
    await form.waitFor();
    await form.getByLabel('Name').fill('Sales weekly');
    await form.getByLabel('Internal extension').fill('800');
    await form.getByLabel('Access code').fill('4321');
    await form.getByLabel('Administrator extension').selectOption({ label: '101 — Alice Martin' });
    await form
      .getByLabel('Wait for the administrator to start the conference')
      .selectOption({ label: 'Yes' });
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/conferences') && r.request().method() === 'POST'),
      form.getByRole('button', { name: 'Save' }).click(),
    ]);
    assert.equal(res.status(), 201);
    await form.waitFor({ state: 'detached' });
    const row = page.getByRole('row', { name: /Sales weekly/ });
    await row.waitFor();
    const cells = await row.getByRole('cell').allInnerTexts();
    assert.equal(cells[0], '800');
    assert.ok(!cells.join(' ').includes('4321'), 'the access code is masked in the list');
    assert.match(cells[2]!, /^101\b/);
    assert.equal(cells[3], 'Yes');
    await waitPending(page, 1);
  });

  await t.test('apply: the change listed field by field, then the new version', async () => {
    await page.getByRole('button', { name: /Apply changes/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply changes' });
    await dialog.getByRole('listitem').filter({ hasText: 'Sales weekly' }).waitFor();
    const rows = await dialog.getByRole('row').allInnerTexts();
    assert.ok(
      rows.some((r) => /Internal extension\s+800/.test(r)),
      `diff rows: ${rows.join(' | ')}`,
    );
    assert.ok(rows.some((r) => /Administrator extension\s+101/.test(r)));
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/apply')),
      dialog.getByRole('button', { name: 'Apply 1 change' }).click(),
    ]);
    assert.equal(res.status(), 200);
    const { version } = (await res.json()) as { version: number };
    await dialog.getByText(`Production now runs version ${version}.`).waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();
    await waitPending(page, 0);
  });

  await t.test('find it in production (?view=live)', async () => {
    await page.getByLabel('In production').check();
    await page.waitForURL(/\/conferences\?view=live$/);
    await page.getByRole('row', { name: /Sales weekly/ }).waitFor();
    const live = await page.request.get(`${s.baseUrl}/api/conferences?view=live`);
    const body = (await live.json()) as { items: Array<{ name: string; extension: string }> };
    assert.ok(body.items.some((c) => c.name === 'Sales weekly' && c.extension === '800'));
    await page.getByLabel('Draft').check();
    await page.waitForURL(/\/conferences$/);
  });

  await t.test(
    'a real SIP client calls its extension, reaches the receptionist, and shows up live',
    async (t) => {
      if (s.mode !== 'serve' || !BARESIP) {
        t.skip(BARESIP ? 'needs parley serve (the PBX)' : 'baresip is not installed');
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'parley-console-call-'));
      // Alice (101) is the room's administrator: her phone dials the conference's internal extension.
      const phone = await Baresip.start({
        extension: '101',
        password: 'alice-secret-1',
        domain: s.domain!,
        pbxPort: s.sipPort!,
        source: toneWav(join(dir, 'tone.wav')),
      });
      try {
        await phone.registered();
        await page.getByRole('link', { name: 'Live', exact: true }).click();
        await page.getByRole('heading', { name: /Sales weekly/ }).waitFor();
        await phone.command('dial', '800');
        await phone.event('CALL_ESTABLISHED');
        // The digital receptionist asks for the access code: let it speak, then type the code and #.
        await new Promise((r) => setTimeout(r, 2500));
        await phone.sendDigits('4321#');
        const alice = page
          .getByRole('list', { name: 'People in Sales weekly' })
          .getByRole('listitem')
          .filter({ hasText: 'Alice Martin' });
        await alice.getByText('Administrator').waitFor();
        await phone.command('hangup');
        await phone.event('CALL_CLOSED');
        await alice.waitFor({ state: 'detached' });
        // What the phone heard first (its recording is whole once the call is over): the prompt.
        const { samples, sampleRate } = phone.received();
        const asked = rms(samples.subarray(0, 2 * sampleRate));
        t.diagnostic(`receptionist RMS ${asked.toFixed(0)}`);
        assert.ok(asked > 200, `the receptionist said something before the code (RMS ${asked.toFixed(0)})`);
      } finally {
        await phone.stop();
        rmSync(dir, { recursive: true, force: true });
        await page.getByRole('link', { name: 'Conferences', exact: true }).click();
      }
    },
  );

  await t.test('edit it', async () => {
    await page
      .getByRole('row', { name: /Sales weekly/ })
      .getByRole('button', { name: /Edit/ })
      .click();
    const form = page.getByRole('dialog', { name: 'Edit conference' });
    assert.equal(await form.getByLabel('Internal extension').inputValue(), '800');
    await form.getByLabel('Name').fill('Sales weekly sync');
    await form.getByLabel('Wait for the administrator to start the conference').selectOption({ label: 'No' });
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    const row = page.getByRole('row', { name: /Sales weekly sync/ });
    await row.getByText('Changed, not applied yet').waitFor();
    assert.equal((await row.getByRole('cell').allInnerTexts())[3], 'No');
    await waitPending(page, 1);
  });

  await t.test('invite an extension', async () => {
    await page
      .getByRole('row', { name: /Sales weekly sync/ })
      .getByRole('button', { name: /Invite/ })
      .click();
    const dialog = page.getByRole('dialog', { name: /Invite to/ });
    await dialog.getByLabel('Please enter the phone number of the person you want to invite').fill('102');
    const [req, res] = await Promise.all([
      page.waitForRequest((r) => /\/api\/conferences\/[^/]+\/invite$/.test(r.url())),
      page.waitForResponse((r) => /\/api\/conferences\/[^/]+\/invite$/.test(r.url())),
      dialog.getByRole('button', { name: 'Invite', exact: true }).click(),
    ]);
    assert.deepEqual(req.postDataJSON(), { destination: '102' });
    if (res.status() === 202) {
      // A PBX is running: the call's progress is shown, starting with the call itself.
      await dialog.getByText('Calling 102').waitFor();
    } else {
      // No PBX in this server: the API's reason is shown, in plain words, beside the number.
      const { error } = (await res.json()) as { error: { message: string } };
      t.diagnostic(`invite refused (${res.status()}): ${error.message}`);
      assert.ok(error.message.length > 0);
      assert.equal(
        await messageBeside(page, 'Please enter the phone number of the person you want to invite').then(
          (m) => m.includes(error.message),
        ),
        true,
      );
    }
    await dialog
      .getByRole('button', { name: /Close|Cancel/ })
      .last()
      .click();
    await dialog.waitFor({ state: 'detached' });
  });

  await t.test('point an incoming number at it', async () => {
    await page.getByRole('link', { name: 'Incoming numbers', exact: true }).click();
    await page
      .getByRole('row', { name: /\+3221234567/ })
      .getByRole('button', { name: /Edit/ })
      .click();
    const form = page.getByRole('dialog', { name: /Edit \+3221234567/ });
    await form.getByLabel('Destination type for voice call').selectOption({ label: 'Conference' });
    await form.getByLabel('Conference', { exact: true }).selectOption({ label: 'Sales weekly sync (800)' });
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    await page
      .getByRole('row', { name: /\+3221234567/ })
      .getByText('Conference Sales weekly sync')
      .waitFor();
    await waitPending(page, 2);
  });

  await t.test('delete it (after confirming)', async () => {
    await page.getByRole('link', { name: 'Conferences', exact: true }).click();
    await page
      .getByRole('row', { name: /Sales weekly sync/ })
      .getByRole('button', { name: /Delete/ })
      .click();
    const confirm = page.getByRole('dialog', { name: 'Delete the conference?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('row', { name: /Sales weekly sync/ }).waitFor();
    await page
      .getByRole('row', { name: /Sales weekly sync/ })
      .getByRole('button', { name: /Delete/ })
      .click();
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('row', { name: /Sales weekly sync/ }).waitFor({ state: 'detached' });
    // The incoming number still points at it: Apply refuses the draft and says why.
    await page.getByRole('button', { name: /Apply changes/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply changes' });
    await dialog.getByText('Deleted').first().waitFor();
    const apply = dialog.getByRole('button', { name: /^Apply \d+ changes?$/ });
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/apply')),
      apply.click(),
    ]);
    t.diagnostic(`apply after the delete: ${res.status()}`);
    if (res.status() === 422) {
      const body = (await res.json()) as { errors: Array<{ message: string }> };
      assert.ok(body.errors.length > 0);
      await dialog.getByRole('alert').getByText(body.errors[0]!.message, { exact: false }).waitFor();
      await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    } else {
      assert.equal(res.status(), 200, 'Apply either refuses the dangling reference or applies');
      await dialog.getByText(/Production now runs version/).waitFor();
      await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    }
  });

  await t.test('history: what changed in each version, restore one into the draft', async () => {
    await page.getByRole('link', { name: 'History', exact: true }).click();
    const v2 = page.getByRole('listitem').filter({ hasText: 'Version 2' });
    await v2.getByRole('button', { name: /What changed/ }).click();
    await v2.getByRole('listitem').filter({ hasText: 'Sales weekly' }).getByText('New').waitFor();
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    const confirm = page.getByRole('dialog', { name: 'Restore version 1?' });
    await confirm.getByRole('button', { name: 'Restore into the draft' }).click();
    await page.getByText('Version 1 was copied into the draft.').waitFor();
    // Version 1 had no conference: against production (version 2) the draft now removes it, and the
    // pending edits of the conference and the incoming number are gone.
    await waitPending(page, 1);
    await page.getByRole('button', { name: /Apply changes/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply changes' });
    await dialog.getByRole('listitem').filter({ hasText: 'Sales weekly' }).getByText('Deleted').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: 'Conferences', exact: true }).click();
  });

  await t.test('discard all changes: the list on screen shows production again', async () => {
    // The restored draft has no conference; production still has it.
    await page.getByRole('heading', { name: 'Conferences', level: 1 }).waitFor();
    assert.equal(await page.getByRole('row', { name: /Sales weekly/ }).count(), 0);
    await page.getByRole('button', { name: /Apply changes/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply changes' });
    await dialog.getByRole('button', { name: 'Discard all changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    await waitPending(page, 0);
    await page.getByRole('row', { name: /Sales weekly/ }).waitFor();
  });

  await t.test('users: a new extension with a generated SIP password and its phone settings', async () => {
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('button', { name: 'Add a user' }).click();
    const form = page.getByRole('dialog', { name: 'New user' });
    await form.getByLabel('Extension').fill('103');
    await form.getByLabel('Name').fill('Claire Peeters');
    const password = form.getByLabel('SIP password');
    assert.equal(await password.getAttribute('type'), 'password');
    await form.getByRole('button', { name: 'Show' }).click();
    assert.equal(await password.getAttribute('type'), 'text');
    const generated = await password.inputValue();
    assert.match(generated, /^[A-Za-z0-9]{20}$/);
    await form.getByRole('button', { name: 'Generate' }).click();
    assert.notEqual(await password.inputValue(), generated);
    const settings = form.getByRole('complementary', { name: 'Phone and Odoo settings' });
    const wsUrl = `${s.baseUrl.replace(/^http/, 'ws')}/ws`;
    await settings.getByText(wsUrl, { exact: true }).waitFor();
    await settings.getByText('103', { exact: true }).waitFor();
    const me = (await (await page.request.get(`${s.baseUrl}/api/me`)).json()) as { domain?: string };
    await settings.getByText(me.domain ?? '127.0.0.1', { exact: true }).waitFor();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /Claire Peeters/ }).waitFor();
    await waitPending(page, 1);
    await page.getByRole('link', { name: 'Conferences', exact: true }).click();
  });

  await t.test('refused input shows the API message beside the field', async () => {
    await page.getByRole('button', { name: 'Add a conference' }).click();
    const form = page.getByRole('dialog', { name: 'New conference' });
    await form.getByLabel('Name').fill('Support');
    await form.getByLabel('Internal extension').fill('80a');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/conferences') && r.request().method() === 'POST'),
      form.getByRole('button', { name: 'Save' }).click(),
    ]);
    assert.ok(res.status() >= 400 && res.status() < 500, `status ${res.status()}`);
    const body = (await res.json()) as { errors?: Array<{ path: string; message: string }> };
    const apiMessage = body.errors?.find((e) => e.path.endsWith('extension'))?.message;
    assert.ok(apiMessage, `the API names the extension: ${JSON.stringify(body)}`);
    await form.getByText(apiMessage).waitFor();
    assert.ok((await messageBeside(page, 'Internal extension')).includes(apiMessage));
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
  });
  await t.test('keyboard alone: open the form, move through its fields, Escape closes it', async () => {
    const add = page.getByRole('button', { name: 'Add a conference' });
    await add.focus();
    await page.keyboard.press('Enter');
    const form = page.getByRole('dialog', { name: 'New conference' });
    await form.waitFor();
    const focusedLabel = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement | null;
        return el?.labels?.[0]?.textContent ?? el?.getAttribute('aria-label') ?? el?.tagName ?? '';
      });
    assert.equal(await focusedLabel(), 'Name');
    await page.keyboard.press('Tab');
    assert.equal(await focusedLabel(), 'Internal extension');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
  });

  await t.test('a narrow screen: the menu folds away and nothing overflows sideways', async () => {
    await page.setViewportSize({ width: 390, height: 760 });
    try {
      const nav = page.getByRole('navigation', { name: 'Main menu' });
      assert.equal(await nav.isVisible(), false);
      await page.getByRole('button', { name: 'Menu' }).click();
      await nav.getByRole('link', { name: 'Incoming numbers', exact: true }).click();
      await page.getByRole('heading', { name: 'Incoming numbers', level: 1 }).waitFor();
      await page.getByRole('row', { name: /\+3221234567/ }).waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.equal(overflow, 0, 'the page scrolls sideways on a 390 px screen');
      assert.ok(await page.getByRole('button', { name: /Apply changes/ }).isVisible());
      await page.getByRole('button', { name: 'Add an incoming number' }).click();
      const form = page.getByRole('dialog', { name: 'New incoming number' });
      const box = (await form.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `the form fits the screen: ${JSON.stringify(box)}`);
      await form.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
  await t.test('console access: a login limited to conferences sees only what it may do', async () => {
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page
      .getByRole('row', { name: /Claire Peeters/ })
      .getByRole('button', { name: /Edit/ })
      .click();
    const form = page.getByRole('dialog', { name: 'Edit user 103' });
    await form.getByLabel('Console access').check();
    await form.getByLabel('Console username').fill('claire');
    await form.getByLabel('Console password').fill('claire-console-pass');
    const perms = form.getByRole('group', { name: 'Permissions' });
    for (const box of await perms.getByRole('checkbox').all()) await box.uncheck();
    await perms.getByLabel('Add, edit and delete conferences').check();
    const [saved] = await Promise.all([
      page.waitForResponse((r) => /\/api\/users\/[^/]+$/.test(r.url()) && r.request().method() === 'PATCH'),
      form.getByRole('button', { name: 'Save' }).click(),
    ]);
    assert.equal(saved.status(), 200, `${saved.request().postData()} → ${await saved.text()}`);
    await form.waitFor({ state: 'detached' });
    await page
      .getByRole('row', { name: /Claire Peeters/ })
      .getByText('claire', { exact: true })
      .waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Username').fill('claire');
    await page.getByLabel('Password').fill('claire-console-pass');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('banner').getByText('Signed in as claire').waitFor();

    await page.getByRole('link', { name: 'Conferences', exact: true }).click();
    await page.getByRole('button', { name: 'Add a conference' }).waitFor();
    assert.equal(
      await page.getByRole('button', { name: /^Invite/ }).count(),
      0,
      'no Invite without "participants"',
    );
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('row', { name: /Claire Peeters/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Add a user' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /^Edit/ }).count(), 0);
    await page.getByRole('button', { name: /Apply changes/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply changes' });
    await dialog.getByText('Applying needs the “Apply changes” permission').waitFor();
    assert.equal(await dialog.getByRole('button', { name: /^Apply \d+ changes?$/ }).isDisabled(), true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });
});
