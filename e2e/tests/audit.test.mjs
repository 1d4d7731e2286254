// Admin audit log (issue 13): an admin's role change and deactivation and the operator's
// command-line account creation show on the "Audit log" page, newest first, with who, whom, what
// and from where; the action filter is a deep link; customers cannot reach the page.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

describe('audit log', () => {
  let server;
  let browser;
  const id = unique();
  const target = { email: `fay-${id}@example.com`, username: `fay${id}` };

  before(async () => {
    server = await startServer();
    server.createUser('admin1', 'admin');
    browser = await launchBrowser();
    await server.api.register({ ...target, first_name: 'Fay', last_name: 'Field' });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('lists account changes for the admin, newest first, with a filter', async () => {
    const ui = await openPage(browser, server);
    const { page } = ui;
    await uiLogin(page, 'admin1');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.getByRole('link', { name: 'Users' }).click();
    const row = page.locator(`#user-list .user-row[data-username="${target.username}"]`);
    await row.getByLabel(`Role of ${target.username}`).selectOption('agent');
    await row.getByRole('button', { name: 'Change role' }).click();
    await page.locator('#notices').getByText(`${target.username} is now Agent.`).waitFor();

    await page.getByRole('link', { name: 'Audit log' }).click();
    await waitForHash(page, /^#\/admin\/audit$/);
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await eventually(async () => assert.equal(await page.locator('#audit-summary').textContent(), 'Showing 2 of 2 entries'));
    const rows = page.locator('#audit-list .audit-row');
    const first = rows.nth(0);
    assert.equal(await first.getAttribute('data-action'), 'user.role_changed');
    assert.equal(await first.locator('.audit-target').textContent(), target.username);
    assert.match(await first.textContent(), /Role changed/);
    assert.match(await first.textContent(), /customer → agent/);
    assert.match(await first.locator('.audit-who').textContent(), /by admin1 from 127\.0\.0\.1/);
    const second = rows.nth(1);
    assert.equal(await second.getAttribute('data-action'), 'user.created');
    assert.match(await second.locator('.audit-who').textContent(), /by the command line \(cli\)/);

    await page.getByLabel('Action').selectOption('user.created');
    await waitForHash(page, /^#\/admin\/audit\?action=user\.created$/);
    await eventually(async () => assert.equal(await page.locator('#audit-summary').textContent(), 'Showing 1 of 1 entries'));
    assert.equal(await rows.nth(0).locator('.audit-target').textContent(), 'admin1');
    assertClean(ui);
    await ui.context.close();
  });

  it('is not offered to customers', async () => {
    const customer = { email: `gil-${id}@example.com`, username: `gil${id}` };
    await server.api.register(customer);
    const ui = await openPage(browser, server);
    const { page } = ui;
    await uiLogin(page, customer.username);
    await waitForHash(page, /^#\/tickets/);
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
    await page.evaluate(() => { window.location.hash = '#/admin/audit'; });
    await waitForHash(page, /^#\/tickets/);
    const token = await server.api.login(customer.username);
    await server.api.call('GET', '/api/v1/audit/', { token, expect: 403 });
    assertClean(ui);
    await ui.context.close();
  });
});
