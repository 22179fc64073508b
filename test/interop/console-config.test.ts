/**
 * The console's other configuration pages in Debian's Chromium against a real Parley server: trunks
 * (carrier settings, refused input beside its field, registration status), a new incoming number sent
 * to an extension, and two administrators editing the same conference (the second is told, not
 * silently overwritten).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn } from './console-harness.ts';
import { consoleSession, NO_CHROMIUM, seedUsers } from './helpers/console-session.ts';

const session = consoleSession({
  seed: async (store, ctx) => {
    await seedUsers(store, ctx, '101');
    await store.create('conferences', { name: 'Board meeting', extension: '801', waitForAdmin: false }, ctx);
  },
});

test('trunks, incoming numbers, concurrent edits', {
  skip: NO_CHROMIUM,
}, async (t) => {
  const { page } = session;
  const s = session.server;
  await signIn(page, s);

  await t.test('a trunk: refused input beside its field, then saved with its carrier settings', async () => {
    await page.getByRole('link', { name: 'Trunks', exact: true }).click();
    await page.getByRole('button', { name: 'Add a trunk' }).click();
    const form = page.getByRole('dialog', { name: 'New trunk' });
    await form.getByLabel('Name', { exact: true }).fill('Carrier');
    await form.getByLabel('Host', { exact: true }).fill('not a host!');
    await form.getByLabel('Port', { exact: true }).fill('5080');
    await form.getByLabel('Transport', { exact: true }).selectOption({ label: 'TCP' });
    await form.getByLabel('Register with the carrier', { exact: true }).check();
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/trunks') && r.request().method() === 'POST'),
      form.getByRole('button', { name: 'Save' }).click(),
    ]);
    assert.equal(refused.status(), 422);
    const body = (await refused.json()) as { errors: Array<{ path: string; message: string }> };
    const host = body.errors.find((e) => e.path === 'host')!.message;
    const user = body.errors.find((e) => e.path === 'username')!.message;
    await form.getByText(host).waitFor();
    await form.getByText(user).waitFor();
    assert.equal(await form.getByLabel('Host', { exact: true }).getAttribute('aria-invalid'), 'true');

    await form.getByLabel('Host', { exact: true }).fill('sip.carrier.example');
    await form.getByLabel('Username', { exact: true }).fill('parley');
    await form.getByLabel('Password', { exact: true }).fill('trunk-secret');
    await form.getByLabel('Caller ID', { exact: true }).fill('+3221234567');
    await form.getByLabel('Addresses calls come from', { exact: true }).fill('192.0.2.10\n198.51.100.0/24');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    const row = page.getByRole('row', { name: /Carrier/ });
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    assert.equal(cells[0], 'sip.carrier.example:5080');
    assert.equal(cells[1], 'TCP');
    assert.equal(cells[2], '+3221234567');
    assert.match(cells[3]!, /No status reported|Registered|Failed|Registering/);
    const saved = (await (await page.request.get(`${s.baseUrl}/api/trunks`)).json()) as {
      items: Array<{ inboundAddresses: string[]; password?: string }>;
    };
    assert.deepEqual(saved.items[0]!.inboundAddresses, ['192.0.2.10', '198.51.100.0/24']);
    assert.equal(saved.items[0]!.password, undefined, 'the trunk password is never shown back');
  });

  await t.test('a new incoming number sent to an extension', async () => {
    await page.getByRole('link', { name: 'Incoming numbers', exact: true }).click();
    await page.getByRole('button', { name: 'Add an incoming number' }).click();
    const form = page.getByRole('dialog', { name: 'New incoming number' });
    await form.getByLabel('Number').fill('+3221234500');
    await form.getByLabel('Trunk').selectOption({ label: 'Carrier' });
    await form.getByLabel('Destination type for voice call').selectOption({ label: 'Extension' });
    assert.equal(
      await form.getByLabel('Conference', { exact: true }).count(),
      0,
      'the picker follows the type',
    );
    await form.getByLabel('Extension', { exact: true }).selectOption({ label: '101 — Alice Martin' });
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    const row = page.getByRole('row', { name: /\+3221234500/ });
    await row.getByText('Extension 101').waitFor();
    assert.deepEqual((await row.getByRole('cell').allTextContents()).slice(0, 2), [
      'Carrier',
      'Extension 101',
    ]);
  });

  await t.test('two administrators edit one conference: the later save is refused and says why', async () => {
    await page.getByRole('link', { name: 'Conferences', exact: true }).click();
    await page
      .getByRole('row', { name: /Board meeting/ })
      .getByRole('button', { name: /Edit/ })
      .click();
    const form = page.getByRole('dialog', { name: 'Edit conference' });
    await form.getByLabel('Name').waitFor();
    // Meanwhile, someone else renames it (same account, another tab: the API sees a newer revision).
    const list = (await (await page.request.get(`${s.baseUrl}/api/conferences`)).json()) as {
      items: Array<{ id: string; revision: number }>;
    };
    const csrf = (await page.context().cookies()).find((c) => c.name.includes('csrf'))?.value ?? '';
    const other = await page.request.patch(`${s.baseUrl}/api/conferences/${list.items[0]!.id}`, {
      data: { name: 'Board meeting (renamed elsewhere)', revision: list.items[0]!.revision },
      headers: { 'x-csrf-token': csrf },
    });
    assert.equal(other.status(), 200, await other.text());
    await form.getByLabel('Access code').fill('2468');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'PATCH'),
      form.getByRole('button', { name: 'Save' }).click(),
    ]);
    assert.equal(res.status(), 409);
    const { error } = (await res.json()) as { error: { message: string } };
    await form.getByRole('alert').getByText(error.message).waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('row', { name: /renamed elsewhere/ }).waitFor();
  });
  await t.test('every control on every page and form has a label', async () => {
    const unlabelled = () =>
      page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLInputElement>('input, select, textarea'))
          .filter((el) => el.type !== 'hidden')
          .filter(
            (el) =>
              !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')),
          )
          .map((el) => el.outerHTML.slice(0, 120)),
      );
    const forms: Array<[string, string, string]> = [
      ['Users', 'Add a user', 'New user'],
      ['Conferences', 'Add a conference', 'New conference'],
      ['Incoming numbers', 'Add an incoming number', 'New incoming number'],
      ['Trunks', 'Add a trunk', 'New trunk'],
    ];
    for (const [menu, button, dialogName] of forms) {
      await page.getByRole('link', { name: menu, exact: true }).click();
      await page.getByRole('heading', { name: menu, level: 1 }).waitFor();
      assert.deepEqual(await unlabelled(), [], `${menu} page`);
      await page.getByRole('button', { name: button }).click();
      const dialog = page.getByRole('dialog', { name: dialogName });
      await dialog.waitFor();
      if (menu === 'Users') await dialog.getByLabel('Console access').check();
      assert.deepEqual(await unlabelled(), [], `${dialogName} form`);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    }
    for (const menu of ['Live', 'History']) {
      await page.getByRole('link', { name: menu, exact: true }).click();
      await page.getByRole('heading', { name: menu, level: 1 }).waitFor();
      assert.deepEqual(await unlabelled(), [], `${menu} page`);
    }
  });
});
