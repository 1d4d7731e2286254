// The keyboard: the agent's main flow without a single mouse event (open the first unassigned
// ticket, assign it to me, reply and resolve, go to the next), the "?" sheet, the "g" view keys,
// and no shortcut while typing.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, countMouseEvents, eventually, hashOf, keyboardLogin, launchBrowser, openPage, screenshot,
  startServer, unique, waitForHash,
} from '../lib/harness.mjs';

const DESK = { width: 1366, height: 860 };
const focusedRowId = (page) => page.evaluate(() => document.activeElement && document.activeElement.closest('tr')?.dataset.id);

describe('keyboard', () => {
  let server;
  let browser;
  let ui;
  let mouseEvents;
  const id = unique();
  const tickets = [];

  before(async () => {
    server = await startServer();
    server.createUser('agentk', 'agent');
    server.createUser('agentz', 'agent');
    browser = await launchBrowser();
    const { access } = await server.api.register({ email: `kim-${id}@example.com`, first_name: 'Kim', last_name: 'Keys' });
    for (let i = 0; i < 3; i += 1) tickets.push(await server.api.createTicket(access, `Keyboard ticket ${i} ${id}`, `Seeded ${i}`));
    // One ticket taken by another agent: not in "Unassigned".
    const other = await server.api.createTicket(access, `Taken ticket ${id}`);
    const z = await server.api.login('agentz');
    const zMe = (await server.api.call('GET', '/api/v1/users/profile/', { token: z })).body;
    await server.api.patchTicket(z, other.id, { assigned_to: zMe.id });
    ui = await openPage(browser, server, { viewport: DESK });
    mouseEvents = await countMouseEvents(ui.page);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('opens the first unassigned ticket, assigns it, replies and resolves, goes to the next: no mouse', async () => {
    const { page } = ui;
    await keyboardLogin(page, 'agentk');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.locator('#ticket-table tbody tr').first().waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('u');
    await waitForHash(page, /^#\/staff\/unassigned$/);
    await eventually(async () => assert.equal(await page.locator('#list-summary').textContent(), 'Showing 3 of 3 tickets'));
    const ids = await page.locator('#ticket-table tbody tr').evaluateAll((els) => els.map((e) => e.dataset.id));
    assert.deepEqual(ids, [tickets[2].id, tickets[1].id, tickets[0].id]);

    await page.keyboard.press('j');
    assert.equal(await focusedRowId(page), ids[0]);
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    assert.equal(await focusedRowId(page), ids[0]);
    await page.keyboard.press('Enter');
    await waitForHash(page, new RegExp(`^#/tickets/${ids[0]}$`));
    await page.locator('#ticket-title', { hasText: 'Keyboard ticket 2' }).waitFor();

    await page.keyboard.press('a');
    await page.locator('#notices').getByText('Assigned to you.').waitFor();
    await eventually(async () => assert.match(await page.locator('#ticket-details').textContent(), /Assigned to\s*agentk/));

    await page.keyboard.press('r');
    assert.equal(await page.evaluate(() => document.activeElement.name), 'message');
    await page.keyboard.type('Restarted the service, it works again.');
    assert.equal(await page.locator('#reply-submit').textContent(), 'Send and mark resolved');
    await page.keyboard.press('Control+Enter');
    await page.locator('#thread .message', { hasText: 'Restarted the service' }).waitFor();
    await page.locator('.ticket-badges [data-status="resolved"]').waitFor();
    await page.locator('#notices').getByText('Reply sent and saved: status Resolved.').waitFor();

    // Esc leaves the text field, then j goes to the next ticket of the list. The field is
    // disabled while the reply is sent and the ticket reloaded (the notice and the live update
    // can show before that ends), so wait until it has the focus back: CI once pressed Esc in
    // between, on the ticket screen, where Esc goes back to the list.
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement.name), 'message'));
    await page.keyboard.press('Escape');
    await page.keyboard.press('j');
    await waitForHash(page, new RegExp(`^#/tickets/${ids[1]}$`));
    await page.locator('#ticket-title', { hasText: 'Keyboard ticket 1' }).waitFor();
    await page.locator('#pager-position').filter({ hasText: '2 of 3 in Unassigned' }).waitFor();

    // Esc goes back to the list, on the row of the ticket just seen.
    await page.keyboard.press('Escape');
    await waitForHash(page, /^#\/staff\/unassigned$/);
    await eventually(async () => assert.equal(await focusedRowId(page), ids[1]));

    assert.deepEqual(await mouseEvents(), [], 'no mouse or pointer event at all');
    const agent = await server.api.login('agentk');
    const done = (await server.api.call('GET', `/api/v1/tickets/${ids[0]}/`, { token: agent })).body;
    assert.equal(done.status, 'resolved');
    assert.equal(done.assigned_to.username, 'agentk');
    assert.equal(done.messages.at(-1).message, 'Restarted the service, it works again.');
    assertClean(ui);
  });

  it('switches views with g then m, a, r, e', async () => {
    const { page } = ui;
    for (const [key, view, title] of [['m', 'mine', 'My open'], ['a', 'open', 'All open'], ['r', 'recent', 'Recently updated'], ['e', 'all', 'All tickets']]) {
      await page.keyboard.press('g');
      await page.keyboard.press(key);
      await waitForHash(page, new RegExp(`^#/staff/${view}$`));
      await page.getByRole('heading', { name: title, level: 1 }).waitFor();
    }
    assert.deepEqual(await mouseEvents(), []);
  });

  it('shows the shortcut sheet with ?, and closes it with Esc', async () => {
    const { page } = ui;
    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor();
    const text = await sheet.textContent();
    for (const words of ['Show this list', 'Next ticket', 'Assign to me', 'Write an internal note', 'Go to “Unassigned”', 'Ctrl+Enter']) {
      assert.ok(text.includes(words), `the sheet lists "${words}"`);
    }
    await screenshot(page, 'shortcut-sheet', { fullPage: false });
    // Shortcuts do not fire under the dialog.
    await page.keyboard.press('g');
    await page.keyboard.press('m');
    assert.match(await hashOf(page), /^#\/staff\/all$/);
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    assertClean(ui);
  });

  it('keeps where a key right after Esc moved the focus (the dialog does not take it back)', async () => {
    const { page } = ui;
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    // The dialog closes (as Esc closes it), and "/" comes before the dialog's "close" event, as
    // a real key can (input goes before other tasks): CI once lost the focus that way.
    const focused = await page.evaluate(async () => {
      document.getElementById('shortcut-sheet').close();
      document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: '/', bubbles: true, cancelable: true }));
      await new Promise((resolve) => { setTimeout(resolve, 100); });
      return document.activeElement.id;
    });
    assert.equal(focused, 'filter-q');
    assert.equal(await page.locator('#shortcut-sheet').count(), 0);
    await page.keyboard.press('Escape'); // leaves the search field
    assertClean(ui);
  });

  it('never fires a shortcut while typing in a field', async () => {
    const { page } = ui;
    await page.keyboard.press('/');
    // "/" goes back to the list, which focuses its search field once it has shown (after its
    // fetch): wait for that, not a fixed instant (CI failed once, 10 ms after the key).
    await page.waitForFunction(() => document.activeElement?.id === 'filter-q', null, { timeout: 5000 }).catch(async (err) => {
      // Say where the focus is instead (CI failed here once, a timeout saying nothing more).
      const where = await page.evaluate(() => ({
        hash: window.location.hash,
        focus: document.activeElement ? document.activeElement.outerHTML.slice(0, 160) : null,
        dialogs: [...document.querySelectorAll('dialog')].map((d) => `${d.id || d.className} open=${d.open}`),
        search: Boolean(document.getElementById('filter-q')),
      }));
      throw new Error(`${err.message}: ${JSON.stringify(where)}`);
    });
    await page.keyboard.type('gmjk');
    assert.equal(await page.locator('#filter-q').inputValue(), 'gmjk');
    await waitForHash(page, /^#\/staff\/all\?q=gmjk$/);
    await page.keyboard.press('Escape'); // clears the search field (native), then leaves it
    await page.goto(`${server.url}/#/tickets/${tickets[0].id}`);
    await page.locator('#ticket-title', { hasText: 'Keyboard ticket 0' }).waitFor();
    await page.keyboard.press('r');
    await page.keyboard.type('aj?');
    assert.equal(await page.locator('#reply-form textarea').inputValue(), 'aj?');
    assert.match(await page.locator('#ticket-details').textContent(), /Assigned to\s*Nobody yet/);
    assert.equal(await page.locator('#shortcut-sheet').count(), 0);
    assert.equal(await hashOf(page), `#/tickets/${tickets[0].id}`);
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Escape');
    // The status select: "s" focuses it, and letters typed there pick options, not shortcuts.
    await page.keyboard.press('s');
    assert.equal(await page.evaluate(() => document.activeElement.name), 'status');
    assert.deepEqual(await mouseEvents(), []);
    assertClean(ui);
  });

  it('shows the sheet on a phone too', async () => {
    const phone = await openPage(browser, server, { viewport: { width: 360, height: 740 } });
    await keyboardLogin(phone.page, 'agentk');
    await waitForHash(phone.page, /^#\/staff\/open$/);
    await phone.page.locator('#ticket-list .ticket-item').first().waitFor();
    await phone.page.keyboard.press('?');
    await phone.page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await screenshot(phone.page, 'phone-shortcut-sheet', { fullPage: false });
    assertClean(phone);
    await phone.context.close();
  });
});
