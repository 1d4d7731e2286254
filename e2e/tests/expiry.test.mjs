// Access token expiry: with a 2 s access token the UI refreshes transparently (one refresh for
// several concurrent requests) and the user never sees the login screen; the event stream ends
// with each token and comes back with a fresh one, missing nothing.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, hashOf, launchBrowser, openPage, startServer, uiCreateTicket, uiLogin,
  uiRegister, unique, waitForHash,
} from '../lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('access token expiry', () => {
  let server;
  let browser;
  let ui;
  const refreshes = [];
  const expired = [];
  const id = unique();
  const email = `exp-${id}@example.com`;

  before(async () => {
    server = await startServer({ accessTtl: 2 });
    browser = await launchBrowser();
    // The event stream refreshes the token itself whenever it ends (the last test shows it): held
    // open without delivering anything on this page, so that its requests do meet an expired token.
    ui = await openPage(browser, server, { init: (page) => page.route('**/api/v1/events/**', () => {}) });
    ui.page.on('response', async (res) => {
      const url = res.url();
      if (url.includes('/api/v1/users/auth/refresh/')) refreshes.push({ at: Date.now(), status: res.status() });
      else if (res.status() === 401 && url.includes('/api/v1/')) expired.push(url);
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('refreshes transparently when creating a ticket after the token expired', async () => {
    const { page } = ui;
    await uiRegister(page, { email });
    await waitForHash(page, /^#\/tickets$/);
    await page.getByText('You have no tickets yet.').waitFor();
    const before = refreshes.length;
    await sleep(3000);
    const topic = `Expired token ticket ${id}`;
    await uiCreateTicket(page, { topic, files: [{ name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') }] });
    await page.locator('#attachment-list a', { hasText: 'a.txt' }).waitFor();
    assert.ok(refreshes.length > before, 'the UI called the refresh endpoint');
    // (The refresh on the very first page load, before registering, had no cookie: 401. Later ones succeed.)
    assert.ok(refreshes.slice(before).every((r) => r.status === 200), `refreshes: ${JSON.stringify(refreshes)}`);
    assert.ok(expired.length >= 1, 'the server answered 401 for the stale token');
    assert.match(await hashOf(page), /^#\/tickets\/[0-9a-f-]{36}$/);
    assert.equal(await page.locator('#login-form').count(), 0);
  });

  it('uses one refresh for several concurrent requests', async () => {
    const { page } = ui;
    await sleep(3000);
    const before = refreshes.length;
    // The dashboard fires five requests at once (list + four status counters).
    await page.getByRole('link', { name: 'My tickets' }).click();
    await waitForHash(page, /^#\/tickets$/);
    await eventually(async () => assert.equal(await page.locator('#list-summary').textContent(), 'Showing 1 of 1 ticket'));
    await eventually(async () => assert.equal(await page.locator('.counters .counter.status-open .counter-value').textContent(), '1'));
    assert.equal(refreshes.length - before, 1, 'exactly one refresh for the burst');
  });

  it('keeps working after a reload and a further expiry', async () => {
    const { page } = ui;
    await page.reload();
    await page.locator('#ticket-list .ticket-item').first().waitFor();
    await sleep(3000);
    await page.locator('#ticket-list .ticket-item a').first().click();
    await page.locator('#ticket-title').waitFor();
    await page.getByLabel('Your reply').fill('Still here after expiry.');
    await sleep(2500);
    await page.locator('#reply-submit').click();
    await page.locator('#thread .message', { hasText: 'Still here after expiry.' }).waitFor();
    assert.equal(await page.locator('#login-form').count(), 0);
    assertClean(ui);
  });

  it('keeps the event stream across token expiries', async () => {
    server.createUser(`agent${id}`, 'agent');
    const live = await openPage(browser, server);
    const { page } = live;
    await uiLogin(page, email);
    await waitForHash(page, /^#\/tickets$/);
    await page.locator('#ticket-list .ticket-item a').first().click();
    await page.locator('#ticket-title').waitFor();
    const ticketId = (await hashOf(page)).split('/').pop();
    // Two expiries: the stream ended twice and came back with a fresh token and its last id.
    await sleep(5000);
    const agent = await server.api.login(`agent${id}`);
    await server.api.call('POST', `/api/v1/tickets/${ticketId}/messages/`, { token: agent, body: { message: 'Heard after the expiry.' }, expect: 201 });
    await page.locator('#thread .message-text', { hasText: 'Heard after the expiry.' }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#login-form').count(), 0);
    assert.equal(await page.locator('#live-status').isVisible(), false);
    assertClean(live);
    await live.context.close();
  });
});
