/**
 * The phone inside the console: the phone icon in the top bar's upper-right corner opens the browser
 * phone in a pop-over, with the SIP domain from /api/me filled in and the WebSocket URL of the page's own
 * host; signing in with a wrong SIP password says so in plain words; closing the pop-over keeps the console.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  type Browser,
  CHROMIUM,
  type ConsoleServer,
  launchChromium,
  signIn,
  startConsoleServer,
} from './console-harness.ts';

describe('the phone icon of the console', {
  skip: existsSync(CHROMIUM) ? false : 'chromium is not installed',
}, () => {
  let server: ConsoleServer;
  let browser: Browser;

  before(async () => {
    server = await startConsoleServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('opens the phone with the server’s settings; a wrong password is told plainly; closes', async () => {
    const page = browser.page;
    await signIn(page, server);
    const icon = page.locator('header.topbar .topbar-right button.pp-phone-button');
    await icon.waitFor();
    // The upper-right corner: the icon sits right of the page's middle, in the top bar.
    const box = (await icon.boundingBox())!;
    assert.ok(box.x > 640 && box.y < 80, JSON.stringify(box));
    assert.equal(await page.locator('.pp-popover').isVisible(), false);
    await icon.click();
    const phone = page.locator('.pp-popover .pp-phone');
    await phone.waitFor();
    await phone.locator('summary').click();
    const url = new URL(server.baseUrl);
    assert.equal(await phone.locator('input[name=server]').inputValue(), `ws://${url.host}/ws`);
    if (server.domain) assert.equal(await phone.locator('input[name=domain]').inputValue(), server.domain);
    await phone.locator('input[name=extension]').fill('999');
    await phone.locator('input[name=password]').fill('not-a-secret');
    await phone.locator('button[type=submit]').click();
    await phone.locator('[role=alert]').waitFor();
    assert.equal((await phone.locator('[role=alert]').textContent())?.trim(), 'Wrong extension or password.');
    await phone.getByRole('button', { name: 'Close the phone' }).click();
    assert.equal(await page.locator('.pp-popover').isVisible(), false);
    await page.getByRole('navigation', { name: 'Main menu' }).waitFor();
  });
});
