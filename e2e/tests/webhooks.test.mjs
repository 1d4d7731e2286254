// Webhooks in the admin area (issue 18): register an endpoint (its secret shown once), send a
// test, see a ticket event delivered in the delivery log, edit the event types, disable and
// enable it, rotate its secret, delete it behind a confirmation. The receiver is a Node HTTP
// server on 127.0.0.1 started by the test (the server runs with
// TICKETING_WEBHOOK_ALLOW_PRIVATE=true). Labels, focus and axe on the page and its dialogs.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  assertClean, eventually, launchBrowser, openPage, startServer, uiLogin, waitForHash,
} from '../lib/harness.mjs';
import { assertAxeClean } from '../lib/axe.mjs';

/** A receiver that records each request and answers 200. */
async function startReceiver() {
  const received = [];
  const srv = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('got it');
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { url: (p) => `http://127.0.0.1:${srv.address().port}${p}`, received, close: () => srv.close() };
}

describe('webhooks in the admin area', () => {
  let server;
  let browser;
  let receiver;

  before(async () => {
    server = await startServer({ env: { TICKETING_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    server.createUser('hookadmin', 'admin');
    server.createUser('hookagent', 'agent');
    browser = await launchBrowser();
    receiver = await startReceiver();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (receiver) receiver.close();
  });

  it('registers, tests, logs, edits, rotates and deletes an endpoint', async () => {
    const ui = await openPage(browser, server);
    const { page } = ui;
    await uiLogin(page, 'hookadmin');
    await waitForHash(page, /^#\/staff\//);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await waitForHash(page, /^#\/admin\/webhooks$/);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No webhooks yet.').waitFor();
    await assertAxeClean(page, 'the empty webhooks page');

    // A refused URL is reported on its field.
    await page.getByRole('button', { name: 'New webhook' }).click();
    const dialog = page.locator('dialog#webhook-dialog');
    await dialog.waitFor();
    await assertAxeClean(page, 'the new webhook dialog');
    const url = dialog.getByLabel('URL');
    await url.fill('ftp://example.com/in');
    await dialog.getByRole('button', { name: 'Create webhook' }).click();
    await eventually(async () => assert.equal(await url.getAttribute('aria-invalid'), 'true'));

    await url.fill(receiver.url('/hooks/ui'));
    assert.equal(await dialog.getByLabel('Ticket created (ticket.created)').isChecked(), true);
    await dialog.getByLabel('Ticket deleted (ticket.deleted)').check();
    await dialog.getByRole('button', { name: 'Create webhook' }).click();

    // The secret, once.
    const secretDialog = page.locator('dialog#webhook-secret-dialog');
    await secretDialog.waitFor();
    const secret = await secretDialog.getByLabel('Signing secret').inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    await assertAxeClean(page, 'the secret dialog');
    await secretDialog.getByRole('button', { name: 'Done' }).click();
    await secretDialog.waitFor({ state: 'detached' });
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.id), 'webhook-new'));
    const row = page.locator('#webhook-list .webhook-row');
    await eventually(async () => assert.equal(await row.count(), 1));
    assert.match(await row.textContent(), /Enabled/);
    assert.match(await row.textContent(), /ticket\.deleted/);
    assert.ok(!(await page.locator('#main').textContent()).includes(secret), 'the secret is not on the page');

    // A test delivery reaches the receiver, signed.
    await row.getByRole('button', { name: /^Send a test to/ }).click();
    await page.locator('#notices').getByText(/Test delivered: HTTP 200/).waitFor();
    await eventually(async () => assert.equal(receiver.received.length, 1));
    assert.equal(JSON.parse(receiver.received[0].body).type, 'webhook.test');
    assert.match(receiver.received[0].headers['webhook-signature'], /^v1,/);

    // A ticket event is delivered and shows in the delivery log.
    const customer = await server.api.register({ email: 'hookcust@example.com', username: 'hookcust' });
    await server.api.createTicket(customer.access, 'Webhook from the UI');
    await eventually(async () => assert.equal(receiver.received.length, 2));
    const event = JSON.parse(receiver.received[1].body);
    assert.equal(event.type, 'ticket.created');
    assert.equal(event.ticket.topic, 'Webhook from the UI');
    await row.getByRole('button', { name: /^Deliveries of/ }).click();
    const log = page.locator('dialog#delivery-dialog');
    await log.waitFor();
    const delivery = log.locator('.delivery-row');
    await eventually(async () => {
      await log.getByRole('button', { name: 'Refresh' }).click();
      assert.equal(await delivery.count(), 1);
      assert.equal(await delivery.getAttribute('data-state'), 'delivered');
    });
    assert.match(await delivery.textContent(), /HTTP 200/);
    assert.match(await delivery.textContent(), /got it/);
    await assertAxeClean(page, 'the delivery log');
    await log.getByRole('button', { name: 'Close', exact: true }).click();
    await log.waitFor({ state: 'detached' });

    // Edit: another set of events.
    await row.getByRole('button', { name: /^Edit/ }).click();
    await dialog.waitFor();
    await dialog.getByLabel('Ticket deleted (ticket.deleted)').uncheck();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(async () => assert.doesNotMatch(await row.textContent(), /ticket\.deleted/));

    // Disable, then enable.
    await row.getByRole('button', { name: /^Disable/ }).click();
    await eventually(async () => assert.match(await row.textContent(), /Disabled/));
    await row.getByRole('button', { name: /^Enable/ }).click();
    await eventually(async () => assert.match(await row.textContent(), /Enabled/));

    // Rotate: a new secret, once; the old one still signs during the overlap.
    await row.getByRole('button', { name: /^Rotate the secret of/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Rotate secret' }).click();
    await secretDialog.waitFor();
    const rotated = await secretDialog.getByLabel('Signing secret').inputValue();
    assert.notEqual(rotated, secret);
    await secretDialog.getByRole('button', { name: 'Done' }).click();
    await eventually(async () => assert.match(await row.textContent(), /previous secret valid until/));

    // Delete behind a confirmation.
    await row.getByRole('button', { name: /^Delete/ }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByRole('heading', { name: 'Delete this webhook?' }).waitFor();
    await confirm.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText('No webhooks yet.').waitFor();
    const audit = await server.api.call('GET', '/api/v1/audit/', { token: await server.api.login('hookadmin') });
    const actions = audit.body.map((e) => e.action).filter((a) => a.startsWith('webhook.'));
    assert.deepEqual(actions, ['webhook.deleted', 'webhook.secret_rotated', 'webhook.created']);
    assertClean(ui);
    await ui.context.close();
  });

  it('is for admins only', async () => {
    const ui = await openPage(browser, server);
    const { page } = ui;
    await uiLogin(page, 'hookagent');
    await waitForHash(page, /^#\/staff\//);
    assert.equal(await page.getByRole('link', { name: 'Webhooks' }).count(), 0);
    await page.goto(`${server.url}/#/admin/webhooks`);
    await waitForHash(page, /^#\/staff\//);
    assertClean(ui);
    await ui.context.close();
  });
});
