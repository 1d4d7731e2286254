// Reply drafts kept per ticket across reloads and navigation, the question before leaving unsent
// text (ticket view, Back, the new-ticket dialog), and the split send button that never drops
// unsaved status/priority changes: they go with the reply in one request, saved together with it
// or not at all.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, hashOf, launchBrowser, openPage, screenshot, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

const DESK = { width: 1366, height: 860 };
const drafts = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('helpdesk.draft.')));

describe('drafts and sending', () => {
  let server;
  let browser;
  let ui;
  let agentToken;
  const id = unique();
  const tickets = [];

  before(async () => {
    server = await startServer();
    server.createUser('agentd', 'agent');
    browser = await launchBrowser();
    const { access } = await server.api.register({ email: `dee-${id}@example.com`, first_name: 'Dee', last_name: 'Draft' });
    tickets.push(await server.api.createTicket(access, `Draft ticket one ${id}`));
    tickets.push(await server.api.createTicket(access, `Draft ticket two ${id}`));
    agentToken = await server.api.login('agentd');
    // These tests are about what the server refuses when the screen is stale (a change made
    // elsewhere meanwhile): the event stream, which would reload the ticket first (live.test.mjs),
    // is held open here without delivering anything.
    ui = await openPage(browser, server, { viewport: DESK, init: (page) => page.route('**/api/v1/events/**', () => {}) });
    await uiLogin(ui.page, 'agentd');
    await waitForHash(ui.page, /^#\/staff\/open$/);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('keeps a reply draft (and its kind) across a reload and a trip to the list', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/#/tickets/${tickets[0].id}`);
    await page.locator('#ticket-title', { hasText: 'Draft ticket one' }).waitFor();
    await page.getByRole('radio', { name: 'Internal note' }).check();
    await page.locator('#reply-form textarea').fill('Checked the logs: disk full on the print server.');
    await eventually(async () => assert.equal((await drafts(page)).length, 1));
    await page.reload();
    await page.locator('#ticket-title', { hasText: 'Draft ticket one' }).waitFor();
    await eventually(async () => assert.equal(await page.locator('#reply-form textarea').inputValue(), 'Checked the logs: disk full on the print server.'));
    assert.equal(await page.getByRole('radio', { name: 'Internal note' }).isChecked(), true);
    assert.equal(await page.locator('#reply-submit').textContent(), 'Add internal note');

    // Leaving asks first; "Stay" stays.
    await page.getByRole('link', { name: '← Back to tickets' }).click();
    const ask = page.getByRole('alertdialog', { name: 'Leave this page?' });
    await ask.waitFor();
    assert.match(await ask.textContent(), /not sent yet/);
    await ask.getByRole('button', { name: 'Stay' }).click();
    await ask.waitFor({ state: 'detached' });
    assert.equal(await hashOf(page), `#/tickets/${tickets[0].id}`);
    assert.equal(await page.locator('#reply-form textarea').inputValue(), 'Checked the logs: disk full on the print server.');
    // "Leave" goes; the draft is still there when coming back.
    await page.getByRole('link', { name: '← Back to tickets' }).click();
    await ask.getByRole('button', { name: 'Leave' }).click();
    await waitForHash(page, /^#\/staff\/open$/);
    await page.locator(`#ticket-table tr[data-id="${tickets[0].id}"] a.ticket-link`).click();
    await page.locator('#ticket-title', { hasText: 'Draft ticket one' }).waitFor();
    await eventually(async () => assert.equal(await page.locator('#reply-form textarea').inputValue(), 'Checked the logs: disk full on the print server.'));

    // Discarding clears it everywhere.
    await page.locator('#discard-draft').click();
    await page.getByRole('alertdialog', { name: 'Discard this draft?' }).getByRole('button', { name: 'Discard draft' }).click();
    await eventually(async () => {
      assert.equal(await page.locator('#reply-form textarea').inputValue(), '');
      assert.deepEqual(await drafts(page), []);
    });
    await page.reload();
    await page.locator('#ticket-title', { hasText: 'Draft ticket one' }).waitFor();
    assert.equal(await page.locator('#reply-form textarea').inputValue(), '');
    assertClean(ui);
  });

  it('asks before the browser Back leaves unsent text', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/#/staff/open`);
    await page.locator('#ticket-table tbody tr').first().waitFor();
    await page.locator(`#ticket-table tr[data-id="${tickets[1].id}"] a.ticket-link`).click();
    await page.locator('#ticket-title', { hasText: 'Draft ticket two' }).waitFor();
    await page.locator('#reply-form textarea').fill('Half a thought');
    await page.goBack();
    const ask = page.getByRole('alertdialog', { name: 'Leave this page?' });
    await ask.getByRole('button', { name: 'Stay' }).click();
    await eventually(async () => assert.equal(await hashOf(page), `#/tickets/${tickets[1].id}`));
    assert.equal(await page.locator('#ticket-title').isVisible(), true);
    assert.equal(await page.locator('#reply-form textarea').inputValue(), 'Half a thought');
    await page.locator('#reply-form textarea').fill('');
    assertClean(ui);
  });

  it('asks before closing the new-ticket dialog with text in it', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: '← Back to tickets' }).click();
    await waitForHash(page, /^#\/staff\/open$/);
    await page.locator('#new-ticket').click();
    const dialog = page.locator('dialog#create-dialog');
    await dialog.getByLabel('Topic').fill('Phone call: printer on fire');
    await page.keyboard.press('Escape');
    const ask = page.getByRole('alertdialog', { name: 'Discard this ticket?' });
    await ask.getByRole('button', { name: 'Keep editing' }).click();
    await ask.waitFor({ state: 'detached' });
    assert.equal(await dialog.getByLabel('Topic').inputValue(), 'Phone call: printer on fire');
    // Back while the dialog is open asks too.
    await page.goBack();
    const leave = page.getByRole('alertdialog', { name: 'Leave this page?' });
    assert.match(await leave.textContent(), /not created yet/);
    await leave.getByRole('button', { name: 'Stay' }).click();
    await eventually(async () => assert.match(await hashOf(page), /^#\/staff\/open$/));
    assert.equal(await dialog.isVisible(), true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await ask.getByRole('button', { name: 'Discard' }).click();
    await dialog.waitFor({ state: 'detached' });
    assertClean(ui);
  });

  it('sends unsaved status and priority with the reply, and says so', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/#/tickets/${tickets[1].id}`);
    await page.locator('#ticket-title', { hasText: 'Draft ticket two' }).waitFor();
    await page.locator('#controls-form select[name="status"]').selectOption('in_progress');
    await page.locator('#controls-form select[name="priority"]').selectOption('high');
    await page.locator('#controls-dirty').filter({ hasText: 'Not saved yet: status, priority.' }).waitFor();
    assert.equal(await page.locator('#reply-submit').textContent(), 'Send and set status to In progress');
    await page.locator('#reply-form textarea').fill('We are on it.');
    const writes = [];
    const record = (req) => {
      // (Presence, viewing or replying, is not a change of the ticket.)
      if (req.method() !== 'GET' && req.url().includes('/api/v1/tickets/') && !req.url().includes('/presence/')) writes.push([req.method(), new URL(req.url()).pathname, req.postDataJSON()]);
    };
    page.on('request', record);
    await page.locator('#reply-form textarea').press('Control+Enter');
    await page.locator('#notices').getByText('Reply sent and saved: status In progress, priority High.').waitFor();
    page.off('request', record);
    // One request: the reply and its changes, saved together by the server.
    assert.deepEqual(writes, [['POST', `/api/v1/tickets/${tickets[1].id}/messages/`,
      { message: 'We are on it.', internal: false, status: 'in_progress', priority: 'high' }]]);
    await page.locator('.ticket-badges [data-status="in_progress"]').waitFor();
    await page.locator('.ticket-badges [data-priority="high"]').waitFor();
    await page.locator('#thread .message', { hasText: 'We are on it.' }).waitFor();
    await page.locator('#activity-list').getByText('agentd changed priority from Medium to High').waitFor();
    assert.equal(await page.locator('#controls-dirty').textContent(), '');
    const t = (await server.api.call('GET', `/api/v1/tickets/${tickets[1].id}/`, { token: agentToken })).body;
    assert.deepEqual([t.status, t.priority, t.messages.length], ['in_progress', 'high', 1]);
    assert.deepEqual(await drafts(page), [], 'a sent reply leaves no draft');
    assertClean(ui);
  });

  it('saves nothing when the server refuses a change sent with the reply, and keeps the reply', async () => {
    const { page } = ui;
    const mine = await server.api.createTicket(agentToken, `Draft ticket three ${id}`);
    await server.api.patchTicket(agentToken, mine.id, { status: 'resolved' });
    await page.goto(`${server.url}/#/tickets/${mine.id}`);
    await page.locator('#ticket-title', { hasText: 'Draft ticket three' }).waitFor();
    await page.locator('#controls-form select[name="status"]').selectOption('open');
    assert.equal(await page.locator('#reply-submit').textContent(), 'Send and set status to Open');
    // Someone else starts working on it meanwhile: in progress never goes back to open.
    await server.api.patchTicket(agentToken, mine.id, { status: 'in_progress' });
    await page.locator('#reply-form textarea').fill('Reopening this for you.');
    await page.locator('#reply-form textarea').press('Control+Enter');
    await page.locator('#reply-form [role="alert"]').filter({ hasText: 'cannot move a ticket from in_progress to open' }).waitFor();
    const t = (await server.api.call('GET', `/api/v1/tickets/${mine.id}/`, { token: agentToken })).body;
    assert.deepEqual([t.status, t.messages.length, t.activities.map((a) => a.action)],
      ['in_progress', 0, ['reopened', 'resolved', 'created']]);
    assert.equal(await page.locator('#reply-form textarea').inputValue(), 'Reopening this for you.');
    await eventually(async () => assert.equal((await drafts(page)).filter((k) => k.endsWith(mine.id)).length, 1, 'the draft is kept'));
    // Discard the draft so that the next tests start clean.
    await page.locator('#discard-draft').click();
    await page.getByRole('alertdialog', { name: 'Discard this draft?' }).getByRole('button', { name: 'Discard draft' }).click();
    await eventually(async () => assert.equal((await drafts(page)).filter((k) => k.endsWith(mine.id)).length, 0));
    await page.locator('#controls-form select[name="status"]').selectOption('resolved');
    await page.locator('#controls-dirty').filter({ hasText: /^$/ }).waitFor({ state: 'attached' });
    await page.goto(`${server.url}/#/tickets/${tickets[1].id}`);
    await page.locator('#ticket-title', { hasText: 'Draft ticket two' }).waitFor();
    assertClean(ui);
  });

  it('offers the other statuses in the send menu', async () => {
    const { page } = ui;
    assert.equal(await page.locator('#reply-submit').textContent(), 'Send and mark resolved');
    await page.locator('#reply-form textarea').fill('Could you send a photo of the error?');
    await page.locator('#reply-options').click();
    const items = await page.locator('#reply-form .menu-list button').allTextContents();
    assert.deepEqual(items, ['Send', 'Send and mark resolved']);
    await page.locator('#reply-submit').scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await screenshot(page, 'ticket-split-send', { fullPage: false });
    await page.locator('#send-plain').click();
    await page.locator('#thread .message', { hasText: 'Could you send a photo' }).waitFor();
    await page.locator('#notices').getByText('Reply sent.').waitFor();
    assert.equal(await page.locator('.ticket-badges [data-status]').getAttribute('data-status'), 'in_progress');
    assertClean(ui);
  });

  it('shows the split send button on a phone', async () => {
    const phone = await openPage(browser, server, { viewport: { width: 360, height: 740 } });
    const { page } = phone;
    await uiLogin(page, 'agentd');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.goto(`${server.url}/#/tickets/${tickets[0].id}`);
    await page.locator('#ticket-title', { hasText: 'Draft ticket one' }).waitFor();
    await page.locator('#reply-form textarea').fill('Thanks, closing this as solved.');
    await page.locator('#reply-options').click();
    await page.locator('#send-plain').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `scrollWidth ${width}`);
    await screenshot(page, 'phone-ticket-split-send', { fullPage: false });
    await page.keyboard.press('Escape');
    assertClean(phone);
    await phone.context.close();
  });

  it('forgets every draft of the user at logout (after asking)', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/#/tickets/${tickets[0].id}`);
    await page.locator('#ticket-title', { hasText: 'Draft ticket one' }).waitFor();
    await page.locator('#reply-form textarea').fill('Unsent words');
    await eventually(async () => assert.equal((await drafts(page)).length, 1));
    await page.locator('#logout-button').click();
    await page.getByRole('alertdialog', { name: 'Leave this page?' }).getByRole('button', { name: 'Leave' }).click();
    await waitForHash(page, /^#\/login$/);
    assert.deepEqual(await drafts(page), []);
    assertClean(ui);
  });
});
