// axe-core (WCAG 2.x A and AA) on every screen, in the light and the dark theme, on a desktop and a
// 360 px phone: login, registration, the customer's list, new-ticket dialog and ticket (with its
// "More" menu), the staff queue (with the "N new - show" bar), a ticket with unsaved changes and
// the send menu open (and the requester's other tickets, a colleague's presence and the warning
// of their reply while typing), the leave prompt, the staff's new-ticket dialog with requester
// results, the shortcut sheet, profile, the admin's users and new-user dialog, the screen of a
// temporary password, and the list while the server is down.

import { after, before, describe, it } from 'node:test';
import {
  assertClean, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';
import { assertAxeClean } from '../lib/axe.mjs';

const DESK = { width: 1366, height: 860 };
const PHONE = { width: 360, height: 740 };

describe('axe-core on every screen', () => {
  let server;
  let browser;
  let ticket;
  const id = unique();
  const email = `axe-${id}@example.com`;

  before(async () => {
    server = await startServer();
    server.createUser('agenta', 'agent');
    server.createUser('admina', 'admin');
    browser = await launchBrowser();
    const { access } = await server.api.register({ email, first_name: 'Ada', last_name: 'Axe' });
    ticket = await server.api.createTicket(access, `Screen reader check ${id}`, 'Everything must be reachable.', 'high');
    await server.api.createTicket(access, `Second ticket ${id}`);
    const agent = await server.api.login('agenta');
    await server.api.call('POST', `/api/v1/tickets/${ticket.id}/messages/`, { token: access, body: { message: 'Any news?' }, expect: 201 });
    await server.api.call('POST', `/api/v1/tickets/${ticket.id}/messages/`, { token: agent, body: { message: 'Internal: check the logs', internal: true }, expect: 201 });
    await server.api.call('POST', `/api/v1/tickets/${ticket.id}/messages/`, { token: agent, body: { message: 'Looking into it.' }, expect: 201 });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  for (const colorScheme of ['light', 'dark']) {
    it(`finds no violation on the public and customer screens (${colorScheme})`, async () => {
      const ui = await openPage(browser, server, { viewport: DESK, colorScheme });
      const { page } = ui;
      await page.locator('#login-form').waitFor();
      await assertAxeClean(page, `login (${colorScheme})`);
      await page.goto(`${server.url}/#/register`);
      await page.locator('#register-form').waitFor();
      await assertAxeClean(page, `register (${colorScheme})`);
      await page.goto(`${server.url}/#/login`);
      await uiLogin(page, email);
      await waitForHash(page, /^#\/tickets$/);
      await page.locator('#ticket-list .ticket-item').first().waitFor();
      await page.locator('.counters .counter-value').first().waitFor();
      await assertAxeClean(page, `customer list (${colorScheme})`);
      await page.locator('#new-ticket').click();
      await page.locator('dialog#create-dialog').waitFor();
      await assertAxeClean(page, `new-ticket dialog (${colorScheme})`);
      await page.keyboard.press('Escape');
      await page.goto(`${server.url}/#/tickets/${ticket.id}`);
      await page.locator('#thread .message').first().waitFor();
      await page.locator('#ticket-more').click();
      await assertAxeClean(page, `customer ticket with the More menu (${colorScheme})`);
      await page.keyboard.press('Escape');
      await page.goto(`${server.url}/#/profile`);
      await page.locator('#profile-form').waitFor();
      await assertAxeClean(page, `profile (${colorScheme})`);
      assertClean(ui);
      await ui.context.close();
    });

    it(`finds no violation on the staff screens (${colorScheme})`, async () => {
      const ui = await openPage(browser, server, { viewport: DESK, colorScheme });
      const { page } = ui;
      await uiLogin(page, 'agenta');
      await waitForHash(page, /^#\/staff\/open$/);
      await page.locator('#ticket-table tbody tr').first().waitFor();
      await page.locator('#view-all .view-count:not(:empty)').waitFor();
      await page.keyboard.press('j');
      await server.api.createTicket(await server.api.login(email), `Live bar ${colorScheme} ${id}`);
      await page.locator('#live-new').waitFor();
      await assertAxeClean(page, `staff queue with the new-tickets bar (${colorScheme})`);
      await page.keyboard.press('?');
      await page.locator('#shortcut-sheet').waitFor();
      await assertAxeClean(page, `shortcut sheet (${colorScheme})`);
      await page.keyboard.press('Escape');
      await page.goto(`${server.url}/#/tickets/${ticket.id}`);
      await page.locator('#thread .message-internal').waitFor();
      await page.locator('#controls-form select[name="priority"]').selectOption('critical');
      await page.locator('#reply-form textarea').fill('Draft text');
      const colleague = await server.api.login('admina');
      await server.api.call('POST', `/api/v1/tickets/${ticket.id}/presence/`, { token: colleague, body: { state: 'replying' }, expect: 200 });
      await server.api.call('POST', `/api/v1/tickets/${ticket.id}/messages/`, { token: colleague, body: { message: `Colleague reply ${colorScheme}` }, expect: 201 });
      await page.locator('#collision-warning').waitFor();
      await page.locator('#presence .presence-item').first().waitFor();
      await page.locator('#reply-options').click();
      await assertAxeClean(page, `staff ticket, unsaved changes, send menu open (${colorScheme})`);
      await page.keyboard.press('Escape');
      await page.getByRole('link', { name: '← Back to tickets' }).click();
      await page.getByRole('alertdialog', { name: 'Leave this page?' }).waitFor();
      await assertAxeClean(page, `leave prompt (${colorScheme})`);
      await page.getByRole('button', { name: 'Leave' }).click();
      await waitForHash(page, /^#\/staff\/open$/);
      await page.locator('#new-ticket').click();
      await page.locator('dialog#create-dialog').getByLabel('Requester').fill('ada axe');
      await page.locator('dialog#create-dialog .requester-option').first().waitFor();
      await assertAxeClean(page, `staff new-ticket dialog with requester results (${colorScheme})`);
      await page.keyboard.press('Escape');
      assertClean(ui);
      await ui.context.close();
    });

    it(`finds no violation on the admin and phone screens (${colorScheme})`, async () => {
      const admin = await openPage(browser, server, { viewport: DESK, colorScheme });
      await uiLogin(admin.page, 'admina');
      await waitForHash(admin.page, /^#\/staff\/open$/);
      await admin.page.goto(`${server.url}/#/admin/users`);
      await admin.page.locator('#user-list .user-row').first().waitFor();
      await assertAxeClean(admin.page, `users (${colorScheme})`);
      await admin.page.locator('#new-user').click();
      await admin.page.locator('dialog#new-user-dialog').waitFor();
      await assertAxeClean(admin.page, `new-user dialog (${colorScheme})`);
      await admin.page.keyboard.press('Escape');
      await admin.page.goto(`${server.url}/#/admin/audit`);
      await admin.page.locator('#audit-list .audit-row').first().waitFor();
      await assertAxeClean(admin.page, `audit log (${colorScheme})`);
      assertClean(admin);
      await admin.context.close();

      // A user with a temporary password sees only the password screen.
      const token = await server.api.login('admina');
      const temp = `temp${colorScheme}${id}`;
      await server.api.call('POST', '/api/v1/users/', {
        token, expect: 201, body: { username: temp, email: `${temp}@example.com`, role: 'customer', password: 'Temporary-axe-2024' },
      });
      const fresh = await openPage(browser, server, { viewport: DESK, colorScheme });
      await uiLogin(fresh.page, temp, 'Temporary-axe-2024');
      await waitForHash(fresh.page, /^#\/password$/);
      await fresh.page.locator('#password-form').waitFor();
      await assertAxeClean(fresh.page, `temporary password screen (${colorScheme})`);
      assertClean(fresh);
      await fresh.context.close();

      const phone = await openPage(browser, server, { viewport: PHONE, colorScheme });
      const { page } = phone;
      await uiLogin(page, 'agenta');
      await waitForHash(page, /^#\/staff\/open$/);
      await page.locator('#ticket-list .ticket-item').first().waitFor();
      await assertAxeClean(page, `phone queue (${colorScheme})`);
      await page.locator('summary.filters-toggle').click();
      await assertAxeClean(page, `phone queue with filters open (${colorScheme})`);
      await page.goto(`${server.url}/#/tickets/${ticket.id}`);
      await page.locator('#thread .message').first().waitFor();
      await assertAxeClean(page, `phone ticket (${colorScheme})`);
      assertClean(phone);
      await phone.context.close();
    });
  }
});
