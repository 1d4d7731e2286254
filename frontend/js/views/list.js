// Ticket lists: the customer dashboard (#/tickets) and the staff console (#/staff/all|mine|unassigned).
// Filters live in the hash, so every filtered view is a deep link and back/forward work.

import { API, getPage, query } from '../api.js';
import { debounce, displayName, h, replace, timeEl } from '../dom.js';
import { href, navigate } from '../router.js';
import * as session from '../session.js';
import { empty, loading, notifyError, PRIORITY_LABELS, priorityBadge, STATUS_LABELS, statusBadge } from '../ui.js';
import { openCreateDialog } from './create.js';

const ORDERINGS = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['-updated_at', 'Recently updated'],
  ['updated_at', 'Least recently updated'],
  ['-priority', 'Highest priority'],
  ['priority', 'Lowest priority'],
];
const PAGE_SIZE = 25;

const SCOPES = {
  tickets: { title: 'My tickets', endpoint: '/tickets/', extra: {} },
  all: { title: 'All tickets', endpoint: '/tickets/', extra: {} },
  mine: { title: 'Assigned to me', endpoint: '/assigned-tickets/', extra: {} },
  unassigned: { title: 'Unassigned tickets', endpoint: '/tickets/', extra: { assigned_to: 'none' } },
};

/** Reads valid filters from the hash query. */
function filtersFrom(params) {
  const list = (key, allowed) => (params.get(key) || '').split(',').map((s) => s.trim()).filter((s) => allowed.includes(s));
  const ordering = params.get('ordering');
  return {
    status: list('status', Object.keys(STATUS_LABELS)),
    priority: list('priority', Object.keys(PRIORITY_LABELS)),
    q: (params.get('q') || '').trim(),
    ordering: ORDERINGS.some(([v]) => v === ordering) ? ordering : '-created_at',
  };
}

function checkboxGroup(legend, name, labels, badge) {
  return h('fieldset', { class: 'filter-group' },
    h('legend', { text: legend }),
    h('div', { class: 'chips' }, Object.entries(labels).map(([value, text]) => h('label', { class: 'chip' },
      h('input', { type: 'checkbox', name, value }),
      badge(value, text)))));
}

function ticketItem(t, staff) {
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
  } else if (t.assigned_to) {
    meta.push(h('span', { class: 'meta-item', text: `handled by ${displayName(t.assigned_to)}` }));
  }
  return h('li', { class: ['ticket-item', `ticket-${t.status}`], dataset: { id: t.id } },
    h('a', { href: `#/tickets/${encodeURIComponent(t.id)}`, class: 'ticket-link' },
      h('span', { class: 'ticket-topic', text: t.topic }),
      h('span', { class: 'ticket-excerpt', text: t.description.length > 160 ? `${t.description.slice(0, 160)}…` : t.description })),
    h('div', { class: 'ticket-meta' }, meta));
}

export function mount(main, loc) {
  const staff = session.isStaff();
  const scopeKey = loc.name === 'staff' ? loc.args.scope : 'tickets';
  const scope = SCOPES[scopeKey] || SCOPES.tickets;
  const basePath = loc.path;
  document.title = `${scope.title} · Helpdesk`;

  const searchInput = h('input', { type: 'search', id: 'filter-q', name: 'q', attrs: { autocomplete: 'off', placeholder: 'Topic or description' } });
  const ordering = h('select', { id: 'filter-ordering', name: 'ordering' }, ORDERINGS.map(([v, text]) => h('option', { value: v, text })));
  const statusGroup = checkboxGroup('Status', 'status', STATUS_LABELS, statusBadge);
  const priorityGroup = checkboxGroup('Priority', 'priority', PRIORITY_LABELS, priorityBadge);
  const clearBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'clear-filters', text: 'Clear filters' });
  const form = h('form', { class: 'filters card', id: 'filters', attrs: { role: 'search', 'aria-label': 'Filter tickets' } },
    h('div', { class: 'filter-search' },
      h('label', { htmlFor: 'filter-q', text: 'Search' }),
      h('div', { class: 'input-with-button' }, searchInput, h('button', { type: 'submit', class: 'btn', text: 'Search' }))),
    statusGroup, priorityGroup,
    h('div', { class: 'filter-sort' }, h('label', { htmlFor: 'filter-ordering', text: 'Sort by' }), ordering),
    h('div', { class: 'filter-actions' }, clearBtn));

  const summary = h('p', { class: 'list-summary', id: 'list-summary', attrs: { 'aria-live': 'polite' } });
  const list = h('ul', { class: 'ticket-list', id: 'ticket-list', attrs: { 'aria-label': scope.title } });
  const status = h('div', { class: 'list-status' });
  const moreBtn = h('button', { type: 'button', class: 'btn', id: 'load-more', hidden: true, text: 'Load more' });
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'new-ticket', text: '+ New ticket' });

  const counters = h('ul', { class: 'counters', attrs: { 'aria-label': 'Tickets by status' } });
  // On phones the filters fold away behind a "Filters" toggle; on wider screens they stay open.
  const filterSummary = h('summary', { class: 'btn filters-toggle', text: 'Filters' });
  const details = h('details', { class: 'filters-details', open: true }, filterSummary, form);
  const phone = window.matchMedia('(max-width: 600px)');
  main.append(h('section', { class: 'page' },
    h('div', { class: 'page-header' }, h('h1', { text: scope.title }), newBtn),
    staff ? null : counters,
    details, summary, status, list, h('div', { class: 'list-more' }, moreBtn)));

  let filters = filtersFrom(loc.params);
  let next = null;
  let shown = 0;
  let total = null;
  let generation = 0;

  function syncControls() {
    if (document.activeElement !== searchInput) searchInput.value = filters.q;
    ordering.value = filters.ordering;
    for (const cb of statusGroup.querySelectorAll('input')) cb.checked = filters.status.includes(cb.value);
    for (const cb of priorityGroup.querySelectorAll('input')) cb.checked = filters.priority.includes(cb.value);
    const active = filters.status.length || filters.priority.length || filters.q || filters.ordering !== '-created_at';
    clearBtn.hidden = !active;
    const n = filters.status.length + filters.priority.length + (filters.q ? 1 : 0);
    filterSummary.textContent = n ? `Filters (${n} active)` : 'Filters';
    if (!phone.matches || n) details.open = true;
  }

  function readControls() {
    return {
      q: searchInput.value.trim(),
      status: [...statusGroup.querySelectorAll('input:checked')].map((c) => c.value),
      priority: [...priorityGroup.querySelectorAll('input:checked')].map((c) => c.value),
      ordering: ordering.value === '-created_at' ? '' : ordering.value,
    };
  }

  function apply({ replaceEntry = false } = {}) {
    navigate(href(basePath, readControls()), { replace: replaceEntry });
  }

  function updateSummary() {
    const filtered = filters.status.length || filters.priority.length || filters.q;
    if (total === null) summary.textContent = `Showing ${shown} tickets`;
    else summary.textContent = `Showing ${shown} of ${total} ${total === 1 ? 'ticket' : 'tickets'}${filtered ? ' matching the filters' : ''}`;
    moreBtn.hidden = !next;
  }

  async function load(url, { appendItems = false } = {}) {
    const gen = ++generation;
    if (!appendItems) {
      replace(list);
      replace(status, loading('Loading tickets…'));
      summary.textContent = '';
      moreBtn.hidden = true;
    } else {
      moreBtn.disabled = true;
      moreBtn.textContent = 'Loading…';
    }
    list.setAttribute('aria-busy', 'true');
    try {
      const page = await getPage(url);
      if (gen !== generation) return;
      replace(status);
      if (!appendItems) shown = 0;
      total = page.total;
      next = page.next;
      shown += page.items.length;
      list.append(...page.items.map((t) => ticketItem(t, staff)));
      if (!shown) {
        const filtered = filters.status.length || filters.priority.length || filters.q;
        replace(status, filtered
          ? empty('No tickets match these filters.', 'Try other filters or clear them.')
          : empty(staff ? 'No tickets here.' : 'You have no tickets yet.', staff ? '' : 'Open one and our team will get back to you.'));
      }
      updateSummary();
    } catch (err) {
      if (gen !== generation) return;
      replace(status, empty('The tickets could not be loaded.', err.userMessage || String(err)));
      notifyError(err, 'Loading tickets');
    } finally {
      if (gen === generation) {
        list.removeAttribute('aria-busy');
        moreBtn.disabled = false;
        moreBtn.textContent = 'Load more';
      }
    }
  }

  function firstPageUrl() {
    return `${API}${scope.endpoint}${query({
      ...scope.extra,
      status: filters.status,
      priority: filters.priority,
      q: filters.q,
      ordering: filters.ordering,
      limit: PAGE_SIZE,
    })}`;
  }

  async function loadCounters() {
    if (staff) return;
    const entries = Object.entries(STATUS_LABELS);
    const results = await Promise.all(entries.map(([s]) => getPage(`${API}/tickets/${query({ status: s, limit: 1 })}`).catch(() => null)));
    replace(counters, entries.map(([s, label], i) => {
      const n = results[i] && results[i].total !== null ? results[i].total : '–';
      return h('li', {}, h('a', { class: ['counter', `status-${s}`], href: href(basePath, { status: [s] }) },
        h('span', { class: 'counter-value', text: String(n) }), h('span', { class: 'counter-label', text: label })));
    }));
  }

  const debouncedSearch = debounce(() => apply({ replaceEntry: true }), 400);
  searchInput.addEventListener('input', debouncedSearch);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    debouncedSearch.cancel();
    apply();
  });
  form.addEventListener('change', (event) => {
    if (event.target === searchInput) return;
    apply();
  });
  clearBtn.addEventListener('click', () => {
    searchInput.value = '';
    navigate(href(basePath));
    searchInput.focus();
  });
  moreBtn.addEventListener('click', () => {
    if (next) load(next, { appendItems: true });
  });
  newBtn.addEventListener('click', () => openCreateDialog({
    onCreated: (ticket) => navigate(`#/tickets/${encodeURIComponent(ticket.id)}`),
  }));

  details.open = !phone.matches;
  const onResize = () => { if (!phone.matches) details.open = true; };
  phone.addEventListener('change', onResize);
  syncControls();
  load(firstPageUrl());
  loadCounters();

  return {
    update(newLoc) {
      filters = filtersFrom(newLoc.params);
      syncControls();
      load(firstPageUrl());
    },
    unmount() {
      phone.removeEventListener('change', onResize);
      debouncedSearch.cancel();
      generation += 1;
    },
  };
}
