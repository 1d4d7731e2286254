// One ticket: header with badges and actions, details (with staff controls), description,
// conversation, reply form, attachments and activity log.

import { backToList, homeFor } from '../app.js';
import { API, del, getPage, getTicket, patchTicket, query } from '../api.js';
import { displayName, h, replace, timeEl } from '../dom.js';
import { navigate } from '../router.js';
import * as session from '../session.js';
import {
  busy, clearFormErrors, confirmDialog, empty, field, loading, notify, notifyError, openDialog,
  PRIORITY_LABELS, priorityBadge, showFormErrors, STATUS_LABELS, statusBadge,
} from '../ui.js';
import { attachmentsPanel } from './attachments.js';
import { activityPanel, replyPanel, threadPanel } from './thread.js';

/** The status moves the lifecycle allows from each status. */
export const TRANSITIONS = {
  open: ['in_progress', 'resolved', 'closed'],
  in_progress: ['resolved', 'closed'],
  resolved: ['open', 'in_progress', 'closed'],
  closed: [],
};

let staffCache = null;
/** Agents and admins for the assignment picker (all pages), cached per page load. */
async function loadStaff() {
  if (staffCache) return staffCache;
  const users = [];
  for (const role of ['agent', 'admin']) {
    let url = `${API}/users/${query({ role, limit: 200 })}`;
    for (let i = 0; url && i < 10; i += 1) {
      const page = await getPage(url);
      users.push(...page.items);
      url = page.next;
    }
  }
  staffCache = users.filter((u) => u.is_active !== false)
    .sort((a, b) => displayName(a).localeCompare(displayName(b)));
  return staffCache;
}

export function mount(main, loc) {
  const id = loc.args.id;
  const staff = session.isStaff();
  let ticket = null;
  let etag = null;
  let gone = false;

  replace(main, loading('Loading ticket…'));

  const ctx = { getTicket: () => ticket, reload };
  const thread = threadPanel();
  const reply = replyPanel(ctx);
  const attachments = attachmentsPanel(ctx);
  const activity = activityPanel();

  const title = h('h1', { class: 'ticket-title', id: 'ticket-title' });
  const badges = h('div', { class: 'ticket-badges' });
  const actions = h('div', { class: 'ticket-actions' });
  const dates = h('p', { class: 'ticket-dates muted' });
  const description = h('p', { class: 'ticket-description', id: 'ticket-description' });
  const details = h('dl', { class: 'details', id: 'ticket-details' });
  const controls = h('div', { class: 'staff-controls' });

  const view = h('article', { class: 'page ticket-view', id: 'ticket-view', dataset: { id } },
    h('nav', { class: 'breadcrumb', attrs: { 'aria-label': 'Breadcrumb' } },
      h('a', { href: backToList(), text: '← Back to tickets' })),
    h('header', { class: 'ticket-header' },
      h('div', { class: 'ticket-heading' }, title, badges, dates),
      actions),
    h('div', { class: 'ticket-grid' },
      h('div', { class: 'ticket-main' },
        h('section', { class: 'card description', attrs: { 'aria-labelledby': 'description-heading' } },
          h('h2', { id: 'description-heading', text: 'Description' }), description),
        thread.el,
        reply.el),
      h('aside', { class: 'ticket-side', attrs: { 'aria-label': 'Ticket details' } },
        h('section', { class: 'card', attrs: { 'aria-labelledby': 'details-heading' } },
          h('h2', { id: 'details-heading', text: 'Details' }), details, controls),
        attachments.el,
        activity.el)));

  function renderHeader() {
    title.textContent = ticket.topic;
    document.title = `${ticket.topic} · Helpdesk`;
    replace(badges, statusBadge(ticket.status, ticket.status_display), priorityBadge(ticket.priority, ticket.priority_display));
    const parts = ['Opened ', timeEl(ticket.created_at), ' by ', displayName(ticket.user)];
    if (ticket.updated_at) parts.push(' · updated ', timeEl(ticket.updated_at));
    replace(dates, parts);

    const me = session.user();
    const owner = me && ticket.user && ticket.user.id === me.id;
    const buttons = [];
    if (ticket.status !== 'closed' && (owner || staff)) {
      buttons.push(button('Edit', 'btn', editTicket, 'edit-ticket'));
    }
    if (ticket.status === 'resolved' && owner && !staff) {
      buttons.push(button('Reopen ticket', 'btn', () => changeStatus('open'), 'reopen-ticket'));
    }
    if (ticket.status !== 'closed' && owner && !staff) {
      buttons.push(button('Close ticket', 'btn btn-danger', closeTicket, 'close-ticket'));
    }
    if (staff) buttons.push(button('Delete ticket', 'btn btn-danger', deleteTicket, 'delete-ticket'));
    replace(actions, buttons);
  }

  function renderDetails() {
    const row = (term, value) => [h('dt', { text: term }), h('dd', {}, value)];
    replace(details,
      row('Status', statusBadge(ticket.status, ticket.status_display)),
      row('Priority', priorityBadge(ticket.priority, ticket.priority_display)),
      row('Customer', [displayName(ticket.user), ticket.user && ticket.user.email ? h('span', { class: 'detail-sub muted', text: ticket.user.email }) : null]),
      row('Assigned to', ticket.assigned_to ? displayName(ticket.assigned_to) : 'Nobody yet'),
      row('Created', timeEl(ticket.created_at)),
      row('Updated', timeEl(ticket.updated_at)),
      ticket.resolved_at ? row('Resolved', timeEl(ticket.resolved_at)) : null,
      ticket.closed_at ? row('Closed', timeEl(ticket.closed_at)) : null);
    if (staff) renderControls();
  }

  function renderControls() {
    if (ticket.status === 'closed') {
      replace(controls, h('p', { class: 'muted', text: 'This ticket is closed; it can no longer be changed.' }));
      return;
    }
    const statusOptions = [[ticket.status, `${STATUS_LABELS[ticket.status]} (current)`],
      ...TRANSITIONS[ticket.status].map((s) => [s, STATUS_LABELS[s]])];
    const status = field({ label: 'Status', name: 'status', kind: 'select', value: ticket.status, options: statusOptions });
    const priority = field({ label: 'Priority', name: 'priority', kind: 'select', value: ticket.priority, options: Object.entries(PRIORITY_LABELS) });
    const currentAssignee = ticket.assigned_to ? ticket.assigned_to.id : '';
    const assigneeOptions = [['', 'Unassigned']];
    if (ticket.assigned_to) assigneeOptions.push([ticket.assigned_to.id, displayName(ticket.assigned_to)]);
    const assignee = field({ label: 'Assignee', name: 'assigned_to', kind: 'select', value: currentAssignee, options: assigneeOptions });
    const me = session.user();
    const assignMe = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'assign-me', text: 'Assign to me' });
    assignMe.hidden = currentAssignee === me.id;
    const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-controls', text: 'Save changes' });
    const form = h('form', { class: 'form controls-form', id: 'controls-form', noValidate: true, attrs: { 'aria-label': 'Change status, priority and assignee' } },
      status, priority, assignee, assignMe, save);
    replace(controls, form);

    loadStaff().then((people) => {
      const select = assignee.control;
      const chosen = select.value;
      replace(select, h('option', { value: '', text: 'Unassigned' }),
        people.map((u) => h('option', { value: u.id, text: `${displayName(u)} (${u.role})` })));
      if (chosen && !people.some((u) => u.id === chosen) && ticket.assigned_to) {
        select.append(h('option', { value: chosen, text: displayName(ticket.assigned_to) }));
      }
      select.value = chosen;
    }).catch((err) => notifyError(err, 'Loading the staff list'));

    assignMe.addEventListener('click', () => {
      const select = assignee.control;
      if (![...select.options].some((o) => o.value === me.id)) select.append(h('option', { value: me.id, text: `${displayName(me)} (${me.role})` }));
      select.value = me.id;
      save.focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFormErrors(form);
      const changes = {};
      if (status.control.value !== ticket.status) changes.status = status.control.value;
      if (priority.control.value !== ticket.priority) changes.priority = priority.control.value;
      if (assignee.control.value !== currentAssignee) changes.assigned_to = assignee.control.value || null;
      if (!Object.keys(changes).length) {
        notify('Nothing to save: no field was changed.', 'info');
        return;
      }
      if (changes.status === 'closed') {
        const ok = await confirmDialog({ title: 'Close this ticket?', message: 'A closed ticket cannot be changed or answered any more.', confirmLabel: 'Close ticket', danger: true });
        if (!ok) return;
      }
      await busy(form, () => applyChanges(changes, form));
    });
  }

  function button(text, cls, onClick, id) {
    const b = h('button', { type: 'button', class: cls, id, text });
    b.addEventListener('click', onClick);
    return b;
  }

  /** PATCH with If-Match; handles 412 and ticket_closed. Resolves true on success. */
  async function applyChanges(changes, form = null) {
    try {
      await patchTicket(ticket.id, etag, changes);
      notify('Ticket updated.', 'success');
      await reload();
      return true;
    } catch (err) {
      if (err.status === 412) {
        notify('This ticket changed meanwhile — reloaded', 'error');
        await reload();
      } else if (err.code === 'ticket_closed') {
        notify('This ticket is closed: it can no longer be changed or answered.', 'error');
        await reload();
      } else if (form) {
        showFormErrors(form, err);
      } else {
        notifyError(err);
      }
      return false;
    }
  }

  async function changeStatus(next) {
    await applyChanges({ status: next });
  }

  async function closeTicket() {
    const ok = await confirmDialog({
      title: 'Close this ticket?',
      message: 'Closing is final: you will not be able to reply or reopen it. Open a new ticket if you need more help later.',
      confirmLabel: 'Close ticket',
      danger: true,
    });
    if (ok) await changeStatus('closed');
  }

  async function deleteTicket() {
    const ok = await confirmDialog({
      title: 'Delete this ticket?',
      message: `“${ticket.topic}” will be removed from every list. Its activity log is kept.`,
      confirmLabel: 'Delete ticket',
      danger: true,
    });
    if (!ok) return;
    try {
      await del(`${API}/tickets/${encodeURIComponent(ticket.id)}/`);
      gone = true;
      notify('Ticket deleted.', 'success');
      navigate(backToList());
    } catch (err) {
      notifyError(err, 'Delete ticket');
    }
  }

  function editTicket() {
    const topic = field({ label: 'Topic', name: 'topic', value: ticket.topic, required: true, attrs: { maxlength: '255' } });
    const desc = field({ label: 'Description', name: 'description', kind: 'textarea', value: ticket.description, required: true, attrs: { maxlength: '10000', rows: '8' } });
    const formId = 'edit-ticket-form';
    const form = h('form', { class: 'form', id: formId, noValidate: true }, topic, desc);
    const save = h('button', { type: 'submit', class: 'btn btn-primary', text: 'Save', attrs: { form: formId } });
    const cancel = h('button', { type: 'button', class: 'btn', text: 'Cancel' });
    const d = openDialog({ title: 'Edit ticket', content: [form], footer: [cancel, save], initialFocus: topic.control });
    cancel.addEventListener('click', () => d.close());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const changes = {};
      const t = topic.control.value.trim();
      const ds = desc.control.value.trim();
      if (t !== ticket.topic) changes.topic = t;
      if (ds !== ticket.description) changes.description = ds;
      if (!Object.keys(changes).length) {
        d.close();
        return;
      }
      await busy(form, async () => {
        save.disabled = true;
        try {
          await patchTicket(ticket.id, etag, changes);
          notify('Ticket updated.', 'success');
          d.close();
          await reload();
        } catch (err) {
          if (err.status === 412 || err.code === 'ticket_closed') {
            d.close();
            notify(err.status === 412 ? 'This ticket changed meanwhile — reloaded' : err.userMessage, 'error');
            await reload();
          } else {
            showFormErrors(form, err);
          }
        } finally {
          save.disabled = false;
        }
      });
    });
  }

  function renderAll() {
    renderHeader();
    renderDetails();
    description.textContent = ticket.description;
    thread.render(ticket);
    reply.render(ticket);
    attachments.render(ticket);
    activity.render(ticket);
  }

  /** Fetches the ticket again and re-renders; resolves with it (or null when it is gone). */
  async function reload() {
    try {
      const res = await getTicket(id);
      if (gone) return null;
      ticket = res.ticket;
      etag = res.etag;
      if (!view.isConnected) replace(main, view);
      renderAll();
      return ticket;
    } catch (err) {
      if (gone) return null;
      if (err.status === 404) {
        gone = true;
        replace(main, h('section', { class: 'page' }, h('h1', { text: 'Ticket not found' }),
          empty('This ticket does not exist or you cannot see it.', '', h('a', { class: 'btn', href: homeFor(), text: 'Back to tickets' }))));
      } else if (!ticket) {
        replace(main, h('section', { class: 'page' }, h('h1', { text: 'The ticket could not be loaded' }),
          empty(err.userMessage || String(err), '', h('a', { class: 'btn', href: homeFor(), text: 'Back to tickets' }))));
      } else {
        notifyError(err, 'Reloading the ticket');
      }
      return null;
    }
  }

  reload().then(() => {
    if (view.isConnected && document.activeElement === document.body) title.focus();
  });
  title.setAttribute('tabindex', '-1');

  return {
    update() {
      reload();
    },
    unmount() {
      gone = true;
    },
  };
}

