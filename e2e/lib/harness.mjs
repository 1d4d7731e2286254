// Test harness: starts a ticketing server on a free port in a temp dir, creates users with the CLI,
// launches Debian's chromium through playwright-core, and offers small helpers for the UI and API.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..');
export const SCREENSHOTS = join(REPO, 'docs', 'screenshots');
export const PASSWORD = 'Str0ng-pass!';

/** The server binary: $TICKETING_BIN, else the debug/release build in $CARGO_TARGET_DIR. */
export function serverBinary() {
  if (process.env.TICKETING_BIN) {
    if (!existsSync(process.env.TICKETING_BIN)) throw new Error(`TICKETING_BIN=${process.env.TICKETING_BIN} does not exist`);
    return process.env.TICKETING_BIN;
  }
  const target = process.env.CARGO_TARGET_DIR || '/work/target-frontend';
  for (const profile of ['debug', 'release']) {
    const p = join(target, profile, 'ticketing');
    if (existsSync(p)) return p;
  }
  throw new Error('No server binary: set TICKETING_BIN or build with `cargo build -p ticketing-server`');
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a server. Returns { url, dir, env, log(), stop(), kill(), restart(), createUser(), api }.
 * opts.accessTtl: seconds (default 900); opts.rateLimit: per minute (default 10000);
 * opts.env: more environment variables.
 */
export async function startServer({ accessTtl = 900, rateLimit = 10000, writeLimit = 10000, env: extraEnv = {} } = {}) {
  const bin = serverBinary();
  const dir = mkdtempSync(join(tmpdir(), 'ticketing-e2e-'));
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dir, 't.db')}`,
    TICKETING_DATA_DIR: dir,
    TICKETING_BIND: `127.0.0.1:${port}`,
    TICKETING_COOKIE_SECURE: 'false',
    TICKETING_JWT_SECRET: randomBytes(32).toString('hex'),
    TICKETING_ACCESS_TTL: String(accessTtl),
    TICKETING_RATE_LIMIT_PER_MINUTE: String(rateLimit),
    TICKETING_WRITES_PER_MINUTE: String(writeLimit),
    RUST_LOG: process.env.RUST_LOG || 'warn',
    ...extraEnv,
  };
  const output = [];
  const url = `http://127.0.0.1:${port}`;
  let child = null;
  let exited = null;

  /** Spawns the process (same port, data and secret) and waits until it is healthy. */
  async function launch() {
    exited = null;
    const proc = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout.on('data', (d) => output.push(d.toString()));
    proc.stderr.on('data', (d) => output.push(d.toString()));
    proc.on('exit', (code, signal) => { if (child === proc) exited = { code, signal }; });
    const deadline = Date.now() + 120000;
    for (;;) {
      if (exited) throw new Error(`server exited early (${JSON.stringify(exited)}):\n${output.join('')}`);
      try {
        const res = await fetch(`${url}/healthz`);
        if (res.status === 200) break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`server did not become healthy in 120 s:\n${output.join('')}`);
      }
      await sleep(150);
    }
  }
  await launch();

  const server = {
    url,
    dir,
    env,
    log: () => output.join(''),
    async stop() {
      await server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    /** Ends the process (an outage: the data stays for restart()). */
    async kill(signal = 'SIGKILL') {
      if (!exited && child) {
        child.kill(signal);
        for (let i = 0; i < 50 && !exited; i += 1) await sleep(100);
        if (!exited) child.kill('SIGKILL');
        for (let i = 0; i < 50 && !exited; i += 1) await sleep(100);
      }
    },
    /** Starts the server again after kill(), on the same address with the same data. */
    restart: launch,
    /** Creates a user with the CLI (`ticketing user create`). */
    createUser(username, role, password = PASSWORD, email = `${username}@example.com`, { first = '', last = '' } = {}) {
      const names = [...(first ? ['--first-name', first] : []), ...(last ? ['--last-name', last] : [])];
      const res = spawnSync(bin, ['user', 'create', '--username', username, '--email', email, '--role', role, ...names, '--password-stdin'], {
        env, input: password, encoding: 'utf8', timeout: 120000,
      });
      if (res.status !== 0) throw new Error(`user create ${username} failed (${res.status}): ${res.stdout}${res.stderr}`);
      return { username, email, password, role };
    },
  };
  server.api = apiClient(url);
  return server;
}

/** A tiny API client for test set-up (Node's fetch). */
export function apiClient(base) {
  async function call(method, path, { token, body, headers = {}, expect } = {}) {
    const h = { Accept: 'application/json', Origin: base, ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(base + path, { method, headers: h, body: payload });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = text; }
    if (expect !== undefined) {
      assert.equal(res.status, expect, `${method} ${path}: expected ${expect}, got ${res.status} ${text.slice(0, 500)}`);
    } else if (!res.ok) {
      throw new Error(`${method} ${path} -> ${res.status} ${text.slice(0, 500)}`);
    }
    return { status: res.status, headers: res.headers, body: json };
  }
  return {
    call,
    async login(login, password = PASSWORD) {
      const body = login.includes('@') ? { email: login, password } : { username: login, password };
      const r = await call('POST', '/api/v1/users/auth/login/', { body });
      return r.body.access;
    },
    async register({ email, username, first_name = 'Test', last_name = 'User', password = PASSWORD }) {
      const body = { email, password, password_confirmation: password, first_name, last_name };
      if (username) body.username = username;
      const r = await call('POST', '/api/v1/users/auth/register/', { body, expect: 201 });
      return r.body;
    },
    async createTicket(token, topic, description = 'Created by the test suite.', priority = 'medium') {
      const r = await call('POST', '/api/v1/tickets/', { token, body: { topic, description, priority }, expect: 201 });
      return r.body;
    },
    async patchTicket(token, id, changes) {
      const r = await call('PATCH', `/api/v1/tickets/${id}/`, { token, body: changes });
      return r.body;
    },
  };
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * A fresh context + page that records page errors, console errors and JS dialogs.
 * Returns { context, page, errors, dialogs }.
 */
export async function openPage(browser, server, { viewport = { width: 1280, height: 900 }, colorScheme = 'light', hash = '', init = null } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, baseURL: server.url, acceptDownloads: true });
  const page = await context.newPage();
  if (init) await init(page);
  // Generous: the machine may be busy compiling (two shared cores).
  page.setDefaultTimeout(30000);
  page.setDefaultNavigationTimeout(60000);
  const errors = [];
  const dialogs = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const text = msg.text();
      // Failed API calls are logged by the browser as resource errors: those are expected in some tests.
      if (!/Failed to load resource/.test(text)) errors.push(`console: ${text}`);
    }
  });
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  await page.goto(`${server.url}/${hash}`);
  return { context, page, errors, dialogs };
}

/** Logs in with the keyboard only (the login screen focuses its first field). */
export async function keyboardLogin(page, login, password = PASSWORD) {
  await page.locator('#login-form').waitFor();
  await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.name), 'identifier'));
  await page.keyboard.type(login);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

/** Counts, from now on, every mouse or pointer event the page receives (trusted ones). */
export async function countMouseEvents(page) {
  await page.evaluate(() => {
    window.__mouseEvents = [];
    for (const type of ['pointerdown', 'pointerup', 'mousedown', 'mouseup', 'mousemove', 'pointermove', 'wheel']) {
      document.addEventListener(type, (e) => { if (e.isTrusted) window.__mouseEvents.push(type); }, true);
    }
  });
  return () => page.evaluate(() => window.__mouseEvents.slice());
}

/** Rows of the staff table whose whole box is inside the viewport. */
export function fullyVisibleRows(page) {
  return page.evaluate(() => [...document.querySelectorAll('#ticket-table tbody tr')]
    .filter((r) => {
      const b = r.getBoundingClientRect();
      return b.top >= 0 && b.bottom <= window.innerHeight && b.height > 0;
    }).length);
}

/** Saves a full-page screenshot to docs/screenshots/<name>.png. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Dismiss the notices (as a user would) so they do not cover the screen.
  await page.evaluate(() => document.querySelectorAll('#notices .notice-close').forEach((b) => b.click()));
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** Retries an async assertion until it passes or the timeout ends. */
export async function eventually(fn, { timeout = 20000, interval = 100 } = {}) {
  const end = Date.now() + timeout;
  let lastErr;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > end) throw lastErr;
    await sleep(interval);
  }
}

/** The current location hash of a page. */
export const hashOf = (page) => page.evaluate(() => window.location.hash);

/** Waits until the hash matches a regex. */
export async function waitForHash(page, re, timeout = 30000) {
  await eventually(async () => {
    const hash = await hashOf(page);
    assert.match(hash, re);
  }, { timeout });
}

/* ---------- UI flows ---------- */

export async function uiLogin(page, login, password = PASSWORD) {
  await page.locator('#login-form').waitFor();
  await page.getByLabel('Email or username').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function uiRegister(page, { first = 'Casey', last = 'Customer', email, username = '', password = PASSWORD }) {
  await page.goto(new URL('/#/register', page.url()).toString());
  await page.locator('#register-form').waitFor();
  await page.getByLabel('First name').fill(first);
  await page.getByLabel('Last name').fill(last);
  await page.getByLabel('Email').fill(email);
  if (username) await page.getByLabel('Username (optional)').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

/** Opens the create dialog, fills it, optionally attaches files, submits; waits for the ticket view. */
export async function uiCreateTicket(page, { topic, description = 'Something is broken.', priority = 'Medium', files = [], beforeSubmit = null }) {
  await page.locator('#new-ticket').click();
  const dialog = page.locator('dialog#create-dialog');
  await dialog.waitFor();
  await dialog.getByLabel('Topic').fill(topic);
  await dialog.getByLabel('Description').fill(description);
  await dialog.getByLabel('Priority').selectOption({ label: priority });
  if (files.length) await dialog.getByLabel('Attachments (optional)').setInputFiles(files);
  if (beforeSubmit) await beforeSubmit(dialog);
  await page.locator('#create-submit').click();
  await dialog.waitFor({ state: 'detached', timeout: 60000 });
  await waitForHash(page, /^#\/tickets\/[0-9a-f-]{36}$/);
  await page.locator('#ticket-title').filter({ hasText: topic.slice(0, 40) }).waitFor();
  const hash = await hashOf(page);
  return hash.split('/').pop();
}

/** Asserts the page has no JS errors and fired no alert/confirm/prompt. */
export function assertClean({ errors, dialogs }) {
  assert.deepEqual(errors, [], `page errors: ${errors.join('\n')}`);
  assert.deepEqual(dialogs, [], `unexpected JS dialogs: ${dialogs.join('\n')}`);
}

/** A unique suffix for names in one run. */
export const unique = () => randomBytes(3).toString('hex');

export function readText(path) {
  return readFileSync(path, 'utf8');
}
