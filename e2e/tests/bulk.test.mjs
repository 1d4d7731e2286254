// Bulk selection in the staff table (never for customers): click, shift-click ranges, "select all
// on this page", "x", and one change applied to every selected ticket by
// POST /api/v1/tickets/bulk/, with a result per ticket.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

const DESK = { width: 1366, height: 860 };

describe('bulk changes', () => {
  let server;
  let browser;
  let agentToken;
  const id = unique();
  const customerEmail = `bo-${id}@example.com`;
  const tickets = [];

  before(async () => {
    server = await startServer();
    server.createUser('agentb', 'agent');
    browser = await launchBrowser();
    const { access } = await server.api.register({ email: customerEmail, first_name: 'Bo', last_name: 'Bulk' });
    for (let i = 0; i < 8; i += 1) tickets.push(await server.api.createTicket(access, `Bulk ticket ${i} ${id}`, 'Seeded', 'low'));
    agentToken = await server.api.login('agentb');
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('shows customers no selection', async () => {
    const ui = await openPage(browser, server, { viewport: DESK });
    await uiLogin(ui.page, customerEmail);
    await waitForHash(ui.page, /^#\/tickets$/);
    await ui.page.locator('#ticket-list .ticket-item').first().waitFor();
    assert.equal(await ui.page.locator('input.row-select, #select-all').count(), 0);
    assert.equal(await ui.page.locator('#bulk-bar').count(), 0);
    assertClean(ui);
    await ui.context.close();
  });

  it('selects with click, shift-click, "select all" and x, then changes every selected ticket', async () => {
    const calls = [];
    const ui = await openPage(browser, server, { viewport: DESK });
    const { page } = ui;
    page.on('request', (req) => {
      if (req.url().endsWith('/api/v1/tickets/bulk/')) calls.push(req.postDataJSON());
    });
    await uiLogin(page, 'agentb');
    await waitForHash(page, /^#\/staff\/open$/);
    const rows = page.locator('#ticket-table tbody tr');
    await rows.first().waitFor();
    const ids = await rows.evaluateAll((els) => els.map((e) => e.dataset.id));
    const box = (i) => rows.nth(i).locator('input.row-select');
    const checked = () => rows.evaluateAll((els) => els.filter((e) => e.querySelector('input.row-select').checked).map((e) => e.dataset.id));
    const bar = page.locator('#bulk-bar');
    assert.equal(await bar.isVisible(), false);

    await box(0).click();
    await bar.locator('.bulk-count').filter({ hasText: '1 selected' }).waitFor();
    await box(3).click({ modifiers: ['Shift'] });
    assert.deepEqual(await checked(), ids.slice(0, 4));
    await bar.locator('.bulk-count').filter({ hasText: '4 selected' }).waitFor();
    await page.getByRole('checkbox', { name: 'Select all tickets on this page' }).check();
    assert.deepEqual(await checked(), ids);
    await page.getByRole('checkbox', { name: 'Select all tickets on this page' }).uncheck();
    assert.deepEqual(await checked(), []);
    assert.equal(await bar.isVisible(), false);

    await box(1).click();
    await box(2).click({ modifiers: ['Shift'] });
    await rows.nth(4).locator('a.ticket-link').focus();
    await page.keyboard.press('x');
    assert.deepEqual(await checked(), [ids[1], ids[2], ids[4]]);
    await bar.getByLabel('Set priority').selectOption('critical');
    await bar.getByRole('button', { name: 'Apply to 3' }).click();
    await page.locator('#notices').getByText('Updated 3 tickets.').waitFor();
    assert.deepEqual(calls, [{ ids: [ids[1], ids[2], ids[4]], changes: { priority: 'critical' } }]);
    await eventually(async () => {
      const prios = await rows.evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.id, e.querySelector('[data-priority]').dataset.priority])));
      assert.deepEqual([ids[1], ids[2], ids[4]].map((x) => prios[x]), ['critical', 'critical', 'critical']);
      assert.equal(prios[ids[0]], 'low');
    });
    assert.deepEqual(await checked(), []);
    for (const x of [ids[1], ids[2], ids[4]]) {
      const t = (await server.api.call('GET', `/api/v1/tickets/${x}/`, { token: agentToken })).body;
      assert.equal(t.priority, 'critical');
    }

    // A ticket closed meanwhile fails on its own; the other is changed; the failure stays selected.
    await server.api.patchTicket(agentToken, ids[6], { status: 'closed' });
    await box(6).click();
    await box(7).click();
    await bar.getByLabel('Set status').selectOption('in_progress');
    await bar.getByRole('button', { name: 'Apply to 2' }).click();
    await page.locator('#notices').getByText(/^Updated 1 of 2 tickets\. .+: the ticket is closed; it can no longer be changed$/).waitFor();
    assert.deepEqual(calls.at(-1), { ids: [ids[6], ids[7]], changes: { status: 'in_progress' } });
    // The list reloads: the closed ticket has left "All open", the changed one shows its status.
    await eventually(async () => {
      const now = await rows.evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.id, e.querySelector('[data-status]').dataset.status])));
      assert.equal(now[ids[6]], undefined);
      assert.equal(now[ids[7]], 'in_progress');
    });
    assert.equal(await bar.isVisible(), false);
    const seven = (await server.api.call('GET', `/api/v1/tickets/${ids[7]}/`, { token: agentToken })).body;
    assert.equal(seven.status, 'in_progress');
    assertClean(ui);
    await ui.context.close();
  });
});
