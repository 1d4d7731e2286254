// The staff queue: a compact table (20+ rows on 1366x860), sortable headers, the list kept (pages,
// order, scroll, current row) on the way back, previous/next in the ticket view, cards on a phone,
// and the columns that wait for API fields (number, last reply) when the API sends them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, fullyVisibleRows, hashOf, launchBrowser, openPage, screenshot, startServer,
  uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';
import { extendTicketLists } from '../lib/future-api.mjs';

const DESK = { width: 1366, height: 860 };
const RANK = { low: 0, medium: 1, high: 2, critical: 3 };

describe('staff queue', () => {
  let server;
  let browser;
  let staff;
  const id = unique();
  const tickets = []; // oldest first

  const rowIds = (page) => page.locator('#ticket-table tbody tr').evaluateAll((els) => els.map((e) => e.dataset.id));
  const rowPriorities = (page) => page.locator('#ticket-table tbody tr .badge[data-priority]').evaluateAll((els) => els.map((e) => e.dataset.priority));
  const summary = (page) => page.locator('#list-summary').textContent();

  before(async () => {
    server = await startServer();
    server.createUser('agentq', 'agent');
    browser = await launchBrowser();
    const { access } = await server.api.register({ email: `robin-${id}@example.com`, first_name: 'Robin', last_name: 'Requester' });
    const agentToken = await server.api.login('agentq');
    const priorities = ['low', 'medium', 'high', 'critical'];
    for (let i = 0; i < 30; i += 1) {
      const t = await server.api.createTicket(access, `Queue ticket ${String(i).padStart(2, '0')} ${id}`, `Seeded ticket ${i}`, priorities[(i * 3) % 4]);
      if (i % 6 === 1) await server.api.patchTicket(agentToken, t.id, { status: 'in_progress' });
      tickets.push(t);
    }
    staff = await openPage(browser, server, { viewport: DESK });
    await uiLogin(staff.page, 'agentq');
    await waitForHash(staff.page, /^#\/staff\/open$/);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('shows at least 20 ticket rows at 1366x860, with the columns an agent scans', async () => {
    const { page } = staff;
    await eventually(async () => assert.equal(await summary(page), 'Showing 25 of 30 tickets'));
    const visible = await fullyVisibleRows(page);
    assert.ok(visible >= 20, `only ${visible} rows fully visible at 1366x860`);
    const headers = await page.locator('#ticket-table thead th').allTextContents();
    // The first column holds the "select all" checkbox of bulk changes.
    assert.deepEqual(headers.map((t) => t.replace(/[▲▼↕]/g, '').trim()), ['', '#Number', 'Subject', 'Requester', 'Status', 'Priority', 'Assignee', 'Updated']);
    assert.equal(await page.locator('#ticket-table thead #select-all').count(), 1);
    const first = page.locator('#ticket-table tbody tr').first();
    assert.equal(await first.getAttribute('data-id'), tickets[29].id, 'newest first');
    // Without ticket numbers in the API the number column shows a short id.
    assert.equal(await first.locator('.col-ref').textContent(), tickets[29].id.slice(-8));
    assert.equal(await first.locator('.col-requester').textContent(), 'Robin Requester');
    assert.equal(await first.locator('.col-assignee').textContent(), 'Unassigned');
    // Customers' card view is not used for staff on a wide screen; every row can be selected.
    assert.equal(await page.locator('#ticket-list').count(), 0);
    assert.equal(await page.locator('#ticket-table tbody input.row-select').count(), 25);
    await page.mouse.move(0, 0);
    await screenshot(page, 'staff-queue', { fullPage: false });
  });

  it('sorts by the headers (the API ordering), reflected in the URL and aria-sort', async () => {
    const { page } = staff;
    const priorityTh = page.locator('#ticket-table thead th', { has: page.locator('[data-sort="priority"]') });
    await page.locator('#ticket-table [data-sort="priority"]').click();
    await waitForHash(page, /^#\/staff\/open\?ordering=-priority$/);
    await eventually(async () => {
      assert.equal(await priorityTh.getAttribute('aria-sort'), 'descending');
      const ranks = (await rowPriorities(page)).map((p) => RANK[p]);
      assert.equal(ranks.length, 25);
      assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a));
      assert.equal(ranks[0], 3);
    });
    await page.locator('#ticket-table [data-sort="priority"]').click();
    await waitForHash(page, /ordering=priority$/);
    await eventually(async () => {
      assert.equal(await priorityTh.getAttribute('aria-sort'), 'ascending');
      const ranks = (await rowPriorities(page)).map((p) => RANK[p]);
      assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
      assert.equal(ranks[0], 0);
    });
    await page.locator('#ticket-table [data-sort="created_at"]').click();
    await waitForHash(page, /ordering=-created_at|^#\/staff\/open$/);
    await eventually(async () => assert.equal((await rowIds(page))[0], tickets[29].id));
    await page.locator('#ticket-table [data-sort="created_at"]').click();
    await waitForHash(page, /ordering=created_at$/);
    await eventually(async () => assert.equal((await rowIds(page))[0], tickets[0].id, 'oldest first'));
    await page.goBack();
    await eventually(async () => assert.equal((await rowIds(page))[0], tickets[29].id));
  });

  it('keeps the loaded pages, the order and the scroll position when going back', async () => {
    const { page } = staff;
    await page.goto(`${server.url}/#/staff/all?ordering=-priority`);
    await eventually(async () => assert.equal(await summary(page), 'Showing 25 of 30 tickets'));
    await page.locator('#load-more').click();
    await eventually(async () => assert.equal(await summary(page), 'Showing 30 of 30 tickets'));
    const before = await rowIds(page);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const scrolled = await page.evaluate(() => window.scrollY);
    assert.ok(scrolled > 200, `the page scrolls (${scrolled})`);
    const target = before[27];
    await page.locator(`#ticket-table tr[data-id="${target}"] a.ticket-link`).click();
    await waitForHash(page, new RegExp(`^#/tickets/${target}$`));
    await page.locator('#pager-position').filter({ hasText: '28 of 30 in All tickets' }).waitFor();

    // Browser Back: the same 30 rows, the same place, the same row focused.
    await page.goBack();
    await waitForHash(page, /^#\/staff\/all\?ordering=-priority$/);
    await eventually(async () => {
      assert.deepEqual(await rowIds(page), before);
      assert.equal(await summary(page), 'Showing 30 of 30 tickets');
      assert.ok(Math.abs((await page.evaluate(() => window.scrollY)) - scrolled) <= 2, 'scroll position kept');
      assert.equal(await page.evaluate(() => document.activeElement.closest('tr')?.dataset.id), target);
    });
    // The link back does the same.
    await page.locator(`#ticket-table tr[data-id="${before[3]}"] a.ticket-link`).click();
    await page.locator('#ticket-title').waitFor();
    await page.getByRole('link', { name: '← Back to tickets' }).click();
    await waitForHash(page, /^#\/staff\/all\?ordering=-priority$/);
    await eventually(async () => {
      assert.equal((await rowIds(page)).length, 30);
      assert.equal(await page.evaluate(() => document.activeElement.closest('tr')?.dataset.id), before[3]);
    });
    assertClean(staff);
  });

  it('steps to the previous and next ticket of the list, loading the next page when needed', async () => {
    const fresh = await openPage(browser, server, { viewport: DESK });
    const { page } = fresh;
    await uiLogin(page, 'agentq');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.locator('#view-all').click();
    await waitForHash(page, /^#\/staff\/all$/);
    await eventually(async () => assert.equal(await summary(page), 'Showing 25 of 30 tickets'));
    const ids = await rowIds(page);
    await page.locator('#ticket-table tbody tr').first().locator('a.ticket-link').click();
    await page.locator('#pager-position').filter({ hasText: '1 of 30 in All tickets' }).waitFor();
    assert.equal(await page.locator('#prev-ticket').isDisabled(), true);
    await page.locator('#next-ticket').click();
    await waitForHash(page, new RegExp(`^#/tickets/${ids[1]}$`));
    await page.locator('#pager-position').filter({ hasText: '2 of 30' }).waitFor();
    await page.locator('#prev-ticket').click();
    await waitForHash(page, new RegExp(`^#/tickets/${ids[0]}$`));
    // From the last loaded ticket, "Next" fetches the next page.
    await page.goto(`${server.url}/#/tickets/${ids[24]}`);
    await page.locator('#pager-position').filter({ hasText: '25 of 30' }).waitFor();
    await page.locator('#next-ticket').click();
    await waitForHash(page, new RegExp(`^#/tickets/${tickets[4].id}$`));
    await page.locator('#pager-position').filter({ hasText: '26 of 30' }).waitFor();
    assertClean(fresh);
    await fresh.context.close();
  });

  it('shows #numbers, who spoke last and "Waiting on us" when the list API sends them', async () => {
    const ext = await openPage(browser, server, {
      viewport: DESK,
      // Stand-in for the API fields issue 15 adds: `number` and `last_public_message`.
      init: (page) => extendTicketLists(page, (t) => {
        const i = tickets.findIndex((x) => x.id === t.id);
        return {
          number: 1000 + i,
          last_public_message: i % 2 ? { user: t.user, is_staff_message: false, created_at: t.created_at } : null,
        };
      }),
    });
    const { page } = ext;
    await uiLogin(page, 'agentq');
    await waitForHash(page, /^#\/staff\/open$/);
    const first = page.locator('#ticket-table tbody tr').first();
    await first.waitFor();
    assert.equal(await first.locator('.col-ref').textContent(), '#1029');
    assert.deepEqual((await page.locator('#ticket-table thead th').allTextContents()).at(-1), 'Last reply');
    assert.match(await first.locator('.col-last').textContent(), /Robin Requester.*Waiting on us/);
    assert.ok(await page.locator('#ticket-table .tag-waiting').count() >= 20, 'active tickets whose customer spoke last are marked');
    await first.locator('a.ticket-link').click();
    await page.locator('#ticket-title').waitFor();
    assertClean(ext);
    await ext.context.close();
  });

  it('uses cards for staff on a phone (360 px), without horizontal scroll', async () => {
    const phone = await openPage(browser, server, { viewport: { width: 360, height: 740 } });
    const { page } = phone;
    await uiLogin(page, 'agentq');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.locator('#ticket-list .ticket-item').first().waitFor();
    assert.equal(await page.locator('#ticket-table').count(), 0);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `scrollWidth ${width}`);
    await screenshot(page, 'phone-staff-queue', { fullPage: false });
    assert.match(await hashOf(page), /^#\/staff\/open$/);
    assertClean(phone);
    await phone.context.close();
  });
});
