// One ticket: header (number, subject, badges, Edit, a "More" menu for Close and Delete), previous
// and next within the list it was opened from, details with the staff controls, description,
// conversation, reply form, attachments, the requester's other tickets (staff) and activity log;
// the ticket's keyboard shortcuts. Live: the ticket reloads when the event stream tells of a change
// to it (a message, a status, priority or assignee change, a file); staff see who else is viewing
// or replying, and a warning with the new message when someone else replies while they write.

import { API, del, getTicket, patchTicket, ticketIdForNumber, ticketNumberOf } from '../api.js';
import { debounce, displayName, h, replace, timeEl } from '../dom.js';
import { setScreenKeys } from '../keys.js';
import { subscribe } from '../live.js';
import { dropListItem, markCurrent, neighbour, positionOf, updateListItem } from '../list-state.js';
import { menuButton } from '../menu.js';
import { backToList, homeFor, onLeave } from '../navigation.js';
import { ticketActions } from '../permissions.js';
import { navigate } from '../router.js';
import * as session from '../session.js';
import { staffCache } from '../staff.js';
import {
  busy, confirmDialog, empty, failure, field, loading, notify, notifyError, openDialog, priorityBadge,
  showFormErrors, statusBadge, ticketRef,
} from '../ui.js';
import { activityPanel } from './activity.js';
import { attachmentsPanel } from './attachments.js';
import { composer } from './composer.js';
import { presencePanel } from './presence.js';
import { requesterTicketsPanel } from './requester.js';
import { staffControls } from './ticket-controls.js';
import { threadPanel } from './thread.js';

const UNSENT = 'Your reply is not sent yet (it stays saved as a draft).';
const UNSAVED = 'Your changes to status, priority or assignee are not saved.';

export function mount(main, loc) {
  // `#/tickets/<id>` or `#/tickets/<number>` (`#/tickets/1042`): a number is resolved to the id
  // once, through the list search; one the caller cannot see is "not found" like an unknown id.
  let id = loc.args.id;
  const number = ticketNumberOf(id);
  const staff = session.isStaff();
  let ticket = null;
  let etag = null;
  let gone = false;

  replace(main, loading('Loading ticket…'));

  const presence = staff ? presencePanel() : null;
  const controls = staff ? staffControls({ getTicket: () => ticket, saveChanges }, { onPending: () => reply.sync() }) : null;
  const reply = composer({
    getTicket: () => ticket,
    reload,
    pending: () => (controls ? controls.pending() : {}),
    clearPending: () => { if (controls) controls.clearPending(); },
    onTyping: (typing) => { if (presence) presence.setReplying(typing); },
  });
  const ctx = { getTicket: () => ticket, reload };
  const thread = threadPanel();
  const attachments = attachmentsPanel(ctx);
  const activity = activityPanel();
  const requesterTickets = staff ? requesterTicketsPanel() : null;

  const title = h('h1', { class: 'ticket-title', id: 'ticket-title' });
  const badges = h('div', { class: 'ticket-badges' });
  const actions = h('div', { class: 'ticket-actions' });
  const dates = h('p', { class: 'ticket-dates muted' });
  const description = h('p', { class: 'ticket-description', id: 'ticket-description' });
  const details = h('dl', { class: 'details', id: 'ticket-details' });
  const pager = h('nav', { class: 'pager', id: 'ticket-pager', attrs: { 'aria-label': 'Tickets in the list' } });

  const view = h('article', { class: 'page ticket-view', id: 'ticket-view', dataset: { id } },
    h('div', { class: 'ticket-nav' },
      h('nav', { class: 'breadcrumb', attrs: { 'aria-label': 'Breadcrumb' } }, h('a', { href: backToList(), text: '← Back to tickets' })),
      pager),
    h('header', { class: 'ticket-header' },
      h('div', { class: 'ticket-heading' }, title, badges, dates, presence ? presence.el : null),
      actions),
    h('div', { class: 'ticket-grid' },
      h('div', { class: 'ticket-main' },
        h('section', { class: 'card description', attrs: { 'aria-labelledby': 'description-heading' } },
          h('h2', { id: 'description-heading', text: 'Description' }), description),
        thread.el,
        reply.el),
      h('aside', { class: 'ticket-side', attrs: { 'aria-label': 'Ticket details' } },
        h('section', { class: 'card', attrs: { 'aria-labelledby': 'details-heading' } },
          h('h2', { id: 'details-heading', text: 'Details' }), details, controls ? controls.el : null),
        attachments.el,
        requesterTickets ? requesterTickets.el : null,
        activity.el)));

  function renderHeader() {
    const ref = ticketRef(ticket);
    replace(title, h('span', { class: 'ticket-number', text: ref }), ticket.topic);
    document.title = `${ref} ${ticket.topic} · Helpdesk`;
    replace(badges, statusBadge(ticket.status, ticket.status_display), priorityBadge(ticket.priority, ticket.priority_display));
    const parts = ['Opened ', timeEl(ticket.created_at), ' by ', displayName(ticket.user)];
    if (ticket.updated_at) parts.push(' · updated ', timeEl(ticket.updated_at));
    replace(dates, parts);

    const can = ticketActions(ticket);
    const buttons = [];
    if (can.canEdit) buttons.push(button('Edit', 'btn', editTicket, 'edit-ticket'));
    if (!staff && ticket.status === 'resolved' && can.transitions.includes('open')) {
      buttons.push(button('Reopen ticket', 'btn', () => changeStatus('open'), 'reopen-ticket'));
    }
    const more = [];
    if (can.transitions.includes('closed')) more.push({ label: 'Close ticket…', id: 'close-ticket', danger: true, onSelect: closeTicket });
    if (can.canDelete) more.push({ label: 'Delete ticket…', id: 'delete-ticket', danger: true, onSelect: deleteTicket });
    if (more.length) buttons.push(menuButton({ label: 'More', id: 'ticket-more', className: 'btn', items: more }).el);
    replace(actions, buttons);
  }

  function renderPager() {
    const pos = positionOf(ticket ? ticket.id : id);
    if (!pos) {
      replace(pager);
      return;
    }
    const prev = h('button', { type: 'button', class: 'btn btn-small', id: 'prev-ticket', disabled: !pos.prev, text: '← Previous' });
    const next = h('button', { type: 'button', class: 'btn btn-small', id: 'next-ticket', disabled: !pos.next && !pos.more, text: 'Next →' });
    prev.addEventListener('click', () => go(-1));
    next.addEventListener('click', () => go(1));
    replace(pager, h('span', { class: 'pager-position muted', id: 'pager-position', text: `${pos.index + 1} of ${pos.count} in ${pos.title}` }), prev, next);
  }

  async function go(step) {
    try {
      const target = await neighbour(ticket ? ticket.id : id, step);
      if (target) navigate(`#/tickets/${encodeURIComponent(target.id)}`);
      else notify(step > 0 ? 'This is the last ticket of the list.' : 'This is the first ticket of the list.', 'info');
    } catch (err) {
      notifyError(err, 'Loading the next tickets');
    }
  }

  function renderDetails() {
    const row = (term, value) => [h('dt', { text: term }), h('dd', {}, value)];
    const both = (iso) => timeEl(iso, { mode: 'both' });
    replace(details,
      row('Ticket', h('span', { class: 'ticket-ref', text: ticketRef(ticket) })),
      row('Status', statusBadge(ticket.status, ticket.status_display)),
      row('Priority', priorityBadge(ticket.priority, ticket.priority_display)),
      row('Customer', [displayName(ticket.user), ticket.user && ticket.user.email ? h('span', { class: 'detail-sub muted', text: ticket.user.email }) : null]),
      row('Assigned to', ticket.assigned_to ? displayName(ticket.assigned_to) : 'Nobody yet'),
      row('Created', both(ticket.created_at)),
      row('Updated', both(ticket.updated_at)),
      ticket.resolved_at ? row('Resolved', both(ticket.resolved_at)) : null,
      ticket.closed_at ? row('Closed', both(ticket.closed_at)) : null);
    if (controls) controls.render(ticket);
  }

  function button(text, cls, onClick, buttonId) {
    const b = h('button', { type: 'button', class: cls, id: buttonId, text });
    b.addEventListener('click', onClick);
    return b;
  }

  /** PATCH with If-Match, then reload; handles 412 and ticket_closed. Resolves true on success. */
  async function saveChanges(changes, form = null) {
    try {
      const res = await patchTicket(ticket.id, etag, changes);
      etag = res.etag;
      await reload();
      return true;
    } catch (err) {
      if (err.status === 412) {
        const fresh = await reload();
        notify(fresh && fresh.status === 'closed'
          ? 'This ticket was closed meanwhile: it can no longer be changed or answered.'
          : 'This ticket changed meanwhile — reloaded', 'error');
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
    if (await saveChanges({ status: next })) notify('Ticket updated.', 'success');
  }

  async function closeTicket() {
    const ok = await confirmDialog({
      title: 'Close this ticket?',
      message: staff
        ? 'A closed ticket cannot be changed, answered or reopened any more.'
        : 'Closing is final: you will not be able to reply or reopen it. Open a new ticket if you need more help later.',
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
      dropListItem(ticket.id);
      notify('Ticket deleted.', 'success');
      navigate(backToList(), { force: true });
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
          const res = await patchTicket(ticket.id, etag, changes);
          etag = res.etag;
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
    renderPager();
    renderDetails();
    description.textContent = ticket.description;
    thread.render(ticket);
    reply.render(ticket);
    attachments.render(ticket);
    activity.render(ticket, staffCache());
    if (requesterTickets) requesterTickets.render(ticket);
  }

  /** Fetches the ticket again and re-renders; resolves with it (or null when it is gone). */
  async function reload() {
    try {
      if (number !== null && id === loc.args.id) {
        const resolved = await ticketIdForNumber(number);
        if (gone) return null;
        id = resolved;
        view.dataset.id = id;
      }
      const res = await getTicket(id);
      if (gone) return null;
      ticket = res.ticket;
      etag = res.etag;
      updateListItem(ticket);
      markCurrent(ticket.id);
      if (!view.isConnected) replace(main, view);
      renderAll();
      if (presence) presence.start(ticket.id);
      return ticket;
    } catch (err) {
      if (gone) return null;
      if (err.status === 404) {
        gone = true;
        replace(main, h('section', { class: 'page' }, h('h1', { text: 'Ticket not found' }),
          empty('This ticket does not exist or you cannot see it.', '', h('a', { class: 'btn', href: homeFor(), text: 'Back to tickets' }))));
      } else if (!ticket) {
        if (!main.querySelector('.failure')) {
          replace(main, h('section', { class: 'page' }, h('h1', { text: 'The ticket could not be loaded' }),
            failure('The ticket could not be loaded.', err, () => reload())));
        }
      } else {
        notifyError(err, 'Reloading the ticket');
      }
      return null;
    }
  }

  const dropKeys = setScreenKeys({
    r: () => reply.focus(false),
    n: () => { if (staff) reply.focus(true); },
    a: () => { if (controls) controls.assignToMe(); },
    s: () => { if (controls) controls.focusStatus(); },
    j: () => go(1),
    k: () => go(-1),
    Escape: () => navigate(backToList()),
  });
  const dropLeave = onLeave(() => {
    if (controls && Object.keys(controls.pending()).length) return { message: UNSAVED, kept: false };
    if (reply.unsent()) return { message: UNSENT, kept: true };
    return null;
  });
  // Live: a change to this ticket reloads it (once for a burst of events); a message by someone
  // else while a reply is being written is shown above the reply box.
  const liveReload = debounce(() => { if (!gone && ticket) reload(); }, 200);
  const dropLive = subscribe((type, data) => {
    if (presence) presence.onEvent(type, data);
    if (type === 'reset' || type === 'resync') {
      liveReload();
      return;
    }
    if (!ticket || !data || data.ticket_id !== ticket.id || !/^(ticket|message|attachment)\./.test(type)) return;
    const me = session.user();
    const byOther = data.actor && me && data.actor.id !== me.id;
    if (type === 'message.created' && byOther && reply.unsent() && data.changes) {
      reply.warn(data.actor.name, data.changes.body || '', Boolean(data.changes.internal));
    }
    liveReload();
  });
  const onPageHide = () => {
    reply.flush();
    if (presence) presence.stop();
  };
  window.addEventListener('pagehide', onPageHide);

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
      reply.flush();
      liveReload.cancel();
      dropLive();
      if (presence) presence.stop();
      dropKeys();
      dropLeave();
      window.removeEventListener('pagehide', onPageHide);
    },
  };
}
