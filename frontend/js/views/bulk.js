// Bulk actions on the staff table: row checkboxes (click, shift-click for a range, "select all on
// this page") and a bar that sets status, priority or assignee of every selected ticket with
// POST /api/v1/tickets/bulk/ (staff only; the server changes each ticket on its own and answers
// a result per ticket).

import { bulkUpdate } from '../api.js';
import { displayName, h, replace } from '../dom.js';
import { loadStaff } from '../staff.js';
import { confirmDialog, notify, notifyError, PRIORITY_LABELS, STATUS_LABELS, ticketRef } from '../ui.js';

/**
 * selected: a Set of ticket ids (kept by the caller across renders); getItems(): the loaded
 * tickets in display order; onChange(): called after any change of the selection.
 */
export function bulkSelection({ selected, getItems, onChange }) {
  let anchor = null;
  const boxes = new Map();
  let all = null;

  function set(ids, on) {
    for (const id of ids) {
      if (on) selected.add(id);
      else selected.delete(id);
    }
    sync();
    onChange();
  }

  function sync() {
    const items = getItems();
    for (const [id, box] of boxes) {
      box.checked = selected.has(id);
      const row = box.closest('tr');
      if (row) row.classList.toggle('row-selected', box.checked);
    }
    if (all) {
      const n = items.filter((t) => selected.has(t.id)).length;
      all.checked = n > 0 && n === items.length;
      all.indeterminate = n > 0 && n < items.length;
    }
  }

  return {
    has: (id) => selected.has(id),
    header() {
      all = h('input', { type: 'checkbox', id: 'select-all', attrs: { 'aria-label': 'Select all tickets on this page' } });
      all.addEventListener('change', () => set(getItems().map((t) => t.id), all.checked));
      boxes.clear();
      return all;
    },
    checkbox(t) {
      const box = h('input', { type: 'checkbox', class: 'row-select', checked: selected.has(t.id), attrs: { 'aria-label': `Select ${ticketRef(t)} ${t.topic}` } });
      box.addEventListener('click', (event) => {
        const ids = getItems().map((x) => x.id);
        const here = ids.indexOf(t.id);
        const from = anchor === null ? -1 : ids.indexOf(anchor);
        if (event.shiftKey && from !== -1 && here !== -1) {
          const [a, b] = from < here ? [from, here] : [here, from];
          set(ids.slice(a, b + 1), box.checked);
        } else {
          set([t.id], box.checked);
        }
        anchor = t.id;
      });
      boxes.set(t.id, box);
      return box;
    },
    /** Toggles one ticket (the "x" shortcut). */
    toggle(id) {
      anchor = id;
      set([id], !selected.has(id));
    },
    clear() {
      anchor = null;
      set([...selected], false);
    },
  };
}

function select(name, label, options) {
  const id = `bulk-${name}`;
  return h('div', { class: 'bulk-field' },
    h('label', { htmlFor: id, text: label }),
    h('select', { id, name }, h('option', { value: '', text: 'No change' }), options.map(([v, text]) => h('option', { value: v, text }))));
}

/**
 * The bar above the table. selection: from bulkSelection(); selected: the Set; getItems();
 * onDone(updatedTickets): after an apply. Returns { el, update() }.
 */
export function bulkBar({ selected, getItems, onDone, onClear }) {
  const count = h('p', { class: 'bulk-count', attrs: { 'aria-live': 'polite' } });
  const status = select('status', 'Set status', Object.entries(STATUS_LABELS));
  const priority = select('priority', 'Set priority', Object.entries(PRIORITY_LABELS));
  const assignee = select('assigned_to', 'Assign to', [['none', 'Nobody (unassign)']]);
  const apply = h('button', { type: 'submit', class: 'btn btn-primary btn-small', id: 'bulk-apply', text: 'Apply' });
  const clear = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'bulk-clear', text: 'Clear selection' });
  const form = h('form', { class: 'bulk-bar', id: 'bulk-bar', hidden: true, attrs: { 'aria-label': 'Change the selected tickets' } },
    count, status, priority, assignee, apply, clear);

  loadStaff().then((people) => {
    const control = assignee.querySelector('select');
    control.append(...people.map((u) => h('option', { value: u.id, text: `${displayName(u)} (${u.role})` })));
  }).catch(() => { /* the picker keeps "No change" and "Nobody" */ });

  clear.addEventListener('click', onClear);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changes = {};
    const pick = (wrap) => wrap.querySelector('select').value;
    if (pick(status)) changes.status = pick(status);
    if (pick(priority)) changes.priority = pick(priority);
    if (pick(assignee)) changes.assigned_to = pick(assignee) === 'none' ? null : pick(assignee);
    const ids = getItems().map((t) => t.id).filter((id) => selected.has(id));
    if (!Object.keys(changes).length) {
      notify('Choose a status, priority or assignee to set first.', 'info');
      return;
    }
    if (changes.status === 'closed') {
      const ok = await confirmDialog({ title: `Close ${ids.length} tickets?`, message: 'Closed tickets cannot be changed or answered any more.', confirmLabel: 'Close tickets', danger: true });
      if (!ok) return;
    }
    apply.disabled = true;
    try {
      const results = await bulkUpdate(ids, changes);
      const byId = new Map(getItems().map((t) => [t.id, t]));
      const updated = [];
      const failed = [];
      for (const r of results || []) {
        if (r.ticket) {
          updated.push(r.ticket);
          selected.delete(r.id);
        } else {
          const t = byId.get(r.id);
          const p = r.problem || {};
          failed.push(`${t ? ticketRef(t) : r.id}: ${p.detail || p.title || 'not changed'}`);
        }
      }
      for (const f of form.querySelectorAll('select')) f.value = '';
      notify(failed.length
        ? `Updated ${updated.length} of ${ids.length} tickets. ${failed.join('; ')}`
        : `Updated ${updated.length} ${updated.length === 1 ? 'ticket' : 'tickets'}.`, failed.length ? 'error' : 'success');
      onDone(updated);
    } catch (err) {
      notifyError(err, 'Bulk change');
    } finally {
      apply.disabled = false;
    }
  });

  return {
    el: form,
    update() {
      const n = getItems().filter((t) => selected.has(t.id)).length;
      form.hidden = n === 0;
      replace(count, h('strong', { text: `${n} selected` }));
      apply.textContent = `Apply to ${n}`;
    },
  };
}
