// Password reset by mail (issue 17), end to end in the browser against a real SMTP server process
// (scripts/smtp-sink.py, Python with aiosmtpd: $TICKETING_SMTP_SINK_PYTHON or the venv of
// scripts/ensure-smtp-sink-venv.sh): "Forgot password?" on the login page, the same answer for an
// unknown address, the mail with its link, the new password (the policy applies), the used link
// refused, the old password gone and the new one working; the admin's "Mail failures" page.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  PASSWORD, REPO, assertClean, eventually, launchBrowser, openPage, startServer, uiLogin, unique, waitForHash,
} from '../lib/harness.mjs';
import { assertAxeClean } from '../lib/axe.mjs';

/** Starts the SMTP sink on a free port; resolves { port, dir, stop(), mails() }. */
async function startSink(args = []) {
  const python = process.env.TICKETING_SMTP_SINK_PYTHON || join(homedir(), '.cache', 'venv-smtp-sink', 'bin', 'python');
  const dir = mkdtempSync(join(tmpdir(), 'smtp-sink-'));
  const proc = spawn(python, [join(REPO, 'scripts', 'smtp-sink.py'), '--port', '0', '--dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d.toString(); });
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`the SMTP sink did not start: ${stderr} (bash scripts/ensure-smtp-sink-venv.sh)`)), 20000);
    proc.on('error', (e) => reject(new Error(`cannot run ${python}: ${e.message} (bash scripts/ensure-smtp-sink-venv.sh)`)));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = /^READY (\d+)$/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    });
  });
  return {
    port,
    mails() {
      return readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((f) => ({
        raw: readFileSync(join(dir, f), 'utf8'),
        envelope: JSON.parse(readFileSync(join(dir, f.replace(/\.eml$/, '.json')), 'utf8')),
      }));
    },
    stop() {
      proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The reset link in a raw mail (quoted-printable soft breaks undone). */
function resetLink(raw) {
  const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const m = /(https?:\/\/[^\s"<>]*#\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(text);
  assert.ok(m, `no reset link in:\n${raw}`);
  return m[1];
}

describe('password reset by mail', () => {
  let server;
  let sink;
  let browser;
  const id = unique();
  const user = { email: `rosa-${id}@example.com`, username: `rosa${id}` };
  const NEW_PASSWORD = 'A-fresh-passphrase-9';

  before(async () => {
    sink = await startSink(['--reject', 'bounce@']);
    // The server's links point at itself: TICKETING_PUBLIC_URL is its own address (set below).
    server = await startServer({
      env: {
        TICKETING_SMTP_URL: `smtp://127.0.0.1:${sink.port}?tls=none&timeout=5`,
        TICKETING_MAIL_FROM: 'Helpdesk <support@help.test>',
        TICKETING_MAIL_RETRY_BASE: '1s',
      },
    });
    server.createUser('mailadmin', 'admin');
    server.createUser('bounce', 'agent', PASSWORD, 'bounce@example.com');
    browser = await launchBrowser();
    await server.api.register({ ...user, first_name: 'Rosa', last_name: 'Reset' });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (sink) sink.stop();
  });

  it('sends a single-use link that sets a new password', async () => {
    const ui = await openPage(browser, server);
    const { page } = ui;
    await page.locator('#login-form').waitFor();
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await waitForHash(page, /^#\/forgot-password/);
    await page.locator('#forgot-password-form').waitFor();
    await assertAxeClean(page, 'the forgot-password page');

    // An unknown address gets the same answer (and no mail).
    await page.getByLabel('Email').fill(`nobody-${id}@example.com`);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    const done = page.locator('#forgot-password-done');
    await done.waitFor();
    const unknownAnswer = await done.textContent();
    assert.match(unknownAnswer, /If this address belongs to an account/);

    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await eventually(async () => assert.equal(sink.mails().filter((m) => m.envelope.rcpt_tos.includes(user.email)).length, 1));
    assert.equal(await done.textContent(), unknownAnswer);
    const mail = sink.mails().find((m) => m.envelope.rcpt_tos.includes(user.email));
    assert.match(mail.raw, /Subject: Reset your password/);
    assert.equal(sink.mails().filter((m) => m.envelope.rcpt_tos.some((r) => r.startsWith('nobody-'))).length, 0);

    // The link opens the reset page (of this server: the public URL defaults to its address).
    const link = resetLink(mail.raw);
    const token = link.split('token=')[1];
    assert.ok(link.startsWith(`${server.url}/#/reset-password?token=`), link);
    await page.goto(link);
    await page.locator('#reset-password-form').waitFor();
    await assertAxeClean(page, 'the reset-password page');

    // The policy applies: a weak password is refused on its field, and the link keeps working.
    await page.getByLabel('New password', { exact: true }).fill('12345678');
    await page.getByLabel('Confirm new password').fill('12345678');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await eventually(async () => assert.equal(await page.getByLabel('New password', { exact: true }).getAttribute('aria-invalid'), 'true'));

    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await waitForHash(page, /^#\/login/);
    await page.getByText(/Password set/).first().waitFor();

    // The old password is gone, the new one works.
    await server.api.call('POST', '/api/v1/users/auth/login/', { body: { username: user.username, password: PASSWORD }, expect: 401 });
    await uiLogin(page, user.username, NEW_PASSWORD);
    await waitForHash(page, /^#\/tickets/);

    // The link was used up.
    const again = await server.api.call('POST', '/api/v1/users/auth/password-reset/confirm/', { body: { token, new_password: 'Yet-another-pass-7' }, expect: 400 });
    assert.ok(again.body.errors.token, JSON.stringify(again.body));
    assertClean(ui);
  });

  it('lists a refused mail on the admin page', async () => {
    // A new ticket is mailed to every agent: the sink refuses bounce@ for good.
    const access = await server.api.login(user.username, NEW_PASSWORD);
    await server.api.createTicket(access, 'Bounce me');
    const ui = await openPage(browser, server);
    const { page } = ui;
    await uiLogin(page, 'mailadmin');
    await waitForHash(page, /^#\/staff/);
    const adminToken = await server.api.login('mailadmin');
    await eventually(async () => {
      const res = await server.api.call('GET', '/api/v1/mail/failures/', { token: adminToken, expect: 200 });
      assert.equal(res.body.length, 1);
    }, { timeout: 30000 });
    await page.getByRole('link', { name: 'Mail failures' }).click();
    await waitForHash(page, /^#\/admin\/mail/);
    await page.locator('#mail-failures .mail-failure').first().waitFor();
    const row = page.locator('#mail-failures .mail-failure').first();
    assert.match(await row.textContent(), /bounce@example\.com/);
    assert.match(await row.textContent(), /550/);
    await assertAxeClean(page, 'the mail failures page');
    assertClean(ui);
  });
});
