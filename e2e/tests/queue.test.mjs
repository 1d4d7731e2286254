// The staff queue: a compact table (20+ rows on 1366x860), sortable headers, the list kept (pages,
// order, scroll, current row) on the way back, previous/next in the ticket view, cards on a phone,
// ticket numbers (#1042 in rows and titles, deep links and search by number) and who spoke last.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, fullyVisibleRows, hashOf, launchBrowser, openPage, screenshot, startServer,
  uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

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
    assert.deepEqual(headers.map((t) => t.replace(/[▲▼↕]/g, '').trim()), ['', '#Number', 'Subject', 'Requester', 'Status', 'Priority', 'Assignee', 'Updated', 'Last reply']);
    assert.equal(await page.locator('#ticket-table thead #select-all').count(), 1);
    const first = page.locator('#ticket-table tbody tr').first();
    assert.equal(await first.getAttribute('data-id'), tickets[29].id, 'newest first');
    // The number column shows the server's ticket numbers: 1..30 in creation order.
    assert.deepEqual(tickets.map((t) => t.number), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.equal(await first.locator('.col-ref').textContent(), '#30');
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

  it('shows #numbers, who spoke last and "Waiting on us" from the server', async () => {
    const say = (token, t, message, internal = false) => server.api.call('POST', `/api/v1/tickets/${t.id}/messages/`, {
      token, body: { message, internal }, expect: 201,
    });
    const robin = await server.api.login(`robin-${id}@example.com`);
    const agent = await server.api.login('agentq');
    // #30: the customer wrote last (an internal note after it changes nothing); #29: the agent
    // answered; #28: only an internal note, so nobody has answered yet.
    await say(robin, tickets[29], 'Any news?');
    await say(agent, tickets[29], 'Checking the VPN logs.', true);
    await say(agent, tickets[28], 'Fixed, please try again.');
    await say(agent, tickets[27], 'Probably the proxy.', true);

    const ext = await openPage(browser, server, { viewport: DESK });
    const { page } = ext;
    await uiLogin(page, 'agentq');
    await waitForHash(page, /^#\/staff\/open$/);
    const row = (t) => page.locator(`#ticket-table tbody tr[data-id="${t.id}"]`);
    await row(tickets[29]).waitFor();
    assert.equal(await row(tickets[29]).locator('.col-ref').textContent(), '#30');
    assert.equal(await row(tickets[28]).locator('.col-ref').textContent(), '#29');
    assert.deepEqual((await page.locator('#ticket-table thead th').allTextContents()).at(-1), 'Last reply');
    assert.equal(await row(tickets[29]).locator('.col-last').textContent(), 'Waiting on usRobin Requester');
    assert.equal((await row(tickets[28]).locator('.col-last').textContent()).trim(), 'agentq');
    assert.equal(await row(tickets[28]).locator('.tag-waiting').count(), 0, 'answered by staff: not waiting');
    assert.equal(await row(tickets[27]).locator('.col-last').textContent(), 'Waiting on usNo reply yet');
    // The marker is not cut off by the column.
    const fits = await row(tickets[29]).locator('.col-last .tag-waiting').evaluate((tag) => {
      const cell = tag.closest('td').getBoundingClientRect();
      return tag.getBoundingClientRect().right <= cell.right;
    });
    assert.ok(fits, 'the "Waiting on us" marker is fully inside its cell');
    // 25 active tickets shown; all but the one staff answered wait on us.
    assert.equal(await page.locator('#ticket-table .tag-waiting').count(), 24);
    const visible = await fullyVisibleRows(page);
    assert.ok(visible >= 20, `only ${visible} rows fully visible at 1366x860 with the last-reply column`);

    // The ticket view titles the ticket with its number (page title too).
    await row(tickets[29]).locator('a.ticket-link').click();
    await page.locator('#ticket-title').waitFor();
    assert.equal(await page.locator('#ticket-title .ticket-number').textContent(), '#30');
    assert.match(await page.title(), /^#30 Queue ticket 29 /);
    assert.equal(await page.locator('#ticket-details .ticket-ref').textContent(), '#30');
    assertClean(ext);
    await ext.context.close();
  });

  it('opens #/tickets/<number> like the id, and finds a ticket by #number in the search', async () => {
    const fresh = await openPage(browser, server, { viewport: DESK });
    const { page } = fresh;
    await uiLogin(page, 'agentq');
    await waitForHash(page, /^#\/staff\/open$/);
    // A deep link by number shows that ticket (the hash keeps the number).
    await page.goto(`${server.url}/#/tickets/7`);
    await page.locator('#ticket-title').filter({ hasText: 'Queue ticket 06' }).waitFor();
    assert.equal(await page.locator('#ticket-title .ticket-number').textContent(), '#7');
    assert.equal(await page.locator('#ticket-view').getAttribute('data-id'), tickets[6].id);
    assert.match(await hashOf(page), /^#\/tickets\/7$/);
    await page.locator('#reply-form').waitFor();
    // A number nobody has: the not-found view.
    await page.goto(`${server.url}/#/tickets/9999`);
    await page.getByRole('heading', { name: 'Ticket not found' }).waitFor();

    // The search: "#12" (or "12") lists ticket 12 first, then, newest first, the tickets with a
    // word starting with 12 in their text ("Queue ticket 12", "Seeded ticket 12": ticket 13).
    const startsAWord = (t, term) => `${t.topic} ${t.description}`.toLowerCase().split(/[^a-z0-9]+/).some((w) => w.startsWith(term));
    const want = [tickets[11], ...tickets.filter((t) => t !== tickets[11] && startsAWord(t, '12')).reverse()].map((t) => t.id);
    assert.ok(want.includes(tickets[12].id));
    await page.goto(`${server.url}/#/staff/all`);
    await eventually(async () => assert.equal(await summary(page), 'Showing 25 of 30 tickets'));
    for (const [typed, hash] of [['#12', /q=%2312/], ['12', /q=12(&|$)/]]) {
      await page.locator('#filter-q').fill(typed);
      await waitForHash(page, hash);
      await eventually(async () => {
        assert.deepEqual(await rowIds(page), want.slice(0, 25));
        assert.match(await summary(page), new RegExp(`^Showing ${Math.min(want.length, 25)} of ${want.length} tickets? matching`));
      });
    }
    assertClean(fresh);
    await fresh.context.close();

    // A customer who does not own ticket 7 gets the not-found view for its number.
    const other = await openPage(browser, server, { viewport: DESK });
    await server.api.register({ email: `olive-${id}@example.com`, first_name: 'Olive', last_name: 'Other' });
    await uiLogin(other.page, `olive-${id}@example.com`);
    await other.page.goto(`${server.url}/#/tickets/7`);
    await other.page.getByRole('heading', { name: 'Ticket not found' }).waitFor();
    assert.equal(await other.page.locator('#ticket-title').count(), 0);
    assertClean(other);
    await other.context.close();
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
