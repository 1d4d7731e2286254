// Tickets for someone else: an agent takes a ticket by phone for a customer, picking her in the
// new-ticket dialog by name, username or email; the ticket is hers (she sees it in her list), the
// activity log says in sentences who opened it for whom and who assigned it to whom, and the
// agent sees her other tickets next to it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, eventually, launchBrowser, openPage, screenshot, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';

describe('tickets for someone else', () => {
  let server;
  let browser;
  let carol;
  const id = unique();
  const carolEmail = `carol-${id}@example.com`;

  before(async () => {
    server = await startServer();
    server.createUser('agent1', 'agent', undefined, undefined, { first: 'Alex', last: 'Rivera' });
    browser = await launchBrowser();
    carol = await server.api.register({ email: carolEmail, username: `carol${id}`, first_name: 'Carol', last_name: 'Mendes' });
    await server.api.register({ email: `carl-${id}@example.com`, first_name: 'Carl', last_name: 'Mendes' });
    await server.api.createTicket(carol.access, `Old printer issue ${id}`);
    await server.api.createTicket(carol.access, `Scanner is slow ${id}`);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('opens a ticket for a customer picked by name, who then owns it', async () => {
    const agent = await openPage(browser, server);
    const { page } = agent;
    await uiLogin(page, 'agent1');
    await waitForHash(page, /^#\/staff\/open$/);
    await page.locator('#new-ticket').click();
    const dialog = page.locator('dialog#create-dialog');
    await dialog.locator('#requester-chosen').getByText('Yourself').waitFor();
    // Two customers share the last name; the first name narrows it down.
    await dialog.getByLabel('Requester').fill('mendes');
    await eventually(async () => assert.equal(await dialog.locator('.requester-option').count(), 2));
    await dialog.getByLabel('Requester').fill('mendes car');
    await eventually(async () => assert.equal(await dialog.locator('.requester-option').count(), 2));
    await dialog.getByLabel('Requester').fill('mendes carol');
    await eventually(async () => assert.equal(await dialog.locator('.requester-option').count(), 1));
    // By email too; Enter moves to the first result, which picks her.
    await dialog.getByLabel('Requester').fill(`carol-${id}@example`);
    await dialog.getByLabel('Requester').press('Enter');
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement.dataset.username), `carol${id}`));
    await page.keyboard.press('Enter');
    await dialog.locator('#requester-chosen').getByText('Carol Mendes').waitFor();
    await dialog.getByLabel('Topic').fill(`Called about the VPN ${id}`);
    await dialog.getByLabel('Description').fill('Taken by phone at 9:05.');
    await screenshot(page, 'create-for-requester');
    await dialog.locator('#create-submit').click();
    await page.locator('#ticket-title', { hasText: `Called about the VPN ${id}` }).waitFor();
    const ticketId = (await page.evaluate(() => window.location.hash)).split('/').pop();
    // The details name her; the activity says who opened it for whom; the side panel lists her
    // other tickets.
    await page.locator('#ticket-details').getByText('Carol Mendes').waitFor();
    assert.deepEqual(await page.locator('#activity-list .activity-text').allTextContents(),
      ['Alex Rivera opened the ticket for Carol Mendes']);
    const panel = page.locator('.requester-panel');
    await panel.getByRole('heading', { name: 'Other tickets of Carol Mendes' }).waitFor();
    await eventually(async () => assert.equal(await page.locator('#requester-tickets-summary').textContent(), '2 other tickets:'));
    assert.deepEqual((await page.locator('#requester-tickets li a').allTextContents()).map((t) => t.replace(/^\S+\s/, '')).sort(),
      [`Old printer issue ${id}`, `Scanner is slow ${id}`]);
    await screenshot(page, 'ticket-requester-panel');
    // Assigned to a colleague, then taken over: the log names both.
    const token = await server.api.login('agent1');
    const bea = server.createUser(`bea${id}`, 'agent', undefined, undefined, { first: 'Bea', last: 'Stone' });
    const staffIds = (await server.api.call('GET', '/api/v1/users/?role=agent', { token })).body;
    const beaId = staffIds.find((u) => u.username === bea.username).id;
    const alexId = staffIds.find((u) => u.username === 'agent1').id;
    await server.api.patchTicket(token, ticketId, { assigned_to: beaId, priority: 'high' });
    await server.api.patchTicket(token, ticketId, { assigned_to: alexId, status: 'in_progress' });
    await page.reload();
    await page.locator('#activity-list .activity-item').nth(4).waitFor();
    assert.deepEqual(await page.locator('#activity-list .activity-text').allTextContents(), [
      'Alex Rivera reassigned the ticket from Bea Stone to Alex Rivera',
      'Alex Rivera changed status from Open to In progress',
      'Alex Rivera assigned the ticket to Bea Stone',
      'Alex Rivera changed priority from Medium to High',
      'Alex Rivera opened the ticket for Carol Mendes',
    ]);
    // Following one of her other tickets shows the new ticket among her others.
    await page.locator('#requester-tickets a', { hasText: `Old printer issue ${id}` }).click();
    await page.locator('#ticket-title', { hasText: `Old printer issue ${id}` }).waitFor();
    await page.locator('#requester-tickets a', { hasText: `Called about the VPN ${id}` }).waitFor();
    assertClean(agent);
    await agent.context.close();

    // Carol sees the ticket in her own list and may answer it.
    const customer = await openPage(browser, server);
    await uiLogin(customer.page, carolEmail);
    await waitForHash(customer.page, /^#\/tickets$/);
    await customer.page.locator('#ticket-list .ticket-item', { hasText: `Called about the VPN ${id}` }).waitFor();
    await customer.page.goto(`${server.url}/#/tickets/${ticketId}`);
    await customer.page.locator('#ticket-title', { hasText: `Called about the VPN ${id}` }).waitFor();
    // Customers do not get the staff panel, nor the requester picker.
    assert.equal(await customer.page.locator('.requester-panel').count(), 0);
    await customer.page.goto(`${server.url}/#/tickets`);
    await customer.page.locator('#new-ticket').click();
    await customer.page.locator('dialog#create-dialog').waitFor();
    assert.equal(await customer.page.locator('#requester-q').count(), 0);
    assertClean(customer);
    await customer.context.close();
  });
});
