// User text is rendered as text: HTML/script payloads in a topic, a description, a message, a
// name and a file name show literally, create no elements and run nothing. Security headers hold.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, launchBrowser, openPage, startServer, uiCreateTicket, uiLogin, uiRegister, unique, waitForHash,
} from '../lib/harness.mjs';

const IMG = '<img src=x onerror=alert(1)>';
const SCRIPT = '<script>alert(1)</script>';

describe('XSS payloads render as literal text', () => {
  let server;
  let browser;
  let ui;
  let ticketId;
  const id = unique();
  const topic = `${IMG} ${SCRIPT} ${id}`;
  const message = `Look: ${SCRIPT} and ${IMG} <b>bold</b>`;

  async function assertNoInjection(page) {
    const injected = await page.evaluate(() => ({
      imgs: [...document.querySelectorAll('img')].filter((i) => i.getAttribute('src') === 'x').length,
      scripts: [...document.querySelectorAll('script')].filter((s) => s.textContent.includes('alert')).length,
      bolds: document.querySelectorAll('main b').length,
    }));
    assert.deepEqual(injected, { imgs: 0, scripts: 0, bolds: 0 });
  }

  before(async () => {
    server = await startServer();
    server.createUser('agentx', 'agent');
    browser = await launchBrowser();
    ui = await openPage(browser, server);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('serves the UI with a strict CSP', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') || '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  it('keeps a payload in the topic, description and name as text', async () => {
    const { page } = ui;
    await uiRegister(page, { first: IMG, last: SCRIPT, email: `xss-${id}@example.com` });
    await waitForHash(page, /^#\/tickets$/);
    ticketId = await uiCreateTicket(page, {
      topic,
      description: `${SCRIPT}\n${IMG}`,
      files: [{ name: '<img src=x onerror=alert(1)>.txt', mimeType: 'text/plain', buffer: Buffer.from('x') }],
    });
    assert.equal((await page.locator('#ticket-title').textContent()).replace(/^#\d+/, ''), topic);
    assert.equal(await page.locator('#ticket-description').textContent(), `${SCRIPT}\n${IMG}`);
    assert.equal(await page.locator('#account-name').textContent(), `${IMG} ${SCRIPT}`);
    await page.locator('#attachment-list .attachment-name').first().waitFor();
    assert.match(await page.locator('#attachment-list .attachment-name').first().textContent(), /onerror/);
    await assertNoInjection(page);
  });

  it('keeps a payload in a message as text', async () => {
    const { page } = ui;
    await page.getByLabel('Your reply').fill(message);
    await page.locator('#reply-submit').click();
    const msg = page.locator('#thread .message .message-text', { hasText: 'Look:' });
    await msg.waitFor();
    assert.equal(await msg.textContent(), message);
    await assertNoInjection(page);
  });

  it('keeps the payload inert in the list and for staff', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'My tickets' }).click();
    const topicEl = page.locator('#ticket-list .ticket-topic').first();
    await topicEl.waitFor();
    assert.equal((await topicEl.textContent()).replace(/^#\d+/, ''), topic);
    await assertNoInjection(page);
    assertClean(ui);

    const staff = await openPage(browser, server);
    await uiLogin(staff.page, 'agentx');
    await waitForHash(staff.page, /^#\/staff\/open$/);
    await staff.page.locator('#ticket-table .ticket-link', { hasText: id }).waitFor();
    assert.match(await staff.page.locator('#ticket-table tbody tr').first().textContent(), /<img src=x onerror=alert\(1\)> <script>/);
    await staff.page.goto(`${server.url}/#/tickets/${ticketId}`);
    await staff.page.locator('#thread .message .message-text', { hasText: 'Look:' }).waitFor();
    assert.equal((await staff.page.locator('#ticket-title').textContent()).replace(/^#\d+/, ''), topic);
    await assertNoInjection(staff.page);
    assertClean(staff);
    await staff.context.close();
  });
});
