// API tokens in the profile (issue 18): create one (name, scope, expiry), see its secret once in a
// dialog with a copy button, use it against the API, see it listed with its last use, revoke it
// behind a confirmation (then it stops working). Labels, focus and axe on the card, the secret
// dialog and the confirmation; field errors for a missing and a taken name; the admin's audit log.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';
import { assertAxeClean } from '../lib/axe.mjs';

describe('API tokens in the profile', () => {
  let server;
  let browser;
  const id = unique();
  const user = { email: `tia-${id}@example.com`, username: `tia${id}` };

  before(async () => {
    server = await startServer();
    server.createUser('tokadmin', 'admin');
    browser = await launchBrowser();
    await server.api.register({ ...user, first_name: 'Tia', last_name: 'Token' });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('creates a token shown once, lists it, and revokes it behind a confirmation', async () => {
    const ui = await openPage(browser, server);
    const { page } = ui;
    await ui.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await uiLogin(page, user.username);
    await waitForHash(page, /^#\/tickets/);
    await page.goto(`${server.url}/#/profile`);
    const card = page.locator('#tokens-card');
    await card.getByRole('heading', { name: 'API tokens' }).waitFor();
    await card.getByText('You have no API tokens.').waitFor();
    await assertAxeClean(page, 'profile with the API tokens card');

    // A name is required: the error is on the field, which gets the focus.
    await card.getByRole('button', { name: 'Create token' }).click();
    const nameField = card.getByLabel('Token name');
    await eventually(async () => assert.equal(await nameField.getAttribute('aria-invalid'), 'true'));
    assert.match(await card.locator('.field-error').textContent(), /Give the token a name/);
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.name), 'name'));

    await nameField.fill('Nightly export');
    await card.getByLabel('Access').selectOption('read');
    await card.getByLabel('Expires after').selectOption({ label: '30 days' });
    await card.getByRole('button', { name: 'Create token' }).click();

    // The secret, once, in a dialog whose copy button has the focus.
    const dialog = page.locator('dialog#token-dialog');
    await dialog.waitFor();
    await dialog.getByRole('heading', { name: /Your new token “Nightly export”/ }).waitFor();
    const secret = await dialog.getByLabel('Token').inputValue();
    assert.match(secret, /^tkt_[A-Za-z0-9_-]{43}$/);
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.id), 'token-copy'));
    await assertAxeClean(page, 'the new token dialog');
    await dialog.getByRole('button', { name: 'Copy token' }).click();
    await page.locator('#notices').getByText('Token copied to the clipboard.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.id), 'token-create'));

    // Listed without the secret; the secret works against the API, within its scope.
    const row = card.locator('.token-row[data-name="Nightly export"]');
    await row.waitFor();
    assert.match(await row.textContent(), /Read only/);
    assert.match(await row.textContent(), /never used/);
    assert.ok(!(await card.textContent()).includes(secret.slice(4)), 'the secret is not in the list');
    const me = await server.api.call('GET', '/api/v1/users/profile/', { token: secret, expect: 200 });
    assert.equal(me.body.username, user.username);
    await server.api.call('POST', '/api/v1/tickets/', { token: secret, body: { topic: 'x', description: 'y' }, expect: 403 });
    await page.reload();
    await card.locator('.token-row[data-name="Nightly export"]').waitFor();
    assert.match(await card.locator('.token-row[data-name="Nightly export"]').textContent(), /last used/);
    assert.match(await card.locator('.token-row[data-name="Nightly export"]').textContent(), /expires/);
    assert.equal(await page.locator('dialog#token-dialog').count(), 0, 'never shown again');

    // A taken name is refused on the field.
    await nameField.fill('Nightly export');
    await card.getByRole('button', { name: 'Create token' }).click();
    await eventually(async () => assert.equal(await nameField.getAttribute('aria-invalid'), 'true'));
    assert.match(await card.locator('.field-error').textContent(), /already have an API token with this name/);
    await nameField.fill('');

    // Revoke: cancel first, then confirm; the token stops working at once.
    const revoke = card.getByRole('button', { name: 'Revoke token Nightly export' });
    await revoke.click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByRole('heading', { name: 'Revoke “Nightly export”?' }).waitFor();
    await assertAxeClean(page, 'the revoke confirmation');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Revoke token Nightly export'));
    await server.api.call('GET', '/api/v1/users/profile/', { token: secret, expect: 200 });

    await revoke.click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke token' }).click();
    await page.locator('#notices').getByText('Token “Nightly export” revoked.').waitFor();
    await card.getByText('You have no API tokens.').waitFor();
    assert.equal(await card.locator('.token-row').count(), 0);
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.name), 'name'));
    await server.api.call('GET', '/api/v1/users/profile/', { token: secret, expect: 401 });
    assertClean(ui);
    await ui.context.close();
  });

  it('shows tokens created elsewhere, newest first, with their scope and expiry', async () => {
    const access = await server.api.login(user.username);
    await server.api.call('POST', '/api/v1/users/profile/tokens/', { token: access, body: { name: 'Backup job', scope: 'write' }, expect: 201 });
    await server.api.call('POST', '/api/v1/users/profile/tokens/', { token: access, body: { name: 'Dashboard', scope: 'read', expires_in_days: 7 }, expect: 201 });
    const ui = await openPage(browser, server, { colorScheme: 'dark' });
    const { page } = ui;
    await uiLogin(page, user.username);
    await waitForHash(page, /^#\/tickets/);
    await page.goto(`${server.url}/#/profile`);
    const rows = page.locator('#token-list .token-row');
    await eventually(async () => assert.equal(await rows.count(), 2));
    assert.equal(await rows.nth(0).getAttribute('data-name'), 'Dashboard');
    assert.match(await rows.nth(0).textContent(), /Read only/);
    assert.match(await rows.nth(0).textContent(), /expires/);
    assert.equal(await rows.nth(1).getAttribute('data-name'), 'Backup job');
    assert.match(await rows.nth(1).textContent(), /Read and write/);
    assert.match(await rows.nth(1).textContent(), /never expires/);
    assert.equal(await page.locator('#tokens-summary').textContent(), '2 of at most 50 tokens');
    await assertAxeClean(page, 'profile with two tokens (dark)');
    assertClean(ui);
    await ui.context.close();
  });

  it('shows token creations and revocations in the admin audit log', async () => {
    const ui = await openPage(browser, server);
    const { page } = ui;
    await uiLogin(page, 'tokadmin');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.goto(`${server.url}/#/admin/audit?action=token.revoked`);
    const rows = page.locator('#audit-list .audit-row');
    await eventually(async () => assert.equal(await rows.count(), 1));
    assert.equal(await rows.nth(0).getAttribute('data-action'), 'token.revoked');
    assert.match(await rows.nth(0).textContent(), /API token revoked/);
    assert.match(await rows.nth(0).textContent(), /"Nightly export" \(read\)/);
    assert.equal(await page.getByLabel('Action').inputValue(), 'token.revoked');
    await page.getByLabel('Action').selectOption('token.created');
    await waitForHash(page, /^#\/admin\/audit\?action=token\.created$/);
    await eventually(async () => assert.equal(await rows.count(), 3));
    assert.match(await rows.nth(0).textContent(), /API token created/);
    assertClean(ui);
    await ui.context.close();
  });
});
