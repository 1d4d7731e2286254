// Live updates through the event stream: a customer sees the agent's reply (and a status change)
// appear without reloading, never the internal note; an agent sees a colleague viewing and then
// replying, and a visible warning with the colleague's message when it comes while they type; the
// queue holds new tickets behind a "N new - show" bar, updates rows in place and its counts; a
// quiet "Offline" while the server is down, and the stream resumes after it is back.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

describe('live updates', () => {
  let server;
  let browser;
  let carol;
  const id = unique();
  const carolEmail = `carol-${id}@example.com`;

  before(async () => {
    server = await startServer();
    server.createUser('alex', 'agent', undefined, undefined, { first: 'Alex', last: 'Rivera' });
    server.createUser('lee', 'agent', undefined, undefined, { first: 'Lee', last: 'Stone' });
    browser = await launchBrowser();
    carol = await server.api.register({ email: carolEmail, first_name: 'Carol', last_name: 'Mendes' });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  const message = (token, ticket, text, internal = false) => server.api.call('POST', `/api/v1/tickets/${ticket}/messages/`, {
    token, body: { message: text, internal }, expect: 201,
  });

  it("shows the customer the agent's reply and status change without reloading, never the note", async () => {
    const ticket = await server.api.createTicket(carol.access, `Printer jams ${id}`);
    const customer = await openPage(browser, server);
    const { page } = customer;
    await uiLogin(page, carolEmail);
    await waitForHash(page, /^#\/tickets$/);
    await page.goto(`${server.url}/#/tickets/${ticket.id}`);
    await page.locator('#ticket-title', { hasText: `Printer jams ${id}` }).waitFor();
    await page.evaluate(() => { window.notReloaded = true; });
    const alex = await server.api.login('alex');
    await message(alex, ticket.id, `Internal: check the fuser ${id}`, true);
    await message(alex, ticket.id, `We are sending a technician ${id}`);
    await page.locator('#thread .message-text', { hasText: `We are sending a technician ${id}` }).waitFor({ timeout: 5000 });
    await server.api.patchTicket(alex, ticket.id, { status: 'in_progress' });
    await page.locator('.ticket-badges', { hasText: 'In progress' }).waitFor({ timeout: 5000 });
    assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was reloaded');
    assert.equal(await page.locator('#thread').getByText('check the fuser').count(), 0);
    assert.equal(await page.locator('#presence').count(), 0, 'customers get no presence line');
    assertClean(customer);
    await customer.context.close();
  });

  it('shows who is viewing and replying, and warns an agent typing when a colleague replies', async () => {
    const ticket = await server.api.createTicket(carol.access, `VPN drops ${id}`);
    const first = await openPage(browser, server);
    const second = await openPage(browser, server);
    await uiLogin(first.page, 'alex');
    await uiLogin(second.page, 'lee');
    await waitForHash(first.page, /^#\/staff\//);
    await waitForHash(second.page, /^#\/staff\//);
    await first.page.goto(`${server.url}/#/tickets/${ticket.id}`);
    await first.page.locator('#ticket-title', { hasText: `VPN drops ${id}` }).waitFor();
    await second.page.goto(`${server.url}/#/tickets/${ticket.id}`);
    await second.page.locator('#ticket-title', { hasText: `VPN drops ${id}` }).waitFor();
    // Each sees the other, never themselves.
    await first.page.locator('#presence', { hasText: 'Lee Stone is viewing' }).waitFor({ timeout: 5000 });
    await second.page.locator('#presence', { hasText: 'Alex Rivera is viewing' }).waitFor({ timeout: 5000 });
    assert.equal(await first.page.locator('#presence').getByText('Alex Rivera').count(), 0);
    // Alex starts typing: Lee sees it.
    await first.page.getByLabel('Your reply').fill('Have you tried turning it off and on');
    await second.page.locator('#presence', { hasText: 'Alex Rivera is replying' }).waitFor({ timeout: 5000 });
    // Lee replies first: Alex is warned, with Lee's message, before sending his own.
    await second.page.getByLabel('Your reply').fill(`Fixed the VPN profile ${id}`);
    await second.page.locator('#reply-options').click();
    await second.page.locator('#send-plain').click();
    await second.page.locator('#thread .message-text', { hasText: `Fixed the VPN profile ${id}` }).waitFor();
    const warning = first.page.locator('#collision-warning');
    await warning.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await warning.locator('#collision-title').textContent(), /Lee Stone replied while you were writing/);
    assert.equal(await warning.locator('#collision-message').textContent(), `Fixed the VPN profile ${id}`);
    assert.equal(await warning.getAttribute('role'), 'alert');
    // His text is kept; the new message is in the conversation too.
    assert.equal(await first.page.getByLabel('Your reply').inputValue(), 'Have you tried turning it off and on');
    await first.page.locator('#thread .message-text', { hasText: `Fixed the VPN profile ${id}` }).waitFor();
    await warning.locator('#collision-dismiss').click();
    await warning.waitFor({ state: 'hidden' });
    // Nobody typing: no warning for a colleague's note when Alex's box is empty.
    await first.page.getByLabel('Your reply').fill('');
    const lee = await server.api.login('lee');
    await message(lee, ticket.id, `A note nobody is typing against ${id}`, true);
    await first.page.locator('#thread .message-text', { hasText: `A note nobody is typing against ${id}` }).waitFor({ timeout: 5000 });
    assert.equal(await warning.isVisible(), false);
    // Lee leaves the ticket: Alex stops seeing him.
    await second.page.goto(`${server.url}/#/staff/open`);
    await eventually(async () => assert.doesNotMatch(await first.page.locator('#presence').textContent(), /Lee Stone/), { timeout: 5000 });
    assertClean(first);
    assertClean(second);
    await first.context.close();
    await second.context.close();
  });

  it('holds new tickets behind a bar, updates rows and counts in place', async () => {
    const shown = await server.api.createTicket(carol.access, `Already listed ${id}`);
    const agent = await openPage(browser, server);
    const { page } = agent;
    await uiLogin(page, 'alex');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.locator('#ticket-list, table').first().waitFor();
    await page.getByText(`Already listed ${id}`).first().waitFor();
    const rowsBefore = await page.locator('[data-id]').count();
    let countBefore = NaN;
    await eventually(async () => {
      const text = await page.locator('#view-open .view-count').textContent();
      assert.notEqual(text, '');
      countBefore = Number(text);
    });
    await server.api.createTicket(carol.access, `Fresh one ${id}`);
    await server.api.createTicket(carol.access, `Fresh two ${id}`);
    await page.locator('#live-new', { hasText: '2 new - show' }).waitFor({ timeout: 5000 });
    // The rows did not move; the counts did.
    assert.equal(await page.locator('[data-id]').count(), rowsBefore);
    assert.equal(await page.getByText(`Fresh one ${id}`).count(), 0);
    await eventually(async () => assert.equal(Number(await page.locator('#view-open .view-count').textContent()), countBefore + 2));
    // A change to a listed ticket shows in its row at once.
    const alex = await server.api.login('alex');
    await server.api.patchTicket(alex, shown.id, { priority: 'critical' });
    await eventually(async () => assert.match(await page.locator(`[data-id="${shown.id}"]`).first().textContent(), /Critical/), { timeout: 5000 });
    await page.locator('#live-new').click();
    await page.getByText(`Fresh one ${id}`).first().waitFor();
    await page.getByText(`Fresh two ${id}`).first().waitFor();
    assert.equal(await page.locator('#live-bar').isVisible(), false);
    assertClean(agent);
    await agent.context.close();
  });

  it('shows a quiet offline state while the server is down, then resumes', async () => {
    const ticket = await server.api.createTicket(carol.access, `Outage ${id}`);
    const customer = await openPage(browser, server);
    const { page } = customer;
    await uiLogin(page, carolEmail);
    await waitForHash(page, /^#\/tickets$/);
    await page.goto(`${server.url}/#/tickets/${ticket.id}`);
    await page.locator('#ticket-title', { hasText: `Outage ${id}` }).waitFor();
    assert.equal(await page.locator('#live-status').isVisible(), false);
    await server.kill();
    await page.locator('#live-status', { hasText: 'Offline' }).waitFor({ state: 'visible', timeout: 15000 });
    await server.restart();
    await page.locator('#live-status').waitFor({ state: 'hidden', timeout: 45000 });
    const alex = await server.api.login('alex');
    await message(alex, ticket.id, `Back online ${id}`);
    await page.locator('#thread .message-text', { hasText: `Back online ${id}` }).waitFor({ timeout: 5000 });
    customer.errors.length = 0; // the outage's failed requests
    await customer.context.close();
  });
});
