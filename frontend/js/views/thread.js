// The conversation of a ticket (oldest first), the reply form (public reply or internal note for
// staff) and the activity log (newest first).

import { API, post } from '../api.js';
import { displayName, h, icon, replace, timeEl, uid } from '../dom.js';
import * as session from '../session.js';
import { busy, clearFormErrors, empty, notify, showFormErrors } from '../ui.js';
import { attachmentLink } from './attachments.js';
import { uploadAll, uploadRow } from './create.js';

export const INTERNAL_LABEL = 'Internal note — not visible to the customer';

function messageItem(m, ticket) {
  const me = session.user();
  const own = me && m.user && m.user.id === me.id;
  const classes = ['message'];
  if (m.is_staff_message) classes.push('message-staff');
  if (m.internal) classes.push('message-internal');
  if (own) classes.push('message-own');
  const author = h('span', { class: 'message-author', text: displayName(m.user) });
  const tags = [];
  if (m.is_staff_message) tags.push(h('span', { class: 'tag tag-staff', text: 'Support team' }));
  if (m.user && ticket.user && m.user.id === ticket.user.id) tags.push(h('span', { class: 'tag', text: 'Customer' }));
  return h('li', { class: classes, dataset: { id: m.id, internal: m.internal ? 'true' : 'false' } },
    m.internal ? h('p', { class: 'internal-label' }, icon('lock'), INTERNAL_LABEL) : null,
    h('div', { class: 'message-head' }, author, tags, timeEl(m.created_at)),
    h('p', { class: 'message-text', text: m.message }),
    m.attachments && m.attachments.length
      ? h('ul', { class: 'message-attachments', attrs: { 'aria-label': 'Files attached to this message' } },
        m.attachments.map((a) => h('li', {}, attachmentLink(a))))
      : null);
}

/** The message list. Returns { el, render(ticket) }. */
export function threadPanel() {
  const heading = h('h2', { id: 'thread-heading', text: 'Conversation' });
  const list = h('ol', { class: 'thread', id: 'thread' });
  const el = h('section', { class: 'thread-section', attrs: { 'aria-labelledby': 'thread-heading' } }, heading, list);
  function render(ticket) {
    const messages = ticket.messages || [];
    heading.textContent = `Conversation (${messages.length})`;
    if (!messages.length) {
      replace(list, h('li', { class: 'thread-empty' }, empty('No messages yet.', 'Replies from you and the support team appear here.')));
      return;
    }
    replace(list, messages.map((m) => messageItem(m, ticket)));
  }
  return { el, render };
}

/**
 * The reply form. ctx: { getTicket(), reload() }. Keeps the draft across re-renders.
 * Returns { el, render(ticket) }.
 */
export function replyPanel(ctx) {
  const staff = session.isStaff();
  const textId = uid('reply-text');
  const label = h('label', { htmlFor: textId, text: 'Your reply' });
  const text = h('textarea', { id: textId, name: 'message', rows: 5, attrs: { maxlength: '10000' } });
  const filesId = uid('reply-files');
  const files = h('input', { type: 'file', id: filesId, name: 'files', multiple: true });
  const rows = h('ul', { class: 'upload-list' });
  const hint = h('p', { class: 'field-hint', id: `${textId}-hint` });
  text.setAttribute('aria-describedby', hint.id);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'reply-submit', text: 'Send reply' });

  let kind = null;
  if (staff) {
    const name = uid('reply-kind');
    const option = (value, caption, checked) => h('label', { class: ['kind-option', `kind-${value}`] },
      h('input', { type: 'radio', name, value, checked }), caption);
    kind = h('fieldset', { class: 'reply-kind' }, h('legend', { text: 'Message type' }),
      option('public', 'Public reply', true), option('internal', 'Internal note', false));
  }
  const form = h('form', { class: 'form reply-form', id: 'reply-form', noValidate: true },
    kind,
    h('div', { class: 'field' }, label, text, hint),
    h('div', { class: 'field' }, h('label', { htmlFor: filesId, text: 'Attach files (optional)' }), files),
    rows,
    h('div', { class: 'form-actions' }, submit));
  const closedNote = h('p', { class: 'closed-note', id: 'closed-note', hidden: true, text: 'This ticket is closed: it can no longer be answered. Open a new ticket if you need more help.' });
  const heading = h('h2', { id: 'reply-heading', text: 'Reply' });
  const el = h('section', { class: 'card reply', attrs: { 'aria-labelledby': 'reply-heading' } }, heading, closedNote, form);

  const isInternal = () => Boolean(kind && kind.querySelector('input:checked').value === 'internal');
  function syncKind() {
    const internal = isInternal();
    form.classList.toggle('reply-internal', internal);
    label.textContent = internal ? 'Internal note' : 'Your reply';
    submit.textContent = internal ? 'Add internal note' : 'Send reply';
    const t = ctx.getTicket();
    if (internal) hint.textContent = 'Only staff can see internal notes.';
    else if (t && t.status === 'resolved' && !staff) hint.textContent = 'Replying will reopen this ticket.';
    else hint.textContent = staff ? 'The customer will see this reply.' : 'The support team will see your reply.';
  }
  if (kind) kind.addEventListener('change', syncKind);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const message = text.value.trim();
    if (!message) {
      showFormErrors(form, { errors: { message: ['Write a message first.'] } });
      return;
    }
    const ticket = ctx.getTicket();
    const internal = isInternal();
    const chosen = [...files.files];
    const before = ticket.status;
    await busy(form, async () => {
      let created;
      try {
        const body = staff ? { message, internal } : { message };
        created = await post(`${API}/tickets/${encodeURIComponent(ticket.id)}/messages/`, body);
      } catch (err) {
        showFormErrors(form, err);
        if (err.code === 'ticket_closed') await ctx.reload();
        return;
      }
      text.value = '';
      if (chosen.length) {
        const upRows = chosen.map(uploadRow);
        replace(rows, upRows.map((r) => r.row));
        const failures = await uploadAll(ticket.id, chosen, upRows, created.id);
        if (!failures) replace(rows);
        files.value = '';
      }
      notify(internal ? 'Internal note added.' : 'Reply sent.', 'success');
      const after = await ctx.reload();
      if (after && after.status !== before && after.status === 'open') notify('The ticket was reopened.', 'info');
    });
    text.focus();
  });

  function render(ticket) {
    const closed = ticket.status === 'closed';
    form.hidden = closed;
    closedNote.hidden = !closed;
    syncKind();
  }
  return { el, render };
}

/** The activity log. Returns { el, render(ticket) }. */
export function activityPanel() {
  const list = h('ol', { class: 'activity-list', id: 'activity-list' });
  const el = h('section', { class: 'card activity', attrs: { 'aria-labelledby': 'activity-heading' } },
    h('h2', { id: 'activity-heading', text: 'Activity' }), list);
  function render(ticket) {
    const items = ticket.activities || [];
    if (!items.length) {
      replace(list, h('li', { class: 'muted', text: 'No activity yet.' }));
      return;
    }
    replace(list, items.map((a) => h('li', { class: ['activity-item', `action-${a.action}`] },
      h('p', { class: 'activity-text', text: a.details || a.action_display || a.action }),
      h('p', { class: 'activity-meta muted' }, `${a.action_display || a.action} · by ${displayName(a.performed_by)} · `, timeEl(a.created_at)))));
  }
  return { el, render };
}
