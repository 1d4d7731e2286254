// Staff working for a requester: the requester picker of the new-ticket dialog (search users by
// name, username or email, GET /api/v1/users/?q=) and the panel of the requester's other tickets
// in the ticket view (GET /api/v1/tickets/?requester=).

import { API, getPage, query } from '../api.js';
import { debounce, displayName, h, replace, timeEl } from '../dom.js';
import * as session from '../session.js';
import { statusBadge, ticketRef } from '../ui.js';

const RESULTS = 8;

/**
 * The requester field: "Yourself" until someone is chosen; a search box lists matching active
 * users as buttons. Returns { el, value() } where value() is the chosen user's id or null.
 */
export function requesterPicker() {
  let chosen = null;
  let seq = 0;
  const hintId = 'requester-hint';
  const input = h('input', {
    type: 'search', id: 'requester-q', name: 'requester_q',
    attrs: { autocomplete: 'off', placeholder: 'Name, username or email', 'aria-describedby': hintId, 'aria-controls': 'requester-results' },
  });
  const results = h('ul', { class: 'requester-results', id: 'requester-results', attrs: { 'aria-label': 'Matching users' } });
  const status = h('p', { class: 'field-hint', id: 'requester-status', attrs: { 'aria-live': 'polite' } });
  const current = h('p', { class: 'requester-chosen', id: 'requester-chosen' });
  const field = h('div', { class: 'field requester-field' },
    h('label', { htmlFor: 'requester-q', text: 'Requester' }),
    current,
    input,
    h('p', { class: 'field-hint', id: hintId, text: 'Opening it for a customer? Search them; they will own the ticket.' }),
    status, results);

  function showChosen() {
    if (!chosen) {
      replace(current, h('span', { class: 'muted', text: 'Yourself' }));
      return;
    }
    const clear = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'requester-clear', text: 'Change' });
    clear.addEventListener('click', () => {
      chosen = null;
      showChosen();
      input.focus();
    });
    replace(current, h('strong', { text: displayName(chosen) }), ' ',
      h('span', { class: 'muted', text: `@${chosen.username} · ${chosen.email}` }), ' ', clear);
  }

  async function search() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      replace(results);
      status.textContent = '';
      return;
    }
    let page;
    try {
      page = await getPage(`${API}/users/${query({ q, is_active: true, limit: RESULTS })}`);
    } catch (err) {
      if (mine === seq) status.textContent = err.status === 400 ? 'Type a letter or digit.' : 'The users could not be searched.';
      return;
    }
    if (mine !== seq) return;
    const me = session.user();
    status.textContent = page.items.length
      ? `${page.total} matching user${page.total === 1 ? '' : 's'}${page.total > page.items.length ? `, the first ${page.items.length} shown` : ''}.`
      : 'No user matches.';
    replace(results, page.items.map((u) => {
      const pick = h('button', {
        type: 'button', class: 'btn btn-ghost requester-option', dataset: { id: u.id, username: u.username },
      }, h('span', { class: 'requester-name', text: me && me.id === u.id ? `${displayName(u)} (you)` : displayName(u) }),
      h('span', { class: 'muted', text: ` @${u.username} · ${u.email}` }));
      pick.addEventListener('click', () => {
        chosen = me && me.id === u.id ? null : u;
        input.value = '';
        replace(results);
        status.textContent = chosen ? `${displayName(u)} will own the ticket.` : '';
        showChosen();
        (current.querySelector('button') || input).focus();
      });
      return h('li', {}, pick);
    }));
  }
  const typed = debounce(search, 250);
  input.addEventListener('input', typed);
  input.addEventListener('keydown', async (event) => {
    // Enter picks nothing by itself (it would submit the form): the first result gets the focus.
    if (event.key === 'Enter' || event.key === 'ArrowDown') {
      event.preventDefault();
      typed.cancel();
      await search();
      const first = results.querySelector('button');
      if (first) first.focus();
    }
  });
  showChosen();
  return {
    el: field,
    value: () => (chosen ? chosen.id : null),
    cancel: () => typed.cancel(),
  };
}

/**
 * The requester's other tickets (staff): the latest few, with their status, and how many there
 * are. Returns { el, render(ticket) }; the list is fetched again only for another requester or
 * when render is asked to refresh.
 */
export function requesterTicketsPanel() {
  const SHOWN = 5;
  const heading = h('h2', { id: 'requester-tickets-heading', text: 'Other tickets of the requester' });
  const list = h('ul', { class: 'requester-tickets', id: 'requester-tickets' });
  const summary = h('p', { class: 'muted', id: 'requester-tickets-summary' });
  const el = h('section', { class: 'card requester-panel', attrs: { 'aria-labelledby': 'requester-tickets-heading' } }, heading, summary, list);
  let shownFor = null;
  let seq = 0;

  async function render(ticket, { refresh = false } = {}) {
    const owner = ticket.user;
    if (!owner) return;
    const key = `${owner.id}:${ticket.id}`;
    if (key === shownFor && !refresh) return;
    shownFor = key;
    const mine = ++seq;
    heading.textContent = `Other tickets of ${displayName(owner)}`;
    let page;
    try {
      page = await getPage(`${API}/tickets/${query({ requester: owner.id, ordering: '-updated_at', limit: SHOWN + 1 })}`);
    } catch {
      if (mine === seq) {
        summary.textContent = 'The other tickets could not be loaded.';
        shownFor = null;
      }
      return;
    }
    if (mine !== seq) return;
    const others = page.items.filter((t) => t.id !== ticket.id).slice(0, SHOWN);
    const total = Math.max(0, (page.total ?? page.items.length) - 1);
    summary.textContent = total === 0 ? 'No other tickets.'
      : `${total} other ticket${total === 1 ? '' : 's'}${total > others.length ? `; the ${others.length} updated last:` : ':'}`;
    replace(list, others.map((t) => h('li', { class: 'requester-ticket', dataset: { id: t.id } },
      h('a', { href: `#/tickets/${encodeURIComponent(t.id)}` },
        h('span', { class: 'ticket-ref muted', text: ticketRef(t) }), ' ', t.topic),
      h('span', { class: 'requester-ticket-meta' }, statusBadge(t.status, t.status_display), ' ', timeEl(t.updated_at)))));
  }
  return { el, render };
}
