// Phone width (360 px, no horizontal scroll), keyboard use of the create dialog (focus trap, Esc,
// focus return), labels on every field, and the dark theme.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, launchBrowser, openPage, screenshot, startServer, uiCreateTicket, uiRegister, unique, waitForHash,
} from '../lib/harness.mjs';

const PHONE = { width: 360, height: 740 };

async function assertNoHorizontalScroll(page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= 360, `scrollWidth ${scrollWidth} > 360 (clientWidth ${clientWidth})`);
}

async function assertAllFieldsLabelled(page) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden')
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.outerHTML.slice(0, 120)));
  assert.deepEqual(unlabelled, []);
}

describe('phone, keyboard and themes', () => {
  let server;
  let browser;
  let phone;
  let ticketId;
  const id = unique();
  const email = `phone-${id}@example.com`;
  const longWord = 'Supercalifragilisticexpialidocious'.repeat(4);

  before(async () => {
    server = await startServer();
    server.createUser('agentp', 'agent');
    browser = await launchBrowser();
    phone = await openPage(browser, server, { viewport: PHONE });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('has no horizontal scroll at 360 px on login, dashboard and ticket view', async () => {
    const { page } = phone;
    await page.locator('#login-form').waitFor();
    await assertNoHorizontalScroll(page);
    await assertAllFieldsLabelled(page);
    await uiRegister(page, { first: 'Pat', last: 'Phone', email });
    await waitForHash(page, /^#\/tickets$/);
    await page.getByText('You have no tickets yet.').waitFor();
    await assertNoHorizontalScroll(page);
    await assertAllFieldsLabelled(page);
    ticketId = await uiCreateTicket(page, {
      topic: `Phone ${longWord}`,
      description: `A long unbroken line: ${longWord}${longWord}\nhttps://example.com/${'a'.repeat(120)}`,
      priority: 'Critical',
      files: [{ name: `${'long-file-name-'.repeat(8)}.txt`, mimeType: 'text/plain', buffer: Buffer.from('x') }],
    });
    await page.getByLabel('Your reply').fill(`Reply with ${longWord}`);
    await page.locator('#reply-submit').click();
    await page.locator('#thread .message').first().waitFor();
    await assertNoHorizontalScroll(page);
    await assertAllFieldsLabelled(page);
    await screenshot(page, 'phone-ticket-view');
    await page.getByRole('link', { name: 'My tickets' }).click();
    await page.locator('#ticket-list .ticket-item').first().waitFor();
    await assertNoHorizontalScroll(page);
    await screenshot(page, 'phone-dashboard');
    // Filters fold behind a toggle on phones; opened, they fit too.
    assert.equal(await page.locator('#filters').isVisible(), false);
    await page.locator('summary.filters-toggle').click();
    await page.locator('#filters').getByRole('checkbox', { name: 'Critical' }).check();
    await waitForHash(page, /priority=critical/);
    await page.locator('summary.filters-toggle', { hasText: 'Filters (1 active)' }).waitFor();
    await page.locator('#ticket-list .ticket-item').first().waitFor();
    await assertNoHorizontalScroll(page);
    assertClean(phone);
  });

  it('opens the create dialog by keyboard, traps focus, closes on Esc and returns focus', async () => {
    const desk = await openPage(browser, server);
    const { page } = desk;
    await page.locator('#login-form').waitFor();
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('Str0ng-pass!');
    await page.keyboard.press('Enter');
    await waitForHash(page, /^#\/tickets$/);
    await page.locator('#ticket-list .ticket-item').first().waitFor();

    // Reach the button with Tab only.
    let reached = false;
    for (let i = 0; i < 40 && !reached; i += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'new-ticket');
    }
    assert.ok(reached, 'the "New ticket" button is reachable with Tab');
    // The focused element shows a visible focus ring.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none');
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog#create-dialog');
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.name), 'topic');
    await assertAllFieldsLabelled(page);

    for (let i = 0; i < 15; i += 1) {
      await page.keyboard.press('Tab');
      assert.ok(await page.evaluate(() => Boolean(document.activeElement && document.activeElement.closest('dialog[open]'))),
        `focus left the dialog after ${i + 1} Tab presses`);
    }
    for (let i = 0; i < 15; i += 1) {
      await page.keyboard.press('Shift+Tab');
      assert.ok(await page.evaluate(() => Boolean(document.activeElement && document.activeElement.closest('dialog[open]'))),
        `focus left the dialog after ${i + 1} Shift+Tab presses`);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'new-ticket');

    // Submitting empty shows errors next to the fields (keyboard only).
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.locator('#create-submit').focus();
    await page.keyboard.press('Enter');
    await dialog.locator('.field-error').first().waitFor();
    assert.equal(await dialog.getByLabel('Topic').getAttribute('aria-invalid'), 'true');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assertClean(desk);
    await desk.context.close();
  });

  it('renders a dark theme when the system prefers it', async () => {
    const dark = await openPage(browser, server, { colorScheme: 'dark' });
    const { page } = dark;
    await page.getByLabel('Email or username').fill('agentp');
    await page.getByLabel('Password', { exact: true }).fill('Str0ng-pass!');
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitForHash(page, /^#\/staff\/open$/);
    await page.goto(`${server.url}/#/tickets/${ticketId}`);
    await page.locator('#thread .message').first().waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 150, `dark background expected, got ${bg}`);
    await screenshot(page, 'dark-ticket-view');
    assertClean(dark);
    await dark.context.close();
  });
});
