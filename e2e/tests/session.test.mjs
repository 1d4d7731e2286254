// Sessions: a deep link survives a reload (refresh cookie), logout sends deep links to the login
// screen and back after login, profile edits, password change, and visible validation errors.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, hashOf, launchBrowser, openPage, PASSWORD, startServer, uiCreateTicket,
  uiLogin, uiRegister, unique, waitForHash,
} from '../lib/harness.mjs';

describe('sessions', () => {
  let server;
  let browser;
  let ui;
  let ticketId;
  const id = unique();
  const email = `sam-${id}@example.com`;
  const topic = `Cannot print invoices ${id}`;
  const newPassword = 'An0ther-secret!';

  before(async () => {
    server = await startServer();
    server.createUser('agent3', 'agent');
    browser = await launchBrowser();
    ui = await openPage(browser, server);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('shows field errors from the server next to their fields', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/#/register`);
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Password', { exact: true }).fill('12345678');
    await page.getByLabel('Confirm password').fill('12345678');
    await page.getByRole('button', { name: 'Create account' }).click();
    const emailError = page.locator('#register-form .field', { has: page.getByLabel('Email') }).locator('.field-error');
    await emailError.waitFor();
    assert.ok((await emailError.textContent()).length > 0);
    assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    // With a valid email, the password policy error shows next to the password.
    await page.getByLabel('Email').fill(`weak-${id}@example.com`);
    await page.getByRole('button', { name: 'Create account' }).click();
    const pwError = page.locator('#register-form .field', { has: page.getByLabel('Password', { exact: true }) }).locator('.field-error');
    await pwError.waitFor();
    assert.match(await pwError.textContent(), /numeric|common|short|characters/i);
    assert.equal(await emailError.count(), 0, 'the old email error is cleared');
    // Announced through the live region too.
    assert.equal(await page.locator('#notices').getAttribute('aria-live'), 'polite');
    assert.ok((await page.locator('#notices .notice-error').count()) >= 1);
    assert.match(await hashOf(page), /^#\/register$/);
  });

  it('registers and keeps the ticket deep link across a reload', async () => {
    const { page } = ui;
    await uiRegister(page, { first: 'Sam', last: 'Sample', email });
    await waitForHash(page, /^#\/tickets$/);
    ticketId = await uiCreateTicket(page, { topic });
    await page.reload();
    await page.locator('#ticket-title', { hasText: topic }).waitFor();
    assert.equal(await hashOf(page), `#/tickets/${ticketId}`);
    assert.equal(await page.locator('#login-form').count(), 0);
    // The access token is never stored in web storage.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert.equal(stored, '{}{}');
  });

  it('edits the ticket topic and description in a dialog', async () => {
    const { page } = ui;
    await page.locator('#edit-ticket').click();
    const dialog = page.getByRole('dialog', { name: 'Edit ticket' });
    await dialog.getByLabel('Topic').fill(`${topic} (edited)`);
    await dialog.getByLabel('Description').fill('Only the invoices fail; other documents print.');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(async () => assert.equal((await page.locator('#ticket-title').textContent()).replace(/^#\d+/, ''), `${topic} (edited)`));
    assert.equal(await page.locator('#ticket-description').textContent(), 'Only the invoices fail; other documents print.');
    await page.locator('#activity-list .action-updated').first().waitFor();
  });

  it('edits the profile and shows the new name', async () => {
    const { page } = ui;
    await page.locator('#account-name').click();
    await waitForHash(page, /^#\/profile$/);
    await page.getByLabel('First name').fill('Samantha');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.locator('#notices').getByText('Profile saved.').waitFor();
    await eventually(async () => assert.equal(await page.locator('#account-name').textContent(), 'Samantha Sample'));
    await page.reload();
    await eventually(async () => assert.equal(await page.getByLabel('First name').inputValue(), 'Samantha'));
  });

  it('changes the password (wrong current password is an error next to the field)', async () => {
    const { page } = ui;
    await page.getByLabel('Current password').fill('wrong-password-1');
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#password-form .form-error, #password-form .field-error').first().waitFor();
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#notices .notice-success').last().waitFor();
    await eventually(async () => assert.equal(await page.getByLabel('Current password').inputValue(), ''));
    // The session goes on with the fresh access token.
    await page.getByRole('link', { name: 'My tickets' }).click();
    await page.locator('#ticket-list .ticket-item', { hasText: topic }).waitFor();
  });

  it('logs out; the deep link then leads to the login screen and back after login', async () => {
    const { page } = ui;
    await page.locator('#logout-button').click();
    await waitForHash(page, /^#\/login$/);
    // A fresh load of the deep link: the refresh cookie is gone, so the login screen shows.
    await page.goto('about:blank');
    await page.goto(`${server.url}/#/tickets/${ticketId}`);
    await waitForHash(page, /^#\/login$/);
    await page.locator('#login-form').waitFor();
    // The old password no longer works; the new one does.
    await uiLogin(page, email, PASSWORD);
    await page.locator('#login-form .form-error').waitFor();
    assert.match(await hashOf(page), /^#\/login$/);
    await uiLogin(page, email, newPassword);
    await waitForHash(page, new RegExp(`^#/tickets/${ticketId}$`));
    await page.locator('#ticket-title', { hasText: topic }).waitFor();
  });

  it('lets staff change priority and unassign, and the customer reopen a resolved ticket', async () => {
    const staffUi = await openPage(browser, server);
    const sp = staffUi.page;
    await uiLogin(sp, 'agent3');
    await waitForHash(sp, /^#\/staff\/open$/);
    await sp.goto(`${server.url}/#/tickets/${ticketId}`);
    await sp.locator('#ticket-title', { hasText: topic }).waitFor();
    await sp.locator('#assign-me').click();
    await sp.locator('#controls-form select[name="priority"]').selectOption('critical');
    await sp.locator('#save-controls').click();
    await sp.locator('.ticket-badges [data-priority="critical"]').waitFor();
    await eventually(async () => assert.match(await sp.locator('#ticket-details').textContent(), /Assigned to\s*agent3/));
    // The picker lists agents and admins plus "Unassigned".
    const options = await sp.locator('#controls-form select[name="assigned_to"] option').allTextContents();
    assert.equal(options[0], 'Unassigned');
    assert.ok(options.some((o) => o.startsWith('agent3')));
    await sp.locator('#controls-form select[name="assigned_to"]').selectOption('');
    await sp.locator('#controls-form select[name="status"]').selectOption('resolved');
    await sp.locator('#save-controls').click();
    await sp.locator('.ticket-badges [data-status="resolved"]').waitFor();
    await eventually(async () => assert.match(await sp.locator('#ticket-details').textContent(), /Assigned to\s*Nobody yet/));
    await sp.locator('#activity-list').getByText('agent3 unassigned the ticket').waitFor();
    assertClean(staffUi);
    await staffUi.context.close();

    const { page } = ui;
    await page.reload();
    await page.locator('.ticket-badges [data-status="resolved"]').waitFor();
    await page.locator('#reopen-ticket').click();
    await page.locator('.ticket-badges [data-status="open"]').waitFor();
    assert.equal(await page.locator('#reopen-ticket').count(), 0);
  });

  it('logs in with the username as well', async () => {
    const other = await openPage(browser, server);
    const me = await server.api.call('GET', '/api/v1/users/profile/', { token: await server.api.login(email, newPassword) });
    await uiLogin(other.page, me.body.username, newPassword);
    await waitForHash(other.page, /^#\/tickets$/);
    await other.page.locator('#ticket-list .ticket-item', { hasText: topic }).waitFor();
    assertClean(other);
    await other.context.close();
    assertClean(ui);
  });
});
