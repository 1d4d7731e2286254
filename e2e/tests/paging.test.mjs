// A long ticket: the detail holds the latest 50 messages, files and activity entries; "Load
// earlier messages", "Show earlier files" and "Show earlier activity" bring the older ones, page
// by page, each exactly once, and a new reply keeps what was loaded.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

describe('long tickets load older items on demand', () => {
  let server;
  let browser;
  let ui;
  let ticketId;
  let access;
  const id = unique();
  const email = `pager-${id}@example.com`;
  const MESSAGES = 130;
  const FILES = 55;

  const messageTexts = (page) => page.locator('#thread .message .message-text').allTextContents();

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    ({ access } = await server.api.register({ email, first_name: 'Pat', last_name: 'Pager' }));
    const t = await server.api.createTicket(access, `Long thread ${id}`, 'A ticket with a lot of history.');
    ticketId = t.id;
    for (let i = 0; i < MESSAGES; i += 1) {
      await server.api.call('POST', `/api/v1/tickets/${ticketId}/messages/`, { token: access, body: { message: `Message number ${i}` }, expect: 201 });
    }
    for (let i = 0; i < FILES; i += 1) {
      const form = new FormData();
      form.append('file', new Blob([`file ${i}`], { type: 'text/plain' }), `file-${i}.txt`);
      const res = await fetch(`${server.url}/api/v1/tickets/${ticketId}/attachments/`, {
        method: 'POST', headers: { Authorization: `Bearer ${access}` }, body: form,
      });
      assert.equal(res.status, 201, await res.text());
    }
    ui = await openPage(browser, server);
    await uiLogin(ui.page, email);
    await waitForHash(ui.page, /^#\/tickets$/);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('shows the latest 50 messages and the total', async () => {
    const { page } = ui;
    await page.goto(`${server.url}/#/tickets/${ticketId}`);
    await page.locator('#thread .message').first().waitFor();
    await eventually(async () => assert.equal(await page.locator('#thread-heading').textContent(), `Conversation (${MESSAGES})`));
    const texts = await messageTexts(page);
    assert.equal(texts.length, 50);
    assert.equal(texts[0], `Message number ${MESSAGES - 50}`);
    assert.equal(texts[49], `Message number ${MESSAGES - 1}`);
    assert.equal(await page.locator('#load-earlier-messages').isVisible(), true);
  });

  it('loads earlier messages page by page, each once, oldest first', async () => {
    const { page } = ui;
    const button = page.locator('#load-earlier-messages');
    await button.click();
    await eventually(async () => assert.equal((await messageTexts(page)).length, 100));
    await page.getByText('50 earlier messages loaded.').waitFor();
    await button.click();
    await eventually(async () => assert.equal((await messageTexts(page)).length, MESSAGES));
    await eventually(async () => assert.equal(await button.isVisible(), false));
    const texts = await messageTexts(page);
    assert.deepEqual(texts, Array.from({ length: MESSAGES }, (_, i) => `Message number ${i}`));
  });

  it('keeps the loaded messages when a new reply arrives', async () => {
    const { page } = ui;
    await page.locator('textarea[name="message"]').first().fill('A fresh reply');
    await page.locator('#reply-submit').click();
    await eventually(async () => {
      const texts = await messageTexts(page);
      assert.equal(texts.length, MESSAGES + 1);
      assert.equal(texts[0], 'Message number 0');
      assert.equal(texts[MESSAGES], 'A fresh reply');
      assert.equal(new Set(texts).size, MESSAGES + 1, 'no message shown twice');
    });
  });

  it('shows earlier files and earlier activity on demand', async () => {
    const { page } = ui;
    const files = page.locator('#attachment-list .attachment');
    assert.equal(await files.count(), 50);
    await page.locator('#load-earlier-files').click();
    await eventually(async () => assert.equal(await files.count(), FILES));
    assert.equal(await page.locator('#load-earlier-files').isVisible(), false);
    const names = await page.locator('#attachment-list .attachment-name').allTextContents();
    assert.deepEqual(names, Array.from({ length: FILES }, (_, i) => `file-${i}.txt`));

    const entries = () => page.locator('#activity-list .activity-item').evaluateAll(
      (els) => els.reduce((n, e) => n + Number(e.dataset.count || 1), 0),
    );
    // created + messages + the fresh reply + files: the log, folded, counts every entry once.
    const total = 1 + MESSAGES + 1 + FILES;
    assert.equal(await entries(), 50);
    const more = page.locator('#load-earlier-activity');
    while (await more.isVisible()) {
      const before = await entries();
      await more.click();
      await eventually(async () => assert.ok((await entries()) > before));
    }
    assert.equal(await entries(), total);
    assertClean(ui);
  });
});
