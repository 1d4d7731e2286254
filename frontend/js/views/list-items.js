// How tickets are drawn in a list: a compact table for staff on wide screens (sortable headers,
// optional selection column) and cards for customers and phones.

import { displayName, h, replace, timeEl } from '../dom.js';
import { priorityBadge, statusBadge, ticketRef } from '../ui.js';

const ACTIVE = new Set(['open', 'in_progress']);

/**
 * Who spoke last: the ticket's last public message (`last_public_message`:
 * { user, is_staff_message, created_at }, or null before the first one; never an internal note).
 */
function lastReply(t) {
  return t.last_public_message ?? null;
}

/** "Waiting on us": the customer spoke last (or nobody answered yet) on an active ticket. */
export function waitingOnUs(t) {
  if (!ACTIVE.has(t.status)) return false;
  const last = lastReply(t);
  return last === null ? true : !last.is_staff_message;
}

function waitingTag() {
  return h('span', { class: 'tag tag-waiting', text: 'Waiting on us' });
}

function ticketHref(t) {
  return `#/tickets/${encodeURIComponent(t.id)}`;
}

/* ---------- cards ---------- */

export function ticketCard(t, staff) {
  const meta = [
    statusBadge(t.status, t.status_display),
    priorityBadge(t.priority, t.priority_display),
    h('span', { class: 'meta-item' }, 'Opened ', timeEl(t.created_at)),
  ];
  if (t.updated_at && t.updated_at !== t.created_at) meta.push(h('span', { class: 'meta-item' }, 'updated ', timeEl(t.updated_at)));
  meta.push(h('span', { class: 'meta-item', text: `${t.message_count ?? 0} ${t.message_count === 1 ? 'message' : 'messages'}` }));
  if (staff) {
    meta.push(h('span', { class: 'meta-item', text: `by ${displayName(t.user)}` }));
    meta.push(h('span', { class: 'meta-item', text: t.assigned_to ? `assigned to ${displayName(t.assigned_to)}` : 'unassigned' }));
    if (waitingOnUs(t)) meta.push(waitingTag());
  } else if (t.assigned_to) {
    meta.push(h('span', { class: 'meta-item', text: `handled by ${displayName(t.assigned_to)}` }));
  }
  const number = h('span', { class: 'ticket-number', text: ticketRef(t) });
  return h('li', { class: ['ticket-item', `ticket-${t.status}`], dataset: { id: t.id } },
    h('a', { href: ticketHref(t), class: 'ticket-link' },
      h('span', { class: 'ticket-topic' }, number, t.topic),
      h('span', { class: 'ticket-excerpt', text: t.description.length > 160 ? `${t.description.slice(0, 160)}…` : t.description })),
    h('div', { class: 'ticket-meta' }, meta));
}

/* ---------- table ---------- */

const COLUMNS = [
  { key: 'ref', label: '#', srLabel: 'Number', sort: 'created_at', first: '-' },
  { key: 'subject', label: 'Subject' },
  { key: 'requester', label: 'Requester' },
  { key: 'status', label: 'Status' },
  { key: 'priority', label: 'Priority', sort: 'priority', first: '-' },
  { key: 'assignee', label: 'Assignee' },
  { key: 'updated', label: 'Updated', sort: 'updated_at', first: '-' },
  { key: 'last', label: 'Last reply' },
];

function content(col, t) {
  switch (col.key) {
    case 'ref':
      return ticketRef(t);
    case 'subject':
      return h('a', { href: ticketHref(t), class: 'ticket-link', text: t.topic });
    case 'requester':
      return displayName(t.user);
    case 'status':
      return statusBadge(t.status, t.status_display);
    case 'priority':
      return priorityBadge(t.priority, t.priority_display);
    case 'assignee':
      return t.assigned_to ? displayName(t.assigned_to) : h('span', { class: 'muted', text: 'Unassigned' });
    case 'updated':
      return timeEl(t.updated_at);
    case 'last': {
      // The marker first: a long name is cut, never the marker.
      const last = lastReply(t);
      return [waitingOnUs(t) ? waitingTag() : null, last ? displayName(last.user) : h('span', { class: 'muted', text: 'No reply yet' })];
    }
    default:
      return null;
  }
}

const cell = (col, t) => h('td', { class: `col-${col.key}` }, content(col, t));

/**
 * The staff table. onSort(ordering) is called with the new `ordering`; selection (optional) is
 * { has(id), checkbox(t) -> element, header() -> element }. Returns { el, render(items, opts) }.
 */
export function ticketTable({ onSort, caption }) {
  const captionEl = h('caption', { class: 'sr-only', text: caption });
  const head = h('thead');
  const body = h('tbody', { id: 'ticket-rows' });
  const el = h('table', { class: 'queue-table', id: 'ticket-table' }, captionEl, head, body);

  body.addEventListener('click', (event) => {
    // A click anywhere on a row opens the ticket (links, checkboxes and buttons keep their job).
    if (event.target.closest('a, button, input, label, select')) return;
    const tr = event.target.closest('tr[data-id]');
    if (!tr) return;
    const link = tr.querySelector('a.ticket-link');
    if (link) link.click();
  });

  function header(col, ordering) {
    if (!col.sort) {
      return h('th', { class: `col-${col.key}`, attrs: { scope: 'col' } }, col.srLabel ? [h('span', { attrs: { 'aria-hidden': 'true' }, text: col.label }), h('span', { class: 'sr-only', text: col.srLabel })] : col.label);
    }
    const current = ordering.replace(/^-/, '') === col.sort ? (ordering.startsWith('-') ? 'descending' : 'ascending') : null;
    const button = h('button', { type: 'button', class: 'sort-button', dataset: { sort: col.sort } },
      col.srLabel ? [h('span', { attrs: { 'aria-hidden': 'true' }, text: col.label }), h('span', { class: 'sr-only', text: col.srLabel })] : col.label,
      h('span', { class: 'sort-arrow', attrs: { 'aria-hidden': 'true' }, text: current === 'ascending' ? '▲' : current === 'descending' ? '▼' : '↕' }));
    button.addEventListener('click', () => {
      let next;
      if (current === 'descending') next = col.sort;
      else if (current === 'ascending') next = `-${col.sort}`;
      else next = `${col.first || ''}${col.sort}`;
      onSort(next);
    });
    return h('th', { attrs: { scope: 'col', 'aria-sort': current }, class: ['sortable', `col-${col.key}`] }, button);
  }

  return {
    el,
    /** opts: { ordering, selection, caption } */
    render(items, { ordering, selection = null, captionText = caption }) {
      captionEl.textContent = captionText;
      replace(head, h('tr', {},
        selection ? h('th', { class: 'col-select', attrs: { scope: 'col' } }, selection.header()) : null,
        COLUMNS.map((c) => header(c, ordering))));
      replace(body, items.map((t) => h('tr', {
        class: ['ticket-row', `ticket-${t.status}`, selection && selection.has(t.id) ? 'row-selected' : ''],
        dataset: { id: t.id },
      },
      selection ? h('td', { class: 'col-select' }, selection.checkbox(t)) : null,
      COLUMNS.map((c) => cell(c, t)))));
    },
  };
}
