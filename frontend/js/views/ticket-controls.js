// The staff controls of a ticket: status, priority and assignee, "Assign to me", "Save changes".
// Values changed but not saved yet are marked as such, survive a reload of the ticket, and are
// handed to the reply form, which sends them with the reply (never dropping them).

import { displayName, h, replace } from '../dom.js';
import { ticketActions } from '../permissions.js';
import * as session from '../session.js';
import { loadStaff } from '../staff.js';
import { busy, clearFormErrors, confirmDialog, field, notify, notifyError, PRIORITY_LABELS, STATUS_LABELS } from '../ui.js';

const FIELD_NAMES = { status: 'status', priority: 'priority', assigned_to: 'assignee' };

/**
 * ctx: { getTicket(), saveChanges(changes, form) -> Promise<boolean> }. onPending() is called
 * whenever the unsaved changes change. Returns { el, render(ticket), pending(), clearPending(),
 * assignToMe(), focusStatus() }.
 */
export function staffControls(ctx, { onPending = () => {} } = {}) {
  const el = h('div', { class: 'staff-controls' });
  let form = null;
  let selects = null;
  let wanted = {}; // values chosen and not saved: { status, priority, assigned_to }

  const currentOf = (t) => ({ status: t.status, priority: t.priority, assigned_to: t.assigned_to ? t.assigned_to.id : '' });

  /** The unsaved changes as a PATCH body ({} when none). */
  function pending() {
    const t = ctx.getTicket();
    if (!t || !selects) return {};
    const now = currentOf(t);
    const out = {};
    for (const [k, sel] of Object.entries(selects)) {
      if (sel.value !== now[k]) out[k] = k === 'assigned_to' ? sel.value || null : sel.value;
    }
    return out;
  }

  function showDirty() {
    const changed = Object.keys(pending());
    const note = form && form.querySelector('#controls-dirty');
    if (note) note.textContent = changed.length ? `Not saved yet: ${changed.map((k) => FIELD_NAMES[k]).join(', ')}.` : '';
    if (form) form.classList.toggle('controls-dirty', changed.length > 0);
    onPending();
  }

  function render(ticket) {
    const can = ticketActions(ticket);
    if (ticket.status === 'closed' || !can.canAssign) {
      form = null;
      selects = null;
      replace(el, ticket.status === 'closed' ? h('p', { class: 'muted', text: 'This ticket is closed; it can no longer be changed.' }) : null);
      return;
    }
    const now = currentOf(ticket);
    const status = field({
      label: 'Status', name: 'status', kind: 'select', value: ticket.status,
      options: [[ticket.status, `${STATUS_LABELS[ticket.status]} (current)`], ...can.transitions.map((s) => [s, STATUS_LABELS[s]])],
    });
    const priority = field({ label: 'Priority', name: 'priority', kind: 'select', value: ticket.priority, options: Object.entries(PRIORITY_LABELS) });
    const assigneeOptions = [['', 'Unassigned']];
    if (ticket.assigned_to) assigneeOptions.push([ticket.assigned_to.id, displayName(ticket.assigned_to)]);
    const assignee = field({ label: 'Assignee', name: 'assigned_to', kind: 'select', value: now.assigned_to, options: assigneeOptions });
    const me = session.user();
    const assignMe = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'assign-me', text: 'Assign to me' });
    assignMe.hidden = now.assigned_to === me.id;
    const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-controls', text: 'Save changes' });
    const dirty = h('p', { class: 'controls-note', id: 'controls-dirty', attrs: { role: 'status' } });
    form = h('form', { class: 'form controls-form', id: 'controls-form', noValidate: true, attrs: { 'aria-label': 'Change status, priority and assignee' } },
      status, priority, assignee, assignMe, dirty, save);
    selects = { status: status.control, priority: priority.control, assigned_to: assignee.control };
    replace(el, form);

    const ensureOption = (select, value, text) => {
      if (value && ![...select.options].some((o) => o.value === value)) select.append(h('option', { value, text }));
    };
    // Choices not saved yet stay chosen across reloads, when the ticket still allows them.
    for (const [k, v] of Object.entries(wanted)) {
      if (k === 'assigned_to' && v === me.id) ensureOption(selects.assigned_to, me.id, `${displayName(me)} (${me.role})`);
      if ([...selects[k].options].some((o) => o.value === v)) selects[k].value = v;
    }
    const frozen = form;
    loadStaff().then((people) => {
      if (form !== frozen) return;
      const select = selects.assigned_to;
      const chosen = select.value;
      replace(select, h('option', { value: '', text: 'Unassigned' }),
        people.map((u) => h('option', { value: u.id, text: `${displayName(u)} (${u.role})` })));
      if (chosen && ticket.assigned_to && chosen === ticket.assigned_to.id) ensureOption(select, chosen, displayName(ticket.assigned_to));
      if (chosen === me.id) ensureOption(select, me.id, `${displayName(me)} (${me.role})`);
      select.value = chosen;
    }).catch((err) => notifyError(err, 'Loading the staff list'));

    form.addEventListener('change', () => {
      wanted = Object.fromEntries(Object.entries(selects).map(([k, s]) => [k, s.value]).filter(([k, v]) => v !== currentOf(ctx.getTicket())[k]));
      showDirty();
    });
    assignMe.addEventListener('click', () => {
      ensureOption(selects.assigned_to, me.id, `${displayName(me)} (${me.role})`);
      selects.assigned_to.value = me.id;
      form.dispatchEvent(new Event('change'));
      save.focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFormErrors(form);
      const changes = pending();
      if (!Object.keys(changes).length) {
        notify('Nothing to save: no field was changed.', 'info');
        return;
      }
      if (changes.status === 'closed') {
        const ok = await confirmDialog({ title: 'Close this ticket?', message: 'A closed ticket cannot be changed or answered any more.', confirmLabel: 'Close ticket', danger: true });
        if (!ok) return;
      }
      const target = form;
      await busy(target, async () => {
        if (await ctx.saveChanges(changes, target)) {
          wanted = {};
          notify('Ticket updated.', 'success');
        }
      });
    });
    showDirty();
  }

  return {
    el,
    render,
    pending,
    /** Forgets the unsaved choices (they were just saved with a reply). */
    clearPending() {
      wanted = {};
    },
    /** The "a" shortcut: assigns the ticket to the caller at once (other choices stay unsaved). */
    async assignToMe() {
      const t = ctx.getTicket();
      const me = session.user();
      if (!t || !selects) return;
      if (t.assigned_to && t.assigned_to.id === me.id) {
        notify('This ticket is already assigned to you.', 'info');
        return;
      }
      delete wanted.assigned_to;
      if (await ctx.saveChanges({ assigned_to: me.id })) notify('Assigned to you.', 'success');
    },
    focusStatus() {
      if (selects) selects.status.focus();
    },
  };
}
