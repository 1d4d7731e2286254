// Ticket lists: pagination through the Link header, status/priority/text filters, sorting,
// deep links with filters, back/forward, and the staff console's scopes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, hashOf, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

const PRIORITIES = ['low', 'medium', 'high', 'critical'];

describe('ticket lists', () => {
  let server;
  let browser;
  let ui;
  const id = unique();
  const email = `lists-${id}@example.com`;
  const tickets = []; // { id, number, topic, priority, status }

  const count = (pred) => tickets.filter(pred).length;
  const itemIds = (page) => page.locator('#ticket-list .ticket-item').evaluateAll((els) => els.map((e) => e.dataset.id));
  const summary = (page) => page.locator('#list-summary').textContent();

  before(async () => {
    server = await startServer();
    server.createUser('agent7', 'agent');
    browser = await launchBrowser();
    const { access } = await server.api.register({ email, first_name: 'Lee', last_name: 'Lister' });
    const agentToken = await server.api.login('agent7');
    for (let i = 0; i < 60; i += 1) {
      const topic = i % 10 === 3 ? `VPN outage ${i}` : `Printer jam ${i}`;
      const priority = PRIORITIES[i % 4];
      const t = await server.api.createTicket(access, topic, `Ticket number ${i}`, priority);
      let status = 'open';
      if (i % 7 === 0) status = 'resolved';
      else if (i % 5 === 0) status = 'in_progress';
      if (status !== 'open') await server.api.patchTicket(agentToken, t.id, { status });
      tickets.push({ id: t.id, number: t.number, topic, priority, status });
    }
    ui = await openPage(browser, server);
    await uiLogin(ui.page, email);
    await waitForHash(ui.page, /^#\/tickets$/);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('pages through all tickets with "Load more" (Link rel=next), newest first', async () => {
    const { page } = ui;
    await eventually(async () => assert.equal(await summary(page), 'Showing 25 of 60 tickets'));
    let ids = await itemIds(page);
    assert.equal(ids.length, 25);
    assert.equal(ids[0], tickets[59].id, 'newest first');
    await page.locator('#load-more').click();
    await eventually(async () => assert.equal(await summary(page), 'Showing 50 of 60 tickets'));
    await page.locator('#load-more').click();
    await eventually(async () => assert.equal(await summary(page), 'Showing 60 of 60 tickets'));
    assert.equal(await page.locator('#load-more').isVisible(), false);
    ids = await itemIds(page);
    assert.equal(ids.length, 60);
    assert.equal(new Set(ids).size, 60, 'pages never overlap');
    assert.deepEqual(new Set(ids), new Set(tickets.map((t) => t.id)));
  });

  it('shows counts per status on the dashboard', async () => {
    const { page } = ui;
    const counter = page.locator('.counters .counter.status-resolved .counter-value');
    await eventually(async () => assert.equal(await counter.textContent(), String(count((t) => t.status === 'resolved'))));
  });

  it('filters by status and priority (checkboxes), reflected in the URL', async () => {
    const { page } = ui;
    const filters = page.locator('#filters');
    await filters.getByRole('checkbox', { name: 'Resolved' }).check();
    await waitForHash(page, /^#\/tickets\?status=resolved$/);
    const resolved = count((t) => t.status === 'resolved');
    await eventually(async () => assert.equal(await summary(page), `Showing ${resolved} of ${resolved} tickets matching the filters`));
    const statuses = await page.locator('#ticket-list .ticket-item .badge[data-status]').evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.equal(statuses.length, resolved);
    assert.ok(statuses.every((s) => s === 'resolved'));

    await filters.getByRole('checkbox', { name: 'In progress' }).check();
    await waitForHash(page, /status=in_progress%2C|status=resolved,in_progress|status=in_progress,resolved/);
    const both = count((t) => t.status === 'resolved' || t.status === 'in_progress');
    await eventually(async () => assert.match(await summary(page), new RegExp(`of ${both} tickets`)));

    await filters.getByRole('checkbox', { name: 'High' }).check();
    await waitForHash(page, /priority=high/);
    const high = count((t) => (t.status === 'resolved' || t.status === 'in_progress') && t.priority === 'high');
    await eventually(async () => assert.match(await summary(page), new RegExp(`of ${high} ticket`)));
    const priorities = await page.locator('#ticket-list .ticket-item .badge[data-priority]').evaluateAll((els) => els.map((e) => e.dataset.priority));
    assert.ok(priorities.length === high && priorities.every((p) => p === 'high'));

    await page.locator('#clear-filters').click();
    await waitForHash(page, /^#\/tickets$/);
    await eventually(async () => assert.equal(await summary(page), 'Showing 25 of 60 tickets'));
  });

  it('searches topic and description (q) and sorts (ordering)', async () => {
    const { page } = ui;
    const vpn = tickets.filter((t) => t.topic.startsWith('VPN'));
    await page.getByLabel('Search').fill('VPN');
    await page.getByLabel('Search').press('Enter');
    await waitForHash(page, /q=VPN/);
    await eventually(async () => assert.equal(await summary(page), `Showing ${vpn.length} of ${vpn.length} tickets matching the filters`));
    // Each card leads with the ticket's number; newest first.
    const topics = await page.locator('#ticket-list .ticket-topic').allTextContents();
    assert.deepEqual(topics, [...vpn].reverse().map((t) => `#${t.number}${t.topic}`));

    await page.getByLabel('Sort by').selectOption('-priority');
    await waitForHash(page, /ordering=-priority/);
    await eventually(async () => {
      const prios = await page.locator('#ticket-list .ticket-item .badge[data-priority]').evaluateAll((els) => els.map((e) => e.dataset.priority));
      const expected = [...vpn].sort((a, b) => PRIORITIES.indexOf(b.priority) - PRIORITIES.indexOf(a.priority)).map((t) => t.priority);
      assert.deepEqual(prios, expected);
    });

    // Back restores the previous filters (same search, default order).
    await page.goBack();
    await eventually(async () => {
      assert.doesNotMatch(await hashOf(page), /ordering/);
      assert.equal(await page.getByLabel('Sort by').inputValue(), '-created_at');
      assert.equal(await page.getByLabel('Search').inputValue(), 'VPN');
    });
    await page.goForward();
    await eventually(async () => assert.equal(await page.getByLabel('Sort by').inputValue(), '-priority'));
  });

  it('opens a deep link with filters', async () => {
    const fresh = await openPage(browser, server);
    const { page } = fresh;
    await uiLogin(page, email);
    await waitForHash(page, /^#\/tickets$/);
    await page.goto(`${server.url}/#/tickets?status=open,in_progress&priority=critical&q=Printer`);
    const expected = count((t) => ['open', 'in_progress'].includes(t.status) && t.priority === 'critical' && t.topic.startsWith('Printer'));
    await eventually(async () => assert.equal(await summary(page), `Showing ${expected} of ${expected} tickets matching the filters`));
    const filters = page.locator('#filters');
    assert.equal(await filters.getByRole('checkbox', { name: 'Open' }).isChecked(), true);
    assert.equal(await filters.getByRole('checkbox', { name: 'In progress' }).isChecked(), true);
    assert.equal(await filters.getByRole('checkbox', { name: 'Resolved' }).isChecked(), false);
    assert.equal(await filters.getByRole('checkbox', { name: 'Critical' }).isChecked(), true);
    assert.equal(await page.getByLabel('Search').inputValue(), 'Printer');
    assertClean(fresh);
    await fresh.context.close();
  });

  it('gives staff the built-in views with counts: My open, Unassigned, All open, Recently updated, All', async () => {
    const agentToken = await server.api.login('agent7');
    const me = (await server.api.call('GET', '/api/v1/users/profile/', { token: agentToken })).body;
    await server.api.patchTicket(agentToken, tickets[5].id, { assigned_to: me.id });
    await server.api.patchTicket(agentToken, tickets[6].id, { assigned_to: me.id });
    const active = (t) => t.status === 'open' || t.status === 'in_progress';
    const openCount = count(active);
    const unassigned = count((t, i) => active(t) && i !== 5 && i !== 6);
    const st = await openPage(browser, server);
    const { page } = st;
    const rowIds = () => page.locator('#ticket-table tbody tr').evaluateAll((els) => els.map((e) => e.dataset.id));
    await uiLogin(page, 'agent7');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.getByRole('heading', { name: 'All open' }).waitFor();
    await eventually(async () => assert.equal(await summary(page), `Showing 25 of ${openCount} tickets`));
    // Each view shows its count (X-Total-Count).
    const counts = { mine: 2, unassigned, open: openCount, recent: 60, all: 60 };
    await eventually(async () => {
      for (const [k, n] of Object.entries(counts)) assert.equal(await page.locator(`#view-${k} .view-count`).textContent(), String(n), k);
    });
    await page.locator('#view-mine').click();
    await waitForHash(page, /^#\/staff\/mine$/);
    await page.getByRole('heading', { name: 'My open' }).waitFor();
    await eventually(async () => assert.equal(await summary(page), 'Showing 2 of 2 tickets'));
    assert.deepEqual(new Set(await rowIds()), new Set([tickets[5].id, tickets[6].id]));
    assert.equal(await page.locator('#view-mine').getAttribute('aria-current'), 'page');
    await page.locator('#view-unassigned').click();
    await waitForHash(page, /^#\/staff\/unassigned$/);
    await eventually(async () => assert.equal(await summary(page), `Showing 25 of ${unassigned} tickets`));
    // Filters work in the views too, and survive in the URL.
    await page.locator('#filters').getByRole('checkbox', { name: 'Low' }).check();
    await waitForHash(page, /^#\/staff\/unassigned\?priority=low$/);
    const low = count((t, i) => active(t) && t.priority === 'low' && i !== 5 && i !== 6);
    await eventually(async () => assert.match(await summary(page), new RegExp(`of ${low} tickets`)));
    await page.goBack();
    await waitForHash(page, /^#\/staff\/unassigned$/);
    await eventually(async () => assert.equal(await summary(page), `Showing 25 of ${unassigned} tickets`));
    // "Recently updated" sorts by the last change: the two just assigned come first.
    await page.locator('#view-recent').click();
    await waitForHash(page, /^#\/staff\/recent$/);
    await eventually(async () => assert.deepEqual((await rowIds()).slice(0, 2), [tickets[6].id, tickets[5].id]));
    await page.locator('#view-all').click();
    await waitForHash(page, /^#\/staff\/all$/);
    await eventually(async () => assert.equal(await summary(page), 'Showing 25 of 60 tickets'));
    assertClean(st);
    assertClean(ui);
  });
});
