// Error paths the UI must explain: a stale edit (412 -> "changed meanwhile", reloaded), a change to
// a ticket closed meanwhile (409 ticket_closed), and rate limiting (429 -> "retry in N s").

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, hashOf, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

describe('stale and closed tickets', () => {
  let server;
  let browser;
  let staff;
  let ticket;
  let agentToken;
  const id = unique();

  before(async () => {
    server = await startServer({ env: { TICKETING_MAX_UPLOAD_BYTES: '4096' } });
    server.createUser('agent2', 'agent');
    browser = await launchBrowser();
    const { access } = await server.api.register({ email: `conf-${id}@example.com` });
    ticket = await server.api.createTicket(access, `Concurrent edits ${id}`, 'Two agents at once.', 'low');
    agentToken = await server.api.login('agent2');
    staff = await openPage(browser, server);
    await uiLogin(staff.page, 'agent2');
    await waitForHash(staff.page, /^#\/staff\/open$/);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('reloads with a notice when the ticket changed meanwhile (If-Match -> 412)', async () => {
    const { page } = staff;
    await page.goto(`${server.url}/#/tickets/${ticket.id}`);
    await page.locator('#ticket-title', { hasText: `Concurrent edits ${id}` }).waitFor();
    // Someone else raises the priority behind our back.
    await server.api.patchTicket(agentToken, ticket.id, { priority: 'critical' });
    await page.locator('#controls-form select[name="status"]').selectOption('in_progress');
    await page.locator('#save-controls').click();
    await page.locator('#notices').getByText('This ticket changed meanwhile — reloaded').waitFor();
    // Reloaded: the other change shows, ours was not applied.
    await page.locator('.ticket-badges [data-priority="critical"]').waitFor();
    assert.equal(await page.locator('.ticket-badges [data-status]').getAttribute('data-status'), 'open');
    // Now it applies.
    await page.locator('#controls-form select[name="status"]').selectOption('in_progress');
    await page.locator('#save-controls').click();
    await page.locator('.ticket-badges [data-status="in_progress"]').waitFor();
  });

  it('reports a failed upload per file and keeps the others (413)', async () => {
    const { page } = staff;
    await page.getByRole('link', { name: 'Tickets', exact: true }).click();
    await page.locator('#new-ticket').click();
    const dialog = page.locator('dialog#create-dialog');
    await dialog.getByLabel('Topic').fill(`Upload limits ${id}`);
    await dialog.getByLabel('Description').fill('One small file, one too large.');
    await dialog.getByLabel('Attachments (optional)').setInputFiles([
      { name: 'small.txt', mimeType: 'text/plain', buffer: Buffer.from('small file') },
      { name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(64 * 1024, 7) },
    ]);
    await page.locator('#create-submit').click();
    const failed = dialog.locator('.upload-row.upload-failed');
    await failed.waitFor();
    assert.match(await failed.textContent(), /huge\.bin/);
    assert.match(await failed.locator('.upload-state').textContent(), /^Failed: /);
    assert.match(await dialog.locator('.upload-row.upload-done').textContent(), /small\.txt.*Uploaded/);
    assert.equal(await page.locator('#create-submit').textContent(), 'Go to ticket');
    await page.locator('#create-submit').click();
    await waitForHash(page, /^#\/tickets\/[0-9a-f-]{36}$/);
    await page.locator('#attachment-list a', { hasText: 'small.txt' }).waitFor();
    assert.equal(await page.locator('#attachment-list a', { hasText: 'huge.bin' }).count(), 0);
    await page.goto(`${server.url}/#/tickets/${ticket.id}`);
    await page.locator('#ticket-title', { hasText: `Concurrent edits ${id}` }).waitFor();
    assert.match(await hashOf(page), new RegExp(ticket.id));
  });

  it('explains a ticket that was closed meanwhile (409 ticket_closed)', async () => {
    const { page } = staff;
    await page.getByLabel('Your reply').fill('Working on it.');
    await server.api.patchTicket(agentToken, ticket.id, { status: 'closed' });
    await page.locator('#reply-submit').click();
    await page.locator('#notices').getByText(/closed/).first().waitFor();
    await page.locator('.ticket-badges [data-status="closed"]').waitFor();
    await page.locator('#closed-note').waitFor();
    assertClean(staff);
  });
});

describe('rate limiting', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer({ rateLimit: 3 });
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('shows "Too many attempts, retry in N s" from Retry-After', async () => {
    const ui = await openPage(browser, server);
    const { page } = ui;
    let message = '';
    for (let i = 0; i < 6 && !/Too many attempts/.test(message); i += 1) {
      await uiLogin(page, 'nobody-here', `Wrong-pass-${i}`);
      const err = page.locator('#login-form .form-error');
      await err.waitFor();
      await eventually(async () => {
        const text = await err.textContent();
        assert.ok(text && text !== message);
        message = text;
      }, { timeout: 5000 }).catch(() => {});
    }
    assert.match(message, /^Too many attempts, retry in \d+ s$/);
    const secs = Number(/retry in (\d+) s/.exec(message)[1]);
    assert.ok(secs > 0 && secs <= 60, `retry in ${secs} s`);
    await ui.context.close();
  });
});
