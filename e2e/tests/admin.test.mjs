// Admin user management: the user list and its search, a role change, a deactivation after which
// the user cannot log in (and their open session ends), and a new user with a temporary password,
// who is kept on the password screen at the first login. Staff also delete a ticket after
// confirming.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, launchBrowser, openPage, PASSWORD, screenshot, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

describe('admin', () => {
  let server;
  let browser;
  let admin;
  const id = unique();
  const victim = { email: `dana-${id}@example.com`, username: `dana${id}` };
  const promoted = { email: `eli-${id}@example.com`, username: `eli${id}` };

  before(async () => {
    server = await startServer();
    server.createUser('admin1', 'admin');
    browser = await launchBrowser();
    await server.api.register({ ...victim, first_name: 'Dana', last_name: 'Doe' });
    await server.api.register({ ...promoted, first_name: 'Eli', last_name: 'Evans' });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('lists users for the admin', async () => {
    admin = await openPage(browser, server);
    const { page } = admin;
    await uiLogin(page, 'admin1');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.getByRole('link', { name: 'Users' }).click();
    await waitForHash(page, /^#\/admin\/users$/);
    await page.locator(`#user-list .user-row[data-username="${victim.username}"]`).waitFor();
    await eventually(async () => assert.equal(await page.locator('#users-summary').textContent(), 'Showing 3 of 3 users'));
    // The admin cannot lock themselves out from the UI.
    const self = page.locator('#user-list .user-row[data-username="admin1"]');
    assert.equal(await self.getByRole('button', { name: /Deactivate/ }).isDisabled(), true);
    await screenshot(page, 'admin-users');
  });

  it('searches users by name, username or email, with the role filter', async () => {
    const ui = await openPage(browser, server);
    const { page } = ui;
    await uiLogin(page, 'admin1');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator(`#user-list .user-row[data-username="${victim.username}"]`).waitFor();
    // Every word must match, each in any of the fields (here the first name and the email).
    await page.getByLabel('Search users').fill(`dana ${id}@example`);
    await waitForHash(page, /^#\/admin\/users\?q=dana/);
    await eventually(async () => assert.equal(await page.locator('#users-summary').textContent(), 'Showing 1 of 1 users'));
    assert.equal(await page.locator('#user-list .user-row').getAttribute('data-username'), victim.username);
    await page.getByLabel('Search users').fill('EVANS');
    await waitForHash(page, /^#\/admin\/users\?q=EVANS$/);
    await eventually(async () => assert.equal(await page.locator('#user-list .user-row').getAttribute('data-username'), promoted.username));
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await waitForHash(page, /q=EVANS&role=admin/);
    await page.getByText('No users match.').waitFor();
    // The search is a deep link (a focused search box keeps what is typed in it).
    await page.getByLabel('Search users').blur();
    await page.goto(`${server.url}/#/admin/users?q=doe`);
    await eventually(async () => assert.equal(await page.getByLabel('Search users').inputValue(), 'doe'));
    await eventually(async () => assert.equal(await page.locator('#users-summary').textContent(), 'Showing 1 of 1 users'));
    assert.equal(await page.locator('#user-list .user-row').getAttribute('data-username'), victim.username);
    assertClean(ui);
    await ui.context.close();
  });

  it('changes a role', async () => {
    const { page } = admin;
    const row = page.locator(`#user-list .user-row[data-username="${promoted.username}"]`);
    await row.getByLabel(`Role of ${promoted.username}`).selectOption('agent');
    await row.getByRole('button', { name: 'Change role' }).click();
    await page.locator('#notices').getByText(`${promoted.username} is now Agent.`).waitFor();
    const fresh = page.locator(`#user-list .user-row[data-username="${promoted.username}"]`);
    await fresh.locator('.badge.role-agent').waitFor();
    const token = await server.api.login(promoted.email);
    const me = await server.api.call('GET', '/api/v1/users/profile/', { token });
    assert.equal(me.body.role, 'agent');
    // The role filter is a deep link.
    await page.getByLabel('Role', { exact: true }).selectOption('agent');
    await waitForHash(page, /^#\/admin\/users\?role=agent$/);
    await eventually(async () => assert.equal(await page.locator('#users-summary').textContent(), 'Showing 1 of 1 users'));
    await page.goBack();
    await waitForHash(page, /^#\/admin\/users$/);
    await eventually(async () => assert.equal(await page.locator('#users-summary').textContent(), 'Showing 3 of 3 users'));
  });

  it('deactivates a user, who then cannot log in and loses their session', async () => {
    // The victim is logged in somewhere.
    const victimUi = await openPage(browser, server);
    await uiLogin(victimUi.page, victim.email);
    await waitForHash(victimUi.page, /^#\/tickets$/);

    const { page } = admin;
    const row = page.locator(`#user-list .user-row[data-username="${victim.username}"]`);
    await row.getByRole('button', { name: `Deactivate ${victim.username}` }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByRole('button', { name: 'Deactivate' }).click();
    await page.locator(`#user-list .user-row[data-username="${victim.username}"] .badge-inactive`).waitFor();
    await page.locator(`#user-list .user-row[data-username="${victim.username}"]`).getByRole('button', { name: `Activate ${victim.username}` }).waitFor();
    await page.getByLabel('Account status').selectOption('false');
    await waitForHash(page, /^#\/admin\/users\?is_active=false$/);
    await eventually(async () => assert.equal(await page.locator('#users-summary').textContent(), 'Showing 1 of 1 users'));
    assert.equal(await page.locator('#user-list .user-row').getAttribute('data-username'), victim.username);

    // A fresh login fails with the generic message.
    const other = await openPage(browser, server);
    await uiLogin(other.page, victim.email, PASSWORD);
    const err = other.page.locator('#login-form .form-error');
    await err.waitFor();
    assert.ok((await err.textContent()).length > 0);
    assert.match(await other.page.evaluate(() => window.location.hash), /^#\/login$/);
    await other.context.close();

    // The open session is sent to the login screen on its next request.
    await victimUi.page.locator('#new-ticket').click();
    await victimUi.page.locator('dialog#create-dialog').getByLabel('Topic').fill('Should not work');
    await victimUi.page.locator('dialog#create-dialog').getByLabel('Description').fill('Deactivated.');
    await victimUi.page.locator('#create-submit').click();
    await waitForHash(victimUi.page, /^#\/login$/);
    await victimUi.context.close();
  });

  it('lets staff delete a ticket after confirming', async () => {
    const customerToken = await server.api.login(promoted.email); // now an agent, may still create tickets
    const t = await server.api.createTicket(customerToken, `Delete me ${id}`);
    const { page } = admin;
    await page.goto(`${server.url}/#/tickets/${t.id}`);
    await page.locator('#ticket-title', { hasText: `Delete me ${id}` }).waitFor();
    // Delete lives in the "More" menu, behind a confirmation.
    await page.locator('#ticket-more').click();
    await page.locator('#delete-ticket').click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete ticket' }).click();
    await waitForHash(page, /^#\/staff\/open$/);
    await page.locator('#notices').getByText('Ticket deleted.').waitFor();
    await page.locator('#list-summary').waitFor();
    await eventually(async () => assert.equal(await page.locator('#ticket-table tbody tr', { hasText: `Delete me ${id}` }).count(), 0));
    const res = await server.api.call('GET', `/api/v1/tickets/${t.id}/`, { token: customerToken, expect: 404 });
    assert.equal(res.status, 404);
    assertClean(admin);
  });

  it('creates a user with a role and a temporary password, changed at the first login', async () => {
    const { page } = admin;
    await page.goto(`${server.url}/#/admin/users`);
    await page.locator('#new-user').click();
    const dialog = page.locator('dialog#new-user-dialog');
    await dialog.getByLabel('First name').fill('Nora');
    await dialog.getByLabel('Last name').fill('Quinn');
    await dialog.getByLabel('Username').fill(`nora${id}`);
    await dialog.getByLabel('Email').fill(`nora-${id}@example.com`);
    await dialog.getByLabel('Role').selectOption('agent');
    // A password the policy refuses is reported on its field.
    await dialog.getByLabel('Temporary password').fill('12345678');
    await dialog.locator('#new-user-submit').click();
    await dialog.locator('.field-error').first().waitFor();
    await dialog.getByLabel('Temporary password').fill('Welcome-aboard-2024');
    assert.equal(await dialog.getByLabel('Must be changed at the first login').isChecked(), true);
    await screenshot(page, 'admin-new-user');
    await dialog.locator('#new-user-submit').click();
    await page.locator('#notices').getByText(`nora${id} was created as Agent.`).waitFor();
    await waitForHash(page, new RegExp(`^#/admin/users\\?q=nora${id}$`));
    const row = page.locator(`#user-list .user-row[data-username="nora${id}"]`);
    await row.waitFor();
    assert.equal(await row.locator('.user-name').textContent(), 'Nora Quinn');
    await row.getByText('Temporary password').waitFor();
    await row.locator('.badge.role-agent').waitFor();

    // The new agent logs in and is kept on the password screen until they chose their own.
    const nora = await openPage(browser, server);
    await uiLogin(nora.page, `nora${id}`, 'Welcome-aboard-2024');
    await waitForHash(nora.page, /^#\/password$/);
    await nora.page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
    assert.equal(await nora.page.locator('#nav a').count(), 0);
    await nora.page.goto(`${server.url}/#/staff/open`);
    await waitForHash(nora.page, /^#\/password$/);
    await nora.page.getByLabel('Temporary password').fill('Welcome-aboard-2024');
    await nora.page.getByLabel('New password', { exact: true }).fill('Nora-picked-this-1');
    await nora.page.getByLabel('Confirm new password').fill('Nora-picked-this-1');
    await nora.page.getByRole('button', { name: 'Set my password' }).click();
    await waitForHash(nora.page, /^#\/staff\/open$/);
    await nora.page.locator('#nav').getByRole('link', { name: 'Tickets' }).waitFor();
    await nora.page.locator('#list-summary').waitFor();
    assertClean(nora);
    await nora.context.close();
    // The admin's list no longer marks the password as temporary.
    await page.reload();
    await page.locator(`#user-list .user-row[data-username="nora${id}"]`).waitFor();
    assert.equal(await page.locator(`#user-list .user-row[data-username="nora${id}"]`).getByText('Temporary password').count(), 0);
    // The creation is in the audit log, made by the admin.
    const token = await server.api.login('admin1');
    const audit = await server.api.call('GET', '/api/v1/audit/?action=user.created', { token });
    const entry = audit.body.find((e) => e.target === `nora${id}`);
    assert.equal(entry.actor, 'admin1');
    assert.equal(entry.details, 'role agent, temporary password');
    assertClean(admin);
  });
});
