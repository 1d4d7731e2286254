// Calmer screens: Delete and Close in a "More" menu behind a confirmation, focus rings with 3:1
// contrast in both themes, exact times without hovering, notices that never cover the control
// just used, and one "Retry" message when the list cannot load, gone by itself once the server
// is back.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';
import { assertAxeClean } from '../lib/axe.mjs';

const DESK = { width: 1366, height: 860 };

const intersects = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The focus ring's colour and the colour behind it, for the focused element. */
function focusRing(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const parse = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    let bg = [0, 0, 0, 0];
    for (let n = el.parentElement; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.length >= 3 && (c.length === 3 || c[3] > 0)) {
        bg = c;
        break;
      }
    }
    if (bg[3] === 0) bg = parse(getComputedStyle(document.body).backgroundColor);
    const lum = ([r, g, b]) => {
      const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ring = parse(style.outlineColor);
    const [hi, lo] = [lum(ring), lum(bg)].sort((a, b) => b - a);
    return { tag: `${el.tagName.toLowerCase()}#${el.id}.${el.className}`, style: style.outlineStyle, width: parseFloat(style.outlineWidth), ratio: (hi + 0.05) / (lo + 0.05) };
  });
}

describe('calm and sturdy', () => {
  let server;
  let browser;
  let staff;
  let ticket;
  const id = unique();

  before(async () => {
    server = await startServer();
    server.createUser('agentc', 'agent');
    server.createUser('adminc', 'admin');
    server.createUser('alex', 'agent', undefined, undefined, { first: 'Alex', last: 'Rivera' });
    browser = await launchBrowser();
    const { access } = await server.api.register({ email: `cal-${id}@example.com`, first_name: 'Cal', last_name: 'Customer' });
    ticket = await server.api.createTicket(access, `Calm ticket ${id}`, 'A long enough description.');
    for (let i = 0; i < 3; i += 1) await server.api.createTicket(access, `Other calm ticket ${i} ${id}`);
    staff = await openPage(browser, server, { viewport: DESK });
    await uiLogin(staff.page, 'agentc');
    await waitForHash(staff.page, /^#\/staff\/open$/);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('keeps Delete and Close in a "More" menu, behind a confirmation', async () => {
    const { page } = staff;
    await page.goto(`${server.url}/#/tickets/${ticket.id}`);
    await page.locator('#ticket-title', { hasText: 'Calm ticket' }).waitFor();
    assert.deepEqual(await page.locator('.ticket-actions > button, .ticket-actions > .menu > button').allTextContents(), ['Edit', 'More▾']);
    assert.equal(await page.locator('.btn-danger:visible').count(), 0, 'no red button on the screen');
    assert.equal(await page.locator('#delete-ticket').count(), 0);
    await page.locator('#ticket-more').click();
    assert.equal(await page.locator('#ticket-more').getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await page.locator('.ticket-actions .menu-list button').allTextContents(), ['Close ticket…', 'Delete ticket…']);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'close-ticket');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'delete-ticket');
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('alertdialog', { name: 'Delete this ticket?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    const token = await server.api.login('agentc');
    await server.api.call('GET', `/api/v1/tickets/${ticket.id}/`, { token, expect: 200 });
    // Esc closes the menu and gives the focus back to its button.
    await page.locator('#ticket-more').click();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.ticket-actions .menu-list').isVisible(), false);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'ticket-more');

    // The admin's "Deactivate" is a quiet button too (still confirmed, see admin.test.mjs).
    const admin = await openPage(browser, server, { viewport: DESK });
    await uiLogin(admin.page, 'adminc');
    await waitForHash(admin.page, /^#\/staff\/open$/);
    await admin.page.goto(`${server.url}/#/admin/users`);
    await admin.page.locator('#user-list .user-row').first().waitFor();
    assert.equal(await admin.page.locator('#user-list .btn-danger').count(), 0);
    assert.ok(await admin.page.locator('#user-list .btn-danger-text', { hasText: 'Deactivate' }).count() >= 1);
    assertClean(admin);
    await admin.context.close();
    assertClean(staff);
  });

  it('draws focus rings with at least 3:1 contrast in both themes', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const ui = await openPage(browser, server, { viewport: DESK, colorScheme });
      const { page } = ui;
      await uiLogin(page, 'agentc');
      await waitForHash(page, /^#\/staff\/open$/);
      await page.locator('#ticket-table tbody tr').first().waitFor();
      await page.goto(`${server.url}/#/tickets/${ticket.id}`);
      await page.locator('#ticket-title').waitFor();
      const seen = [];
      for (let i = 0; i < 30; i += 1) {
        await page.keyboard.press('Tab');
        const ring = await focusRing(page);
        if (ring.tag.startsWith('body')) continue; // past the last control
        seen.push(ring);
        assert.notEqual(ring.style, 'none', `${colorScheme}: ${ring.tag} has no focus ring`);
        assert.ok(ring.width >= 2, `${colorScheme}: ${ring.tag} ring is ${ring.width}px`);
        assert.ok(ring.ratio >= 3, `${colorScheme}: ${ring.tag} ring contrast ${ring.ratio.toFixed(2)}:1`);
      }
      assert.ok(new Set(seen.map((s) => s.tag)).size > 10, 'the walk visited many controls');
      assertClean(ui);
      await ui.context.close();
    }
  });

  it('shows exact times without hovering: on a focused row and in the details', async () => {
    const { page } = staff;
    await page.goto(`${server.url}/#/staff/open`);
    await page.locator('#ticket-table tbody tr').first().waitFor();
    await page.mouse.move(0, 0);
    await page.evaluate(() => document.activeElement.blur());
    const rows = page.locator('#ticket-table tbody tr');
    assert.equal(await rows.locator('.time-on-focus:visible').count(), 0, 'no exact time before a row has focus');
    await page.keyboard.press('j');
    const exact = page.locator('#ticket-table tbody tr:focus-within .time-on-focus');
    await exact.waitFor();
    assert.match(await exact.textContent(), /\d{4}/);
    await page.keyboard.press('Enter');
    await page.locator('#ticket-details').waitFor();
    const created = page.locator('#ticket-details dd').filter({ has: page.locator('time') }).first().locator('.time-exact');
    await created.waitFor();
    assert.match(await created.textContent(), /\d{4}/);
    assert.match(await page.locator('#activity-list .time-exact').first().textContent(), /\d{4}/);
  });

  it('keeps notices clear of the control just used', async () => {
    const { page } = staff;
    await page.goto(`${server.url}/#/tickets/${ticket.id}`);
    await page.locator('#ticket-title', { hasText: 'Calm ticket' }).waitFor();
    await page.locator('#controls-form select[name="priority"]').selectOption('high');
    // Put "Save changes" in the bottom right corner, where notices appear by default.
    await page.evaluate(() => {
      const b = document.getElementById('save-controls').getBoundingClientRect();
      window.scrollBy(0, b.bottom - window.innerHeight + 12);
    });
    const before = await page.locator('#save-controls').boundingBox();
    assert.ok(before.y + before.height > DESK.height - 80 && before.x + before.width > DESK.width - 500, 'the button sits where a notice would go');
    await page.locator('#save-controls').click();
    const notice = page.locator('#notices .notice', { hasText: 'Ticket updated.' });
    await notice.waitFor();
    const button = await page.locator('#save-controls').boundingBox();
    const box = await notice.boundingBox();
    assert.ok(!intersects(box, button), `the notice ${JSON.stringify(box)} covers the button ${JSON.stringify(button)}`);

    // On a phone, after sending a reply from the bottom of the screen.
    const phone = await openPage(browser, server, { viewport: { width: 360, height: 740 } });
    await uiLogin(phone.page, 'agentc');
    await waitForHash(phone.page, /^#\/staff\/open$/);
    await phone.page.goto(`${server.url}/#/tickets/${ticket.id}`);
    await phone.page.locator('#reply-form textarea').fill('Checked, all good.');
    await phone.page.evaluate(() => {
      const b = document.getElementById('reply-submit').getBoundingClientRect();
      window.scrollBy(0, b.bottom - window.innerHeight + 8);
    });
    await phone.page.locator('#reply-options').click();
    await phone.page.locator('#send-plain').click();
    const sent = phone.page.locator('#notices .notice', { hasText: 'Reply sent.' });
    await sent.waitFor();
    const used = await phone.page.locator('#reply-options').boundingBox();
    assert.ok(!intersects(await sent.boundingBox(), used), 'the notice does not cover the send button');
    assertClean(phone);
    await phone.context.close();
    assertClean(staff);
  });

  it('tells the activity as sentences with names, folding consecutive messages of one person', async () => {
    const customer = await server.api.login(`cal-${id}@example.com`);
    const alex = await server.api.login('alex');
    const t = await server.api.createTicket(customer, `Sentences ${id}`);
    for (const m of ['First', 'Second', 'Third']) {
      await server.api.call('POST', `/api/v1/tickets/${t.id}/messages/`, { token: customer, body: { message: m }, expect: 201 });
    }
    const me = (await server.api.call('GET', '/api/v1/users/profile/', { token: alex })).body;
    await server.api.patchTicket(alex, t.id, { status: 'in_progress', priority: 'critical', assigned_to: me.id });
    await server.api.call('POST', `/api/v1/tickets/${t.id}/messages/`, { token: alex, body: { message: 'Note', internal: true }, expect: 201 });
    const { page } = staff;
    await page.goto(`${server.url}/#/tickets/${t.id}`);
    await page.locator('#ticket-title', { hasText: 'Sentences' }).waitFor();
    const texts = await page.locator('#activity-list .activity-text').allTextContents();
    assert.deepEqual(texts, [
      'Alex Rivera added an internal note',
      'Alex Rivera assigned the ticket to Alex Rivera',
      'Alex Rivera changed priority from Medium to Critical',
      'Alex Rivera changed status from Open to In progress',
      'Cal Customer added 3 messages',
      'Cal Customer opened the ticket',
    ]);
    assert.equal(await page.locator('#activity-list .activity-item').nth(4).getAttribute('data-count'), '3');
    assert.match(await page.locator('#activity-list .activity-item').nth(4).locator('.activity-meta').textContent(), /first at .*\d{4}/);
    assertClean(staff);
  });

  it('shows one message with Retry while the server is down, and recovers by itself', async () => {
    const { page } = staff;
    await page.goto(`${server.url}/#/staff/open`);
    await page.locator('#ticket-table tbody tr').first().waitFor();
    await server.kill();
    await page.locator('#view-all').click();
    const box = page.locator('#list-failure');
    await box.waitFor();
    assert.equal(await page.locator('main [role="alert"]').count(), 1, 'one message');
    assert.equal(await page.locator('#notices .notice-error').count(), 0, 'no extra notice');
    assert.match(await box.textContent(), /could not be loaded.*server cannot be reached/s);
    await box.getByRole('button', { name: 'Retry' }).click();
    await page.waitForTimeout(500);
    assert.equal(await page.locator('main [role="alert"]').count(), 1, 'still one message after a failed retry');
    await assertAxeClean(page, 'the failed list');
    await server.restart();
    await page.locator('#ticket-table tbody tr').first().waitFor({ timeout: 20000 });
    await eventually(async () => assert.equal(await page.locator('#list-failure').count(), 0));
    assert.equal(await page.locator('#list-summary').textContent(), 'Showing 5 of 5 tickets');
    assertClean(staff);
  });
});
