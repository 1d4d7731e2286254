// Application shell: routes, auth guard, navigation bar, view lifecycle.

import { onAuthLost } from './api.js';
import { clear, h, refreshRelativeTimes, replace, displayName } from './dom.js';
import { current, navigate, route } from './router.js';
import { forgetReturn, homeFor, rememberList, rememberReturn } from './app.js';
import * as session from './session.js';
import { loading, notify, notifyError } from './ui.js';
import * as authViews from './views/auth.js';
import * as listView from './views/list.js';
import * as ticketView from './views/ticket.js';
import * as profileView from './views/profile.js';
import * as usersView from './views/users.js';

route('/', 'home');
route('/login', 'login');
route('/register', 'register');
route('/tickets', 'tickets');
route('/tickets/:id', 'ticket');
route('/staff/:scope', 'staff');
route('/admin/users', 'users');
route('/profile', 'profile');

const VIEWS = {
  login: authViews.login,
  register: authViews.register,
  tickets: listView,
  staff: listView,
  ticket: ticketView,
  users: usersView,
  profile: profileView,
};
const PUBLIC = new Set(['login', 'register']);

const main = () => document.getElementById('main');
let active = null; // { name, key, instance }

/** Redirects that depend on the user; returns a hash to go to, or null. */
function guard(loc, user) {
  if (loc.name === null || loc.name === 'home') return homeFor(user);
  if (!user) {
    if (PUBLIC.has(loc.name)) return null;
    rememberReturn(window.location.hash);
    return '#/login';
  }
  if (PUBLIC.has(loc.name)) return homeFor(user);
  if (loc.name === 'tickets' && session.isStaff()) {
    const qs = loc.params.toString();
    return `#/staff/all${qs ? `?${qs.replace(/%2C/gi, ',')}` : ''}`;
  }
  if (loc.name === 'staff') {
    if (!session.isStaff()) return '#/tickets';
    if (!['all', 'mine', 'unassigned'].includes(loc.args.scope)) return '#/staff/all';
  }
  if (loc.name === 'users' && !session.isAdmin()) return homeFor(user);
  return null;
}

function render() {
  const loc = current();
  const user = session.user();
  const redirect = guard(loc, user);
  if (redirect) {
    navigate(redirect, { replace: true });
    return;
  }
  renderNav(loc);
  if (loc.name === 'tickets' || loc.name === 'staff') rememberList(window.location.hash);
  // Same screen with other filters: let the view update in place (keeps focus in the filters).
  const key = loc.name === 'ticket' ? `ticket:${loc.args.id}` : loc.name === 'staff' ? `staff:${loc.args.scope}` : loc.name;
  if (active && active.key === key && active.instance && active.instance.update) {
    active.instance.update(loc);
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
  if (!isFirst) {
    const heading = container.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
}

function navLink(hash, text, loc) {
  const here = window.location.hash.split('?')[0];
  const isCurrent = here === hash || (hash === '#/tickets' && loc.name === 'tickets');
  return h('a', { href: hash, class: 'nav-link', attrs: { 'aria-current': isCurrent ? 'page' : null }, text });
}

function renderNav(loc) {
  const nav = document.getElementById('nav');
  const account = document.getElementById('account');
  const user = session.user();
  if (!user) {
    replace(nav);
    replace(account,
      h('a', { href: '#/login', class: 'nav-link', attrs: { 'aria-current': loc.name === 'login' ? 'page' : null }, text: 'Log in' }),
      h('a', { href: '#/register', class: 'nav-link', attrs: { 'aria-current': loc.name === 'register' ? 'page' : null }, text: 'Register' }));
    return;
  }
  const links = [];
  if (session.isStaff()) {
    links.push(navLink('#/staff/all', 'All tickets', loc), navLink('#/staff/mine', 'Assigned to me', loc),
      navLink('#/staff/unassigned', 'Unassigned', loc));
    if (session.isAdmin()) links.push(navLink('#/admin/users', 'Users', loc));
  } else {
    links.push(navLink('#/tickets', 'My tickets', loc));
  }
  replace(nav, h('ul', { class: 'nav-list' }, links.map((a) => h('li', {}, a))));
  const logoutBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'logout-button', text: 'Log out' });
  logoutBtn.addEventListener('click', async () => {
    logoutBtn.disabled = true;
    try {
      await session.logout();
      notify('You have been logged out.', 'success');
    } catch (err) {
      notifyError(err, 'Logout');
    } finally {
      forgetReturn();
      rememberList(null);
      navigate('#/login');
    }
  });
  replace(account,
    h('a', { href: '#/profile', class: 'nav-link account-name', id: 'account-name', attrs: { 'aria-current': loc.name === 'profile' ? 'page' : null, title: `${user.email} (${user.role})` } },
      displayName(user)),
    logoutBtn);
}

onAuthLost(() => {
  if (!session.user()) return;
  session.drop();
  rememberReturn(window.location.hash);
  notify('Your session has ended. Please log in again.', 'error');
  navigate('#/login');
});

// Profile edits (name, email) show up in the top bar at once.
session.onUserChange((u) => {
  if (u) renderNav(current());
});

async function start() {
  document.getElementById('skip-link').addEventListener('click', () => {
    const m = main();
    const target = m.querySelector('h1') || m;
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus();
  });
  replace(main(), loading('Loading…'));
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
  window.addEventListener('hashchange', render);
  render();
  setInterval(() => refreshRelativeTimes(), 30000);
}

start();
