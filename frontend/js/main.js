// Application shell: routes, auth guard, navigation bar, view lifecycle, the question asked before
// leaving unsaved work, and the keyboard shortcuts that work everywhere.

import { onAuthLost, onPasswordChangeRequired } from './api.js';
import { clear, h, refreshRelativeTimes, replace, displayName } from './dom.js';
import { clearAllDrafts } from './drafts.js';
import { loadFeatures } from './features.js';
import * as live from './live.js';
import { setGlobalKeys, showShortcutSheet } from './keys.js';
import { forgetList } from './list-state.js';
import { backToList, forgetReturn, homeFor, leaveWarnings, rememberList, rememberReturn } from './navigation.js';
import { current, navigate, route, takeForced } from './router.js';
import * as session from './session.js';
import { confirmDialog, loading, notify, notifyError } from './ui.js';
import * as authViews from './views/auth.js';
import * as listView from './views/list.js';
import * as ticketView from './views/ticket.js';
import * as profileView from './views/profile.js';
import * as usersView from './views/users.js';
import * as auditView from './views/audit.js';
import * as mailView from './views/mail.js';
import * as webhooksView from './views/webhooks.js';

route('/', 'home');
route('/login', 'login');
route('/register', 'register');
route('/tickets', 'tickets');
route('/tickets/:id', 'ticket');
route('/staff/:scope', 'staff');
route('/admin/users', 'users');
route('/admin/audit', 'audit');
route('/admin/mail', 'mail');
route('/forgot-password', 'forgot');
route('/reset-password', 'reset');
route('/admin/webhooks', 'webhooks');
route('/profile', 'profile');
route('/password', 'password');

const VIEWS = {
  login: authViews.login,
  register: authViews.register,
  tickets: listView,
  staff: listView,
  ticket: ticketView,
  users: usersView,
  audit: auditView,
  mail: mailView,
  forgot: authViews.forgotPassword,
  reset: authViews.resetPassword,
  webhooks: webhooksView,
  profile: profileView,
  password: profileView.changePassword,
};
const PUBLIC = new Set(['login', 'register', 'forgot', 'reset']);

const main = () => document.getElementById('main');
let active = null; // { name, key, instance }
let shownHash = null; // the hash of the screen on display
let afterShow = null; // something to do once the next screen is shown (e.g. focus the search)

/** Redirects that depend on the user; returns a hash to go to, or null. */
function guard(loc, user) {
  if (loc.name === null || loc.name === 'home') return homeFor(user);
  if (!user) {
    if (PUBLIC.has(loc.name)) return null;
    rememberReturn(window.location.hash);
    return '#/login';
  }
  // A temporary password: nothing else until the user chose their own.
  if (user.must_change_password) return loc.name === 'password' ? null : '#/password';
  if (loc.name === 'password') return '#/profile';
  if (PUBLIC.has(loc.name) && loc.name !== 'reset') return homeFor(user);
  if (loc.name === 'tickets' && session.isStaff()) {
    const qs = loc.params.toString();
    return `#/staff/all${qs ? `?${qs.replace(/%2C/gi, ',')}` : ''}`;
  }
  if (loc.name === 'staff') {
    if (!session.isStaff()) return '#/tickets';
    if (!Object.hasOwn(listView.QUEUES, loc.args.scope)) return homeFor(user);
  }
  if (['users', 'audit', 'mail', 'webhooks'].includes(loc.name) && !session.isAdmin()) return homeFor(user);
  return null;
}

/** Screens with the same key update in place (a list with other filters keeps its focus). */
function screenKey(loc) {
  if (loc.name === 'ticket') return `ticket:${loc.args.id}`;
  if (loc.name === 'staff') return `staff:${loc.args.scope}`;
  return loc.name;
}

/** Asks before leaving a screen with unsaved work; resolves true when the user may go. */
async function mayLeave() {
  const warnings = leaveWarnings();
  if (!warnings.length) return true;
  return confirmDialog({
    title: 'Leave this page?',
    message: warnings.map((w) => w.message).join(' '),
    confirmLabel: 'Leave',
    cancelLabel: 'Stay',
  });
}

async function onHashChange() {
  const forced = takeForced();
  const loc = current();
  if (!forced && active && shownHash !== null && screenKey(loc) !== active.key && leaveWarnings().length) {
    const target = window.location.hash;
    // Show the screen's own address again while asking.
    const url = new URL(window.location.href);
    url.hash = shownHash;
    window.history.replaceState(window.history.state, '', url);
    if (await mayLeave()) navigate(target, { force: true });
    return;
  }
  render();
}

function render() {
  const loc = current();
  const user = session.user();
  const redirect = guard(loc, user);
  if (redirect) {
    navigate(redirect, { replace: true, force: true });
    return;
  }
  renderNav(loc);
  shownHash = window.location.hash;
  if (loc.name === 'tickets' || loc.name === 'staff') rememberList(window.location.hash);
  const key = screenKey(loc);
  if (active && active.key === key && active.instance && active.instance.update) {
    active.instance.update(loc);
    runAfterShow();
    return;
  }
  if (active && active.instance && active.instance.unmount) active.instance.unmount();
  // Dialogs belong to the screen they were opened on.
  for (const d of document.querySelectorAll('dialog[open]')) d.close('navigate');
  const container = main();
  clear(container);
  const isFirst = active === null;
  const view = VIEWS[loc.name];
  active = { name: loc.name, key, instance: view.mount(container, loc) || null };
  const handled = active.instance && active.instance.onShown ? active.instance.onShown() : false;
  if (!isFirst && !handled) {
    const heading = container.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
  runAfterShow();
}

/** Does what was asked for once the screen is shown (the same screen updated, or a new one). */
function runAfterShow() {
  if (afterShow) {
    const fn = afterShow;
    afterShow = null;
    fn();
  }
}

function navLink(hash, text, isCurrent) {
  return h('a', { href: hash, class: 'nav-link', attrs: { 'aria-current': isCurrent ? 'page' : null }, text });
}

function renderNav(loc) {
  const nav = document.getElementById('nav');
  const account = document.getElementById('account');
  const user = session.user();
  setGlobalKeys(globalKeys());
  if (!user) {
    replace(nav);
    replace(account,
      navLink('#/login', 'Log in', loc.name === 'login'),
      navLink('#/register', 'Register', loc.name === 'register'));
    return;
  }
  const links = [];
  if (user.must_change_password) {
    // Only the password screen and logging out.
  } else if (session.isStaff()) {
    links.push(navLink(homeFor(user), 'Tickets', loc.name === 'staff'));
    if (session.isAdmin()) {
      links.push(navLink('#/admin/users', 'Users', loc.name === 'users'));
      links.push(navLink('#/admin/audit', 'Audit log', loc.name === 'audit'));
      links.push(navLink('#/admin/mail', 'Mail failures', loc.name === 'mail'));
      links.push(navLink('#/admin/webhooks', 'Webhooks', loc.name === 'webhooks'));
    }
  } else {
    links.push(navLink('#/tickets', 'My tickets', loc.name === 'tickets'));
  }
  replace(nav, h('ul', { class: 'nav-list' }, links.map((a) => h('li', {}, a))));
  const logoutBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'logout-button', text: 'Log out' });
  logoutBtn.addEventListener('click', async () => {
    if (!(await mayLeave())) return;
    logoutBtn.disabled = true;
    clearAllDrafts();
    try {
      await session.logout();
      notify('You have been logged out.', 'success');
    } catch (err) {
      notifyError(err, 'Logout');
    } finally {
      forgetReturn();
      rememberList(null);
      forgetList();
      navigate('#/login', { force: true });
    }
  });
  if (user.must_change_password) {
    replace(account, h('span', { class: 'account-name', id: 'account-name', text: displayName(user) }), logoutBtn);
    return;
  }
  replace(account,
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'shortcuts-button', text: 'Shortcuts', attrs: { 'aria-keyshortcuts': '?' }, on: { click: openSheet } }),
    h('a', { href: '#/profile', class: 'nav-link account-name', id: 'account-name', attrs: { 'aria-current': loc.name === 'profile' ? 'page' : null, title: `${user.email} (${user.role})` } },
      displayName(user)),
    logoutBtn);
}

/* ---------- keyboard ---------- */

function globalKeys() {
  if (!session.user() || session.user().must_change_password) return {};
  const keys = {
    '?': openSheet,
    '/': () => {
      afterShow = () => {
        const search = document.getElementById('filter-q');
        if (search) search.focus();
      };
      navigate(backToList());
    },
  };
  if (session.isStaff()) {
    for (const [name, q] of Object.entries(listView.QUEUES)) keys[q.keys] = () => navigate(`#/staff/${name}`);
  }
  return keys;
}

function openSheet() {
  const staff = session.isStaff();
  const anywhere = [['?', 'Show this list'], ['/', 'Search the tickets'], ['Esc', 'Leave a text field; close a dialog or menu']];
  if (staff) {
    for (const q of Object.values(listView.QUEUES)) anywhere.push([q.keys, `Go to “${q.title}”`]);
  }
  const lists = [['j', 'Next ticket'], ['k', 'Previous ticket'], ['o', 'Open the current ticket'], ['Enter', 'Open the current ticket'], ['c', 'New ticket']];
  if (staff) lists.push(['x', 'Select or unselect the current ticket']);
  const ticket = [['r', 'Reply']];
  if (staff) ticket.push(['n', 'Write an internal note'], ['a', 'Assign to me'], ['s', 'Go to the status']);
  ticket.push(['Ctrl+Enter', staff ? 'Send (and mark resolved, as the button says)' : 'Send the reply'],
    ['j', 'Next ticket of the list'], ['k', 'Previous ticket of the list'], ['Esc', 'Back to the list']);
  showShortcutSheet([
    { title: 'Anywhere', keys: anywhere },
    { title: 'Ticket lists', keys: lists },
    { title: 'A ticket', keys: ticket },
  ]);
}

onAuthLost(() => {
  if (!session.user()) return;
  session.drop();
  rememberReturn(window.location.hash);
  forgetList();
  notify('Your session has ended. Please log in again.', 'error');
  navigate('#/login', { force: true });
});

// A temporary password (the server refused a call for it): to the password screen.
onPasswordChangeRequired(() => {
  const user = session.user();
  if (!user) return;
  if (!user.must_change_password) session.setUser({ ...user, must_change_password: true });
  navigate('#/password', { force: true });
});

// Profile edits (name, email) show up in the top bar at once. The event stream runs while someone
// is signed in (not while a temporary password awaits its replacement), and starts over for
// another user.
let streamUser = null;
session.onUserChange((u) => {
  if (u) renderNav(current());
  const wanted = u && !u.must_change_password ? u.id : null;
  if (wanted !== streamUser) {
    live.stop();
    streamUser = wanted;
    if (wanted) live.start();
  }
});

// A reload or a closed tab loses what is not stored (a stored draft survives).
window.addEventListener('beforeunload', (event) => {
  if (leaveWarnings().some((w) => !w.kept)) {
    event.preventDefault();
    event.returnValue = '';
  }
});

async function start() {
  document.getElementById('skip-link').addEventListener('click', () => {
    const m = main();
    const target = m.querySelector('h1') || m;
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus();
  });
  replace(main(), loading('Loading…'));
  const featuresLoaded = loadFeatures();
  for (;;) {
    try {
      await session.restore();
      break;
    } catch (err) {
      replace(main(), h('div', { class: 'empty' },
        h('p', { class: 'empty-title', text: 'The server cannot be reached.' }),
        h('p', { text: err.userMessage || String(err) })));
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  await featuresLoaded;
  window.addEventListener('hashchange', onHashChange);
  render();
  setInterval(() => refreshRelativeTimes(), 30000);
}

start();
