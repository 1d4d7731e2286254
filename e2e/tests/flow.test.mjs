// The main story: a customer registers, opens a ticket with a file, writes; an agent assigns it,
// adds an internal note, replies and resolves; the customer sees the reply but not the note,
// reopens it by replying, then closes it for good.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, hashOf, launchBrowser, openPage, PASSWORD, screenshot, startServer,
  uiCreateTicket, uiLogin, uiRegister, unique, waitForHash,
} from '../lib/harness.mjs';

describe('customer and staff flow', () => {
  let server;
  let browser;
  let customer; // { context, page, errors, dialogs }
  let staff;
  let ticketId;
  const id = unique();
  const email = `casey-${id}@example.com`;
  const topic = `VPN drops every hour ${id}`;
  const fileBody = `vpn client log ${id}\nline 2\n`;
  const internalNote = `Internal: customer runs an old client build ${id}`;
  const publicReply = `Please update the VPN client to 5.2 and try again ${id}`;

  before(async () => {
    server = await startServer();
    server.createUser('agent1', 'agent');
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('sends a visitor to the login screen', async () => {
    customer = await openPage(browser, server);
    await waitForHash(customer.page, /^#\/login$/);
    await customer.page.getByRole('heading', { name: 'Log in' }).waitFor();
    await screenshot(customer.page, 'login');
  });

  it('registers a customer and shows the empty dashboard', async () => {
    const { page } = customer;
    await uiRegister(page, { first: 'Casey', last: 'Jones', email });
    await waitForHash(page, /^#\/tickets$/);
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    await page.getByText('You have no tickets yet.').waitFor();
    assert.equal(await page.locator('#account-name').textContent(), 'Casey Jones');
  });

  it('creates a ticket with an attachment (progress shown, then the ticket view)', async () => {
    const { page } = customer;
    ticketId = await uiCreateTicket(page, {
      topic,
      description: 'Since Monday the VPN disconnects every hour.\nSecond line of the description.',
      priority: 'High',
      files: [{ name: 'vpn-log.txt', mimeType: 'text/plain', buffer: Buffer.from(fileBody) }],
      beforeSubmit: async (dialog) => {
        await dialog.locator('.upload-name', { hasText: 'vpn-log.txt' }).waitFor();
        await screenshot(page, 'create-dialog', { fullPage: false });
      },
    });
    assert.match(ticketId, /^[0-9a-f-]{36}$/);
    // The title leads with the ticket's number.
    assert.match(await page.locator('#ticket-title .ticket-number').textContent(), /^#\d+$/);
    assert.equal((await page.locator('#ticket-title').textContent()).replace(/^#\d+/, ''), topic);
    assert.equal(await page.locator('.ticket-badges [data-status]').getAttribute('data-status'), 'open');
    assert.equal(await page.locator('.ticket-badges [data-priority]').getAttribute('data-priority'), 'high');
    assert.equal(await page.locator('#ticket-description').textContent(),
      'Since Monday the VPN disconnects every hour.\nSecond line of the description.');
    const link = page.locator('#attachment-list a.attachment-link', { hasText: 'vpn-log.txt' });
    await link.waitFor();
    assert.equal(await link.getAttribute('download'), 'vpn-log.txt');
    const href = await link.getAttribute('href');
    assert.ok(href && href.length > 0, 'the attachment has a download link');
    // The signed link works as a plain browser link (no Authorization header).
    const downloaded = await page.evaluate(async (u) => {
      const r = await fetch(u, { credentials: 'omit' });
      return { status: r.status, text: await r.text() };
    }, href);
    assert.equal(downloaded.status, 200);
    assert.equal(downloaded.text, fileBody);
    await page.locator('#activity-list').getByText('Casey Jones opened the ticket').waitFor();
  });

  it('adds a message to the thread', async () => {
    const { page } = customer;
    await page.getByLabel('Your reply').fill('It happens on Wi-Fi and on cable.');
    await page.locator('#reply-submit').click();
    await page.locator('#thread .message', { hasText: 'It happens on Wi-Fi and on cable.' }).waitFor();
    assert.equal(await page.getByLabel('Your reply').inputValue(), '');
    await eventually(async () => assert.equal(await page.locator('#thread-heading').textContent(), 'Conversation (1)'));
  });

  it('lists the ticket on the customer dashboard', async () => {
    const { page } = customer;
    await page.getByRole('link', { name: '← Back to tickets' }).click();
    await waitForHash(page, /^#\/tickets$/);
    const item = page.locator('#ticket-list .ticket-item', { hasText: topic });
    await item.waitFor();
    assert.equal(await page.locator('#list-summary').textContent(), 'Showing 1 of 1 ticket');
    assert.match(await item.textContent(), /1 message/);
    await screenshot(page, 'customer-dashboard');
  });

  it('lets an agent assign the ticket, add an internal note, reply and resolve it', async () => {
    staff = await openPage(browser, server);
    const { page } = staff;
    await uiLogin(page, 'agent1');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.getByRole('heading', { name: 'All open' }).waitFor();
    const item = page.locator('#ticket-table tbody tr', { hasText: topic });
    await item.waitFor();
    assert.match(await item.textContent(), /Unassigned/);

    await item.locator('a.ticket-link').click();
    await waitForHash(page, new RegExp(`^#/tickets/${ticketId}$`));
    await page.locator('#ticket-title', { hasText: topic }).waitFor();
    // The customer's message is visible to staff.
    await page.locator('#thread .message', { hasText: 'It happens on Wi-Fi and on cable.' }).waitFor();

    // Only the lifecycle's moves are offered.
    const statusOptions = await page.locator('#controls-form select[name="status"] option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(statusOptions, ['open', 'in_progress', 'resolved', 'closed']);

    await page.locator('#assign-me').click();
    await page.locator('#save-controls').click();
    await eventually(async () => {
      const details = await page.locator('#ticket-details').textContent();
      assert.match(details, /Assigned to\s*agent1/);
    });
    await page.locator('#activity-list').getByText('agent1 assigned the ticket to agent1').waitFor();

    // Internal note.
    await page.getByLabel('Internal note', { exact: true }).check();
    await page.locator('#reply-form textarea').fill(internalNote);
    assert.equal(await page.locator('#reply-submit').textContent(), 'Add internal note');
    await page.locator('#reply-submit').click();
    const note = page.locator('#thread .message', { hasText: internalNote });
    await note.waitFor();
    assert.equal(await note.getAttribute('data-internal'), 'true');
    assert.match(await note.getAttribute('class'), /message-internal/);
    assert.equal(await note.locator('.internal-label').textContent(), 'Internal note — not visible to the customer');

    // Public reply and resolve in one go: the staff's default send button.
    await page.getByLabel('Public reply').check();
    await page.locator('#reply-form textarea').fill(publicReply);
    assert.equal(await page.locator('#reply-submit').textContent(), 'Send and mark resolved');
    await page.locator('#reply-submit').click();
    const reply = page.locator('#thread .message', { hasText: publicReply });
    await reply.waitFor();
    assert.equal(await reply.getAttribute('data-internal'), 'false');
    assert.equal(await reply.locator('.internal-label').count(), 0);
    await page.locator('.ticket-badges [data-status="resolved"]').waitFor();
    await page.locator('#notices').getByText('Reply sent and saved: status Resolved.').waitFor();
    const after = await page.locator('#controls-form select[name="status"] option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(after, ['resolved', 'open', 'in_progress', 'closed']);
    await page.locator('#activity-list').getByText('agent1 changed status from Open to Resolved').first().waitFor();
    await screenshot(page, 'staff-ticket-view');
    assertClean(staff);
  });

  it('shows the customer the public reply but never the internal note', async () => {
    const { page } = customer;
    await page.goto(`${server.url}/#/tickets/${ticketId}`);
    await page.locator('#ticket-title', { hasText: topic }).waitFor();
    await page.locator('#thread .message', { hasText: publicReply }).waitFor();
    await page.locator('.ticket-badges [data-status="resolved"]').waitFor();
    const pageText = await page.locator('body').textContent();
    assert.ok(!pageText.includes(internalNote), 'the internal note must not reach the customer');
    assert.equal(await page.locator('#thread [data-internal="true"]').count(), 0);
    assert.ok(!pageText.includes('Internal note'), 'no internal-note label or activity for customers');
    const staffMsg = page.locator('#thread .message', { hasText: publicReply });
    assert.match(await staffMsg.getAttribute('class'), /message-staff/);
    assert.match(await page.locator('#reply-form .field-hint').first().textContent(), /reopen/);
    // A customer sees Reopen, and Close in the "More" menu; no staff controls, no Delete.
    await page.locator('#reopen-ticket').waitFor();
    assert.equal(await page.locator('#controls-form').count(), 0);
    await page.locator('#ticket-more').click();
    await page.locator('#close-ticket').waitFor();
    assert.equal(await page.locator('#delete-ticket').count(), 0);
    await page.keyboard.press('Escape');
    await page.locator('#close-ticket').waitFor({ state: 'hidden' });
  });

  it("reopens the ticket when the customer replies", async () => {
    const { page } = customer;
    await page.getByLabel('Your reply').fill('Updated the client, it still drops.');
    await page.locator('#reply-submit').click();
    await page.locator('#thread .message', { hasText: 'Updated the client, it still drops.' }).waitFor();
    await page.locator('.ticket-badges [data-status="open"]').waitFor();
    await page.locator('#notices').getByText('The ticket was reopened.').waitFor();
    await page.locator('#activity-list').getByText('Casey Jones changed status from Resolved to Open').first().waitFor();
    await screenshot(page, 'ticket-view');
  });

  it('lets the customer close the ticket after confirming, then no more replies', async () => {
    const { page } = customer;
    await page.locator('#ticket-more').click();
    await page.locator('#close-ticket').click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    // Cancelling changes nothing.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await page.locator('.ticket-badges [data-status]').getAttribute('data-status'), 'open');

    await page.locator('#ticket-more').click();
    await page.locator('#close-ticket').click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Close ticket' }).click();
    await page.locator('.ticket-badges [data-status="closed"]').waitFor();
    await page.locator('#closed-note').waitFor();
    assert.equal(await page.locator('#reply-form').isVisible(), false);
    assert.equal(await page.locator('#ticket-more').count(), 0);
    assert.equal(await page.locator('#edit-ticket').count(), 0);
    assert.equal(await page.locator('#attach-form').isVisible(), false);

    // The server refuses a message on the closed ticket too.
    const token = await server.api.login(email, PASSWORD);
    const res = await server.api.call('POST', `/api/v1/tickets/${ticketId}/messages/`, { token, body: { message: 'one more' }, expect: 409 });
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'ticket_closed');
  });

  it('shows the staff that the closed ticket offers no moves', async () => {
    const { page } = staff;
    await page.reload();
    await page.locator('.ticket-badges [data-status="closed"]').waitFor();
    assert.equal(await page.locator('#controls-form').count(), 0);
    await page.getByText('This ticket is closed; it can no longer be changed.').waitFor();
    assert.equal(await hashOf(page), `#/tickets/${ticketId}`);
    assertClean(customer);
    assertClean(staff);
  });
});
