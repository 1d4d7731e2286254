// The filter bar of the ticket lists: search, status and priority chips, sort order, "Clear".
// Filters live in the hash query, so every filtered list is a deep link and Back/Forward work.
// On phones the bar folds behind a "Filters" toggle.

import { debounce, h } from '../dom.js';
import { PRIORITY_LABELS, priorityBadge, STATUS_LABELS, statusBadge } from '../ui.js';

export const ORDERINGS = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['-updated_at', 'Recently updated'],
  ['updated_at', 'Least recently updated'],
  ['-priority', 'Highest priority'],
  ['priority', 'Lowest priority'],
];

/** Valid filters from the hash query; defaultOrdering applies when none is given. */
export function filtersFrom(params, defaultOrdering = '-created_at') {
  const list = (key, allowed) => (params.get(key) || '').split(',').map((s) => s.trim()).filter((s) => allowed.includes(s));
  const ordering = params.get('ordering');
  return {
    status: list('status', Object.keys(STATUS_LABELS)),
    priority: list('priority', Object.keys(PRIORITY_LABELS)),
    q: (params.get('q') || '').trim(),
    ordering: ORDERINGS.some(([v]) => v === ordering) ? ordering : defaultOrdering,
  };
}

export const isFiltered = (f) => Boolean(f.status.length || f.priority.length || f.q);

function chipGroup(legend, name, labels, badge) {
  return h('fieldset', { class: 'filter-group' },
    h('legend', { text: legend }),
    h('div', { class: 'chips' }, Object.entries(labels).map(([value, text]) => h('label', { class: 'chip' },
      h('input', { type: 'checkbox', name, value }),
      badge(value, text)))));
}

/**
 * The bar. onChange(query, { replace }) gets the query object for the hash (empty values are
 * dropped by the router). Returns { el, search, sync(filters), setDefaultOrdering(o) }.
 */
export function filterBar({ onChange, defaultOrdering = '-created_at' }) {
  let fallback = defaultOrdering;
  const search = h('input', { type: 'search', id: 'filter-q', name: 'q', attrs: { autocomplete: 'off', placeholder: 'Words or #number' } });
  const ordering = h('select', { id: 'filter-ordering', name: 'ordering' }, ORDERINGS.map(([v, text]) => h('option', { value: v, text })));
  const statusGroup = chipGroup('Status', 'status', STATUS_LABELS, statusBadge);
  const priorityGroup = chipGroup('Priority', 'priority', PRIORITY_LABELS, priorityBadge);
  const clearBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'clear-filters', text: 'Clear filters' });
  const form = h('form', { class: 'filters', id: 'filters', attrs: { role: 'search', 'aria-label': 'Filter tickets' } },
    h('div', { class: 'filter-search' }, h('label', { htmlFor: 'filter-q', text: 'Search' }), search),
    statusGroup, priorityGroup,
    h('div', { class: 'filter-sort' }, h('label', { htmlFor: 'filter-ordering', text: 'Sort by' }), ordering),
    clearBtn);
  const toggle = h('summary', { class: 'btn filters-toggle', text: 'Filters' });
  const el = h('details', { class: 'filters-details', open: true }, toggle, form);
  const phone = window.matchMedia('(max-width: 600px)');

  const read = () => ({
    q: search.value.trim(),
    status: [...statusGroup.querySelectorAll('input:checked')].map((c) => c.value),
    priority: [...priorityGroup.querySelectorAll('input:checked')].map((c) => c.value),
    ordering: ordering.value === fallback ? '' : ordering.value,
  });
  const debounced = debounce(() => onChange(read(), { replace: true }), 400);
  search.addEventListener('input', debounced);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    debounced.cancel();
    onChange(read(), { replace: false });
  });
  form.addEventListener('change', (event) => {
    if (event.target !== search) onChange(read(), { replace: false });
  });
  clearBtn.addEventListener('click', () => {
    search.value = '';
    onChange({}, { replace: false });
    search.focus();
  });
  el.open = !phone.matches;
  const onResize = () => { if (!phone.matches) el.open = true; };
  phone.addEventListener('change', onResize);

  return {
    el,
    search,
    sync(filters) {
      if (document.activeElement !== search) search.value = filters.q;
      ordering.value = filters.ordering;
      for (const cb of statusGroup.querySelectorAll('input')) cb.checked = filters.status.includes(cb.value);
      for (const cb of priorityGroup.querySelectorAll('input')) cb.checked = filters.priority.includes(cb.value);
      const n = filters.status.length + filters.priority.length + (filters.q ? 1 : 0);
      clearBtn.hidden = !n && filters.ordering === fallback;
      toggle.textContent = n ? `Filters (${n} active)` : 'Filters';
      if (!phone.matches || n) el.open = true;
    },
    setDefaultOrdering(o) {
      fallback = o;
    },
    dispose() {
      debounced.cancel();
      phone.removeEventListener('change', onResize);
    },
  };
}
