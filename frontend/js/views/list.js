// Ticket lists: the customer's "My tickets" (#/tickets) and the staff queue (#/staff/<view>): the
// built-in views with their counts, the filter bar, a table (staff on wide screens) or cards,
// "Load more", bulk selection, j/k moves. The loaded pages, filters, scroll position and current
// row are kept (list-state.js) for the way back and for previous/next in the ticket view.
// Live: the event stream updates the rows shown in place and the counts; new tickets wait behind a
// "3 new - show" bar instead of pushing the rows down under the pointer.

import { API, countText, getPage, query } from '../api.js';
import { debounce, h, replace } from '../dom.js';
import { subscribe } from '../live.js';
import { saveList, listFor } from '../list-state.js';
import { href, navigate } from '../router.js';
import * as session from '../session.js';
import { setScreenKeys } from '../keys.js';
import { empty, failure, loading, STATUS_LABELS } from '../ui.js';
import { bulkBar, bulkSelection } from './bulk.js';
import { openCreateDialog } from './create.js';
import { filterBar, filtersFrom, isFiltered } from './list-filters.js';
import { ticketCard, ticketTable } from './list-items.js';

const ACTIVE = ['open', 'in_progress'];
const PAGE_SIZE = 25;
const MAX_PAGE = 200;

/** The staff's built-in views: #/staff/<key>. `keys` is the "g" shortcut. */
export const QUEUES = {
  mine: { title: 'My open', params: { assigned_to: 'me', status: ACTIVE }, keys: 'g m' },
  unassigned: { title: 'Unassigned', params: { assigned_to: 'none', status: ACTIVE }, keys: 'g u' },
  open: { title: 'All open', params: { status: ACTIVE }, keys: 'g a' },
  recent: { title: 'Recently updated', params: {}, ordering: '-updated_at', keys: 'g r' },
  all: { title: 'All tickets', params: {}, keys: 'g e' },
};
const CUSTOMER = { title: 'My tickets', params: {} };

/** The list URL with another page size (the cursor does not depend on it). */
function withLimit(url, n) {
  if (!url) return null;
  const u = new URL(url, window.location.origin);
  u.searchParams.set('limit', String(n));
  return `${u.pathname}${u.search}`;
}

function freshState(hash, title) {
  return { hash, title, items: [], next: null, total: null, scrollY: 0, currentId: null, selected: new Set() };
}

export function mount(main, loc) {
  const staff = session.isStaff();
  const queueKey = loc.name === 'staff' ? loc.args.scope : null;
  const queue = staff ? QUEUES[queueKey] || QUEUES.all : CUSTOMER;
  const basePath = loc.path;
  const defaultOrdering = queue.ordering || '-created_at';
  const wide = window.matchMedia('(min-width: 701px)');
  const useBulk = staff;
  document.title = `${queue.title} · Helpdesk`;

  let filters = filtersFrom(loc.params, defaultOrdering);
  let state = listFor(window.location.hash);
  const restored = Boolean(state && state.items.length);
  if (!state) state = freshState(window.location.hash, queue.title);
  const selected = state.selected; // one set for this screen, whatever the filters
  saveList(state);
  let generation = 0;

  const bar = filterBar({
    defaultOrdering,
    onChange: (q, { replace: replaceEntry }) => navigate(href(basePath, q), { replace: replaceEntry }),
  });
  const summary = h('p', { class: 'list-summary', id: 'list-summary', attrs: { 'aria-live': 'polite' } });
  const status = h('div', { class: 'list-status' });
  const cards = h('ul', { class: 'ticket-list', id: 'ticket-list', attrs: { 'aria-label': queue.title } });
  const table = ticketTable({ caption: queue.title, onSort: (ordering) => navigate(href(basePath, { ...currentQuery(), ordering: ordering === defaultOrdering ? '' : ordering })) });
  const itemsBox = h('div', { class: 'list-items' });
  const moreBtn = h('button', { type: 'button', class: 'btn', id: 'load-more', hidden: true, text: 'Load more' });
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'new-ticket', text: '+ New ticket' });
  const views = h('nav', { class: 'views', attrs: { 'aria-label': 'Views' } });
  const counters = h('ul', { class: 'counters', attrs: { 'aria-label': 'Tickets by status' } });
  const liveBtn = h('button', { type: 'button', class: 'btn btn-small', id: 'live-new' });
  const liveBar = h('div', { class: 'live-bar', id: 'live-bar', hidden: true, attrs: { role: 'status' } }, liveBtn);

  const selection = useBulk ? bulkSelection({ selected, getItems: () => state.items, onChange: () => bulk.update() }) : null;
  const bulk = useBulk ? bulkBar({
    selected,
    getItems: () => state.items,
    onClear: () => selection.clear(),
    onDone: () => { refresh(); loadCounts(); },
  }) : null;

  const screen = h('section', { class: ['page', staff ? 'page-wide' : ''] },
    h('div', { class: 'page-header list-header' }, h('h1', { text: queue.title }), staff ? views : null, newBtn),
    staff ? null : counters,
    bar.el,
    h('div', { class: 'list-toolbar' }, summary, bulk ? bulk.el : null),
    liveBar, status, itemsBox, h('div', { class: 'list-more' }, moreBtn));
  main.append(screen);

  function currentQuery() {
    return {
      q: filters.q, status: filters.status, priority: filters.priority,
      ordering: filters.ordering === defaultOrdering ? '' : filters.ordering,
    };
  }

  const asTable = () => staff && wide.matches;

  /** Draws the tickets; a redraw keeps the scroll position and the focused row. */
  function renderItems() {
    const focusedId = document.activeElement && itemsBox.contains(document.activeElement)
      ? document.activeElement.closest('[data-id]')?.dataset.id : null;
    const y = window.scrollY;
    screen.classList.toggle('list-as-table', asTable());
    const box = asTable() ? table.el : cards;
    if (asTable()) table.render(state.items, { ordering: filters.ordering, selection, captionText: `${queue.title}: ${summary.textContent}` });
    else replace(cards, state.items.map((t) => ticketCard(t, staff)));
    if (!state.items.length) replace(itemsBox);
    else if (itemsBox.firstChild !== box) replace(itemsBox, box);
    markCurrent();
    if (focusedId) rowLink(focusedId)?.focus({ preventScroll: true });
    if (window.scrollY !== y) window.scrollTo(0, y);
    if (bulk) bulk.update();
  }

  function rowOf(id) {
    return id ? itemsBox.querySelector(`[data-id="${CSS.escape(id)}"]`) : null;
  }
  function rowLink(id) {
    const row = rowOf(id);
    return row ? row.querySelector('a.ticket-link') : null;
  }
  function markCurrent() {
    for (const el of itemsBox.querySelectorAll('.row-current')) el.classList.remove('row-current');
    const row = rowOf(state.currentId);
    if (row) row.classList.add('row-current');
  }

  function updateSummary() {
    const shown = state.items.length;
    if (state.total === null) summary.textContent = `Showing ${shown} tickets`;
    else summary.textContent = `Showing ${shown} of ${countText(state.total, state.exact !== false, shown + (state.next ? 1 : 0))} ${state.total === 1 ? 'ticket' : 'tickets'}${isFiltered(filters) ? ' matching the filters' : ''}`;
    moreBtn.hidden = !state.next;
  }

  function showEmpty() {
    if (state.items.length) return;
    replace(status, isFiltered(filters)
      ? empty('No tickets match these filters.', 'Try other filters or clear them.')
      : empty(staff ? 'No tickets here.' : 'You have no tickets yet.', staff ? '' : 'Open one and our team will get back to you.'));
  }

  function firstPageUrl(count = PAGE_SIZE) {
    const params = { ...queue.params, priority: filters.priority, q: filters.q, ordering: filters.ordering, limit: count };
    if (filters.status.length) params.status = filters.status;
    return `${API}/tickets/${query(params)}`;
  }

  /**
   * Loads the first page (or, with append, the next one). quiet keeps what is shown until the
   * answer is there (a refresh, an automatic retry); count reloads that many tickets at once.
   */
  async function load({ append = false, quiet = false, count = PAGE_SIZE } = {}) {
    const gen = ++generation;
    const mine = state;
    if (!append && !quiet) {
      mine.items = [];
      replace(itemsBox);
      replace(status, loading('Loading tickets…'));
      summary.textContent = '';
      moreBtn.hidden = true;
    }
    if (append) {
      moreBtn.disabled = true;
      moreBtn.textContent = 'Loading…';
    }
    itemsBox.setAttribute('aria-busy', 'true');
    try {
      const page = await getPage(append ? mine.next : firstPageUrl(count));
      if (gen !== generation) return;
      if (append) {
        const known = new Set(mine.items.map((t) => t.id));
        mine.items.push(...page.items.filter((t) => !known.has(t.id)));
      } else {
        mine.items = page.items;
      }
      mine.next = withLimit(page.next, PAGE_SIZE);
      mine.total = page.total;
      mine.exact = page.exact;
      replace(status);
      updateSummary();
      renderItems();
      showEmpty();
    } catch (err) {
      if (gen !== generation) return;
      // One message, with a Retry button, retrying by itself until the server answers again.
      if (!status.querySelector('.failure')) {
        replace(status, failure('The tickets could not be loaded.', err, () => load({ quiet: true, count: Math.max(mine.items.length, PAGE_SIZE) }), { id: 'list-failure' }));
      }
    } finally {
      if (gen === generation) {
        itemsBox.removeAttribute('aria-busy');
        moreBtn.disabled = false;
        moreBtn.textContent = 'Load more';
      }
    }
  }

  /** Reloads as many tickets as are shown, keeping the screen as it is meanwhile. */
  function refresh() {
    return load({ quiet: true, count: Math.min(Math.max(state.items.length, PAGE_SIZE), MAX_PAGE) });
  }

  async function loadCounts() {
    if (staff) {
      const entries = Object.entries(QUEUES);
      const totals = await Promise.all(entries.map(([, q]) => getPage(`${API}/tickets/${query({ ...q.params, limit: 1 })}`)
        .then((p) => (p.total === null ? null : countText(p.total, p.exact))).catch(() => null)));
      renderViews(Object.fromEntries(entries.map(([k], i) => [k, totals[i]])));
      return;
    }
    const entries = Object.entries(STATUS_LABELS);
    const results = await Promise.all(entries.map(([s]) => getPage(`${API}/tickets/${query({ status: s, limit: 1 })}`).catch(() => null)));
    replace(counters, entries.map(([s, label], i) => {
      const n = results[i] && results[i].total !== null ? countText(results[i].total, results[i].exact) : '–';
      return h('li', {}, h('a', { class: ['counter', `status-${s}`], href: href(basePath, { status: [s] }) },
        h('span', { class: 'counter-value', text: String(n) }), h('span', { class: 'counter-label', text: label })));
    }));
  }

  function renderViews(counts = {}) {
    replace(views, h('ul', { class: 'view-list' }, Object.entries(QUEUES).map(([k, q]) => h('li', {},
      h('a', { href: `#/staff/${k}`, class: 'view-link', id: `view-${k}`, attrs: { 'aria-current': k === queueKey ? 'page' : null } },
        q.title, h('span', { class: 'view-count', text: counts[k] === undefined || counts[k] === null ? '' : String(counts[k]) }))))));
  }

  /* ---------- live ---------- */

  let waiting = new Set(); // tickets of the first page not shown yet
  const touched = new Set(); // tickets the stream told of (a row moving up from page 2 is not new)

  function showLiveBar() {
    for (const id of [...waiting]) if (state.items.some((t) => t.id === id)) waiting.delete(id);
    liveBar.hidden = waiting.size === 0;
    liveBtn.textContent = `${waiting.size} new - show`;
  }

  /** After events: the rows shown take their new state in place, new ones wait behind the bar. */
  const liveCheck = debounce(async () => {
    const gen = generation;
    const mine = state;
    loadCounts();
    let page;
    try {
      page = await getPage(firstPageUrl(PAGE_SIZE));
    } catch {
      return; // the next event, or a reload, tries again
    }
    if (gen !== generation || mine !== state) return;
    if (!mine.items.length) {
      refresh();
      return;
    }
    const shown = new Map(mine.items.map((t, i) => [t.id, i]));
    let changed = false;
    for (const t of page.items) {
      const i = shown.get(t.id);
      if (i === undefined) {
        if (touched.has(t.id)) waiting.add(t.id);
      } else if (JSON.stringify(mine.items[i]) !== JSON.stringify(t)) {
        mine.items[i] = t;
        changed = true;
      }
    }
    if (page.total !== null) {
      mine.total = page.total;
      mine.exact = page.exact;
    }
    updateSummary();
    if (changed) renderItems();
    showLiveBar();
  }, 300);

  liveBtn.addEventListener('click', async () => {
    waiting = new Set();
    showLiveBar();
    await refresh();
    const first = itemsBox.querySelector('a.ticket-link');
    if (first) first.focus();
  });

  const dropLive = subscribe((type, data) => {
    if (data && data.ticket_id) touched.add(data.ticket_id);
    if (type === 'ticket.deleted' && data && state.items.some((t) => t.id === data.ticket_id)) {
      state.items = state.items.filter((t) => t.id !== data.ticket_id);
      waiting.delete(data.ticket_id);
      renderItems();
      showEmpty();
    }
    if (type === 'reset' || type === 'resync') {
      // Events were missed: what is shown is reloaded (a rare jump rather than a stale list).
      refresh();
      loadCounts();
    } else if (/^(ticket|message)\./.test(type)) {
      liveCheck();
    }
  });

  /* ---------- keyboard ---------- */

  function move(step) {
    const ids = state.items.map((t) => t.id);
    if (!ids.length) return;
    let i = ids.indexOf(state.currentId);
    i = i === -1 ? (step > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, i + step));
    state.currentId = ids[i];
    markCurrent();
    const link = rowLink(ids[i]);
    if (link) {
      link.focus({ preventScroll: true });
      link.scrollIntoView({ block: 'nearest' });
    }
  }
  function openCurrent() {
    const id = state.currentId || (state.items[0] && state.items[0].id);
    if (id) navigate(`#/tickets/${encodeURIComponent(id)}`);
  }
  itemsBox.addEventListener('focusin', (event) => {
    const row = event.target.closest('[data-id]');
    if (row) {
      state.currentId = row.dataset.id;
      markCurrent();
    }
  });
  const dropKeys = setScreenKeys({
    j: () => move(1),
    k: () => move(-1),
    o: openCurrent,
    Enter: openCurrent,
    x: () => { if (selection && state.currentId) selection.toggle(state.currentId); },
    c: () => newBtn.click(),
    '/': () => {
      bar.el.open = true;
      bar.search.focus();
      bar.search.select();
    },
  });

  /* ---------- wiring ---------- */

  moreBtn.addEventListener('click', () => { if (state.next) load({ append: true }); });
  newBtn.addEventListener('click', () => openCreateDialog({
    onCreated: (ticket) => navigate(`#/tickets/${encodeURIComponent(ticket.id)}`),
  }));
  const onWide = () => renderItems();
  wide.addEventListener('change', onWide);
  const onOnline = () => { if (status.querySelector('.failure')) refresh(); };
  window.addEventListener('online', onOnline);
  const countTimer = staff ? setInterval(loadCounts, 60000) : null;

  if (staff) renderViews();
  bar.sync(filters);
  if (restored) {
    updateSummary();
    renderItems();
    refresh();
  } else {
    load();
  }
  loadCounts();

  return {
    /** Called by the shell once the screen is in place: restores scroll and focus when kept. */
    onShown() {
      if (!restored) return false;
      window.scrollTo(0, state.scrollY);
      const link = rowLink(state.currentId);
      if (!link) return false;
      link.focus({ preventScroll: true });
      const box = link.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) link.scrollIntoView({ block: 'nearest' });
      return true;
    },
    update(newLoc) {
      waiting = new Set();
      showLiveBar();
      filters = filtersFrom(newLoc.params, defaultOrdering);
      bar.sync(filters);
      const kept = listFor(window.location.hash);
      state = kept || freshState(window.location.hash, queue.title);
      selected.clear();
      state.selected = selected;
      saveList(state);
      if (kept && kept.items.length) {
        updateSummary();
        renderItems();
        refresh();
      } else {
        load();
      }
    },
    unmount() {
      state.scrollY = window.scrollY;
      generation += 1;
      liveCheck.cancel();
      dropLive();
      bar.dispose();
      dropKeys();
      wide.removeEventListener('change', onWide);
      window.removeEventListener('online', onOnline);
      if (countTimer) clearInterval(countTimer);
    },
  };
}
