/**
 * The user form's "May call external numbers" checkbox in Debian's Chromium against a real Parley
 * server: ticked for a new user and for users from before, unticked and saved it reaches the API as
 * `canCallOut: false`, and the form shows it unticked when opened again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn } from './console-harness.ts';
import { consoleSession, NO_CHROMIUM, seedUsers } from './helpers/console-session.ts';

const LABEL = 'May call external numbers';

const session = consoleSession({
  seed: async (store, ctx) => {
    await seedUsers(store, ctx, '101');
  },
});

test('the user form sets whether a user may call external numbers', {
  skip: NO_CHROMIUM,
}, async () => {
  const { page } = session;
  await signIn(page, session.server);
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();

  await page.getByRole('button', { name: 'Add a user' }).click();
  const fresh = page.getByRole('dialog', { name: 'New user' });
  assert.equal(await fresh.getByLabel(LABEL).isChecked(), true, 'ticked for a new user');
  await fresh.getByRole('button', { name: 'Cancel' }).click();

  const edit = () =>
    page
      .getByRole('row', { name: /Alice Martin/ })
      .getByRole('button', { name: /Edit/ })
      .click();
  await edit();
  const form = page.getByRole('dialog', { name: 'Edit user 101' });
  const box = form.getByLabel(LABEL);
  assert.equal(await box.isChecked(), true, 'ticked for a user from before');
  await box.uncheck();
  const [saved] = await Promise.all([
    page.waitForResponse((r) => /\/api\/users\/[^/]+$/.test(r.url()) && r.request().method() === 'PATCH'),
    form.getByRole('button', { name: 'Save' }).click(),
  ]);
  assert.equal(saved.status(), 200);
  assert.equal(((await saved.json()) as { canCallOut?: boolean }).canCallOut, false);
  await form.waitFor({ state: 'detached' });

  const users = await page.request.get(`${session.server.baseUrl}/api/users`);
  const list = (await users.json()) as { items?: Array<{ extension: string; canCallOut: boolean }> };
  const items = Array.isArray(list) ? list : (list.items ?? []);
  assert.equal(items.find((u) => u.extension === '101')?.canCallOut, false);

  await edit();
  assert.equal(
    await page.getByRole('dialog', { name: 'Edit user 101' }).getByLabel(LABEL).isChecked(),
    false,
  );
});
