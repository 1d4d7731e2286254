// The reply form of a ticket: a public reply or (staff) an internal note, files, a draft kept per
// ticket (drafts.js), and a split send button: "Send and mark resolved" by default for staff,
// other statuses in its menu, Ctrl/Cmd+Enter sends. Status, priority and assignee chosen in the
// staff controls and not saved yet go with the reply in the same request: the server saves the
// message and the changes together, or nothing.

import { postMessage } from '../api.js';
import { debounce, displayName, h, replace, uid } from '../dom.js';
import { clearDraft, loadDraft, saveDraft } from '../drafts.js';
import { menuButton } from '../menu.js';
import { ticketActions } from '../permissions.js';
import * as session from '../session.js';
import { staffCache } from '../staff.js';
import { busy, clearFormErrors, confirmDialog, notify, showFormErrors, STATUS_LABELS, PRIORITY_LABELS } from '../ui.js';
import { uploadAll, uploadRow } from './uploads.js';

const MAC = /Mac|iPhone|iPad/.test(navigator.platform || '');

/** "Send", "Send and mark resolved", "Add internal note and set status to In progress". */
function sendLabel(verb, status) {
  if (!status) return verb;
  if (status === 'resolved') return `${verb} and mark resolved`;
  return `${verb} and set status to ${STATUS_LABELS[status] || status}`;
}

/** What was saved with a reply, for the notice: "status Resolved, priority High". */
function describeChanges(changes) {
  const parts = [];
  if (changes.status) parts.push(`status ${STATUS_LABELS[changes.status] || changes.status}`);
  if (changes.priority) parts.push(`priority ${PRIORITY_LABELS[changes.priority] || changes.priority}`);
  if ('assigned_to' in changes) {
    const who = changes.assigned_to ? (staffCache().find((u) => u.id === changes.assigned_to) || null) : null;
    parts.push(changes.assigned_to ? `assignee ${who ? displayName(who) : 'changed'}` : 'unassigned');
  }
  return parts.join(', ');
}

/**
 * ctx: { getTicket(), reload(), pending() -> unsaved control changes, clearPending(), onTyping(bool)? }.
 * Returns { el, render(ticket), text, focus(internal), unsent(), send(), warn(name, body, internal) }.
 */
export function composer(ctx) {
  const staff = session.isStaff();
  const textId = uid('reply-text');
  const label = h('label', { htmlFor: textId, text: 'Your reply' });
  const text = h('textarea', { id: textId, name: 'message', rows: 5, attrs: { maxlength: '10000' } });
  const filesId = uid('reply-files');
  const files = h('input', { type: 'file', id: filesId, name: 'files', multiple: true });
  const rows = h('ul', { class: 'upload-list' });
  const hint = h('p', { class: 'field-hint', id: `${textId}-hint` });
  const keysHint = h('p', { class: 'field-hint composer-keys', text: `${MAC ? '⌘' : 'Ctrl'}+Enter sends.` });
  text.setAttribute('aria-describedby', `${hint.id}`);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'reply-submit', text: 'Send reply' });
  const discard = h('button', { type: 'button', class: 'btn btn-ghost', id: 'discard-draft', hidden: true, text: 'Discard draft' });

  let kind = null;
  if (staff) {
    const name = uid('reply-kind');
    const option = (value, caption, checked) => h('label', { class: ['kind-option', `kind-${value}`] },
      h('input', { type: 'radio', name, value, checked }), caption);
    kind = h('fieldset', { class: 'reply-kind' }, h('legend', { text: 'Message type' }),
      option('public', 'Public reply', true), option('internal', 'Internal note', false));
  }
  const isInternal = () => Boolean(kind && kind.querySelector('input:checked').value === 'internal');
  const verb = () => (isInternal() ? 'Add internal note' : staff ? 'Send' : 'Send reply');

  /** The status the main button sets: the one chosen in the controls, else "resolved" for staff. */
  function mainStatus() {
    const t = ctx.getTicket();
    if (!t || !staff) return null;
    const chosen = ctx.pending().status;
    if (chosen) return chosen;
    if (isInternal() || t.status === 'resolved') return null;
    return ticketActions(t).transitions.includes('resolved') ? 'resolved' : null;
  }

  const options = staff ? menuButton({
    label: h('span', { class: 'sr-only', text: 'More ways to send' }),
    id: 'reply-options',
    className: 'btn btn-primary split-toggle',
    items: () => {
      const t = ctx.getTicket();
      const moves = ticketActions(t).transitions.filter((s) => s !== 'closed' && s !== t.status);
      return [{ label: verb(), id: 'send-plain', onSelect: () => send(null) },
        ...moves.map((s) => ({ label: sendLabel(verb(), s), id: `send-${s}`, onSelect: () => send(s) }))];
    },
  }) : null;

  const form = h('form', { class: 'form reply-form', id: 'reply-form', noValidate: true },
    kind,
    h('div', { class: 'field' }, label, text, hint),
    h('div', { class: 'field' }, h('label', { htmlFor: filesId, text: 'Attach files (optional)' }), files),
    rows,
    h('div', { class: 'form-actions composer-actions' }, keysHint, discard,
      h('div', { class: 'split-button', attrs: { role: 'group', 'aria-label': 'Send' } }, submit, options ? options.el : null)));
  const closedNote = h('p', { class: 'closed-note', id: 'closed-note', hidden: true, text: 'This ticket is closed: it can no longer be answered. Open a new ticket if you need more help.' });
  // Someone else replied while this reply was being written: shown above the form, with their
  // message, until dismissed or this reply is sent.
  const warningText = h('p', { id: 'collision-title' });
  const warningQuote = h('blockquote', { id: 'collision-message' });
  const dismissWarning = h('button', { type: 'button', class: 'btn btn-small', id: 'collision-dismiss', text: 'Got it' });
  const warning = h('div', { class: 'collision-warning', id: 'collision-warning', hidden: true, attrs: { role: 'alert' } },
    warningText, warningQuote, dismissWarning);
  dismissWarning.addEventListener('click', () => {
    warning.hidden = true;
    text.focus();
  });
  const el = h('section', { class: 'card reply', attrs: { 'aria-labelledby': 'reply-heading' } },
    h('h2', { id: 'reply-heading', text: 'Reply' }), closedNote, warning, form);
  const typing = () => { if (ctx.onTyping) ctx.onTyping(Boolean(text.value.trim())); };

  /** Updates labels and hints after a change of kind, draft or unsaved controls. */
  function sync() {
    const internal = isInternal();
    form.classList.toggle('reply-internal', internal);
    label.textContent = internal ? 'Internal note' : 'Your reply';
    submit.textContent = sendLabel(verb(), mainStatus());
    const t = ctx.getTicket();
    if (internal) hint.textContent = 'Only staff can see internal notes.';
    else if (t && t.status === 'resolved' && !staff) hint.textContent = 'Replying will reopen this ticket.';
    else hint.textContent = staff ? 'The customer will see this reply.' : 'The support team will see your reply.';
    discard.hidden = !text.value.trim();
  }

  let draftFor = null; // the ticket whose draft is loaded
  const store = debounce(() => { if (draftFor) saveDraft(draftFor, { text: text.value, internal: isInternal() }); }, 300);
  text.addEventListener('input', () => {
    store();
    discard.hidden = !text.value.trim();
    typing();
  });
  if (kind) kind.addEventListener('change', () => { sync(); store(); });
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  discard.addEventListener('click', async () => {
    const ok = await confirmDialog({ title: 'Discard this draft?', message: 'The text you wrote will be deleted.', confirmLabel: 'Discard draft', cancelLabel: 'Keep it' });
    if (!ok) return;
    store.cancel();
    text.value = '';
    if (draftFor) clearDraft(draftFor);
    sync();
    typing();
    text.focus();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(undefined);
  });

  /** choice: undefined = the main button's status; null = no status of its own; else a status. */
  async function send(choice) {
    clearFormErrors(form);
    const message = text.value.trim();
    if (!message) {
      showFormErrors(form, { errors: { message: ['Write a message first.'] } });
      return;
    }
    const ticket = ctx.getTicket();
    const internal = isInternal();
    const changes = staff ? { ...ctx.pending() } : {};
    const status = choice === undefined ? mainStatus() : choice;
    if (status) changes.status = status;
    if (changes.status === ticket.status) delete changes.status;
    if (changes.status === 'closed') {
      const ok = await confirmDialog({ title: 'Send and close this ticket?', message: 'A closed ticket cannot be changed or answered any more.', confirmLabel: 'Send and close', danger: true });
      if (!ok) return;
    }
    const chosen = [...files.files];
    const before = ticket.status;
    const changed = Object.keys(changes).length > 0;
    await busy(form, async () => {
      let created;
      const body = staff ? { message, internal, ...changes } : { message };
      try {
        created = await postMessage(ticket.id, body);
      } catch (err) {
        // Nothing was saved: neither the reply nor the changes.
        showFormErrors(form, err);
        if (err.code === 'ticket_closed') await ctx.reload();
        return;
      }
      store.cancel();
      clearDraft(ticket.id);
      text.value = '';
      warning.hidden = true;
      typing();
      ctx.clearPending();
      if (chosen.length) {
        const upRows = chosen.map(uploadRow);
        replace(rows, upRows.map((r) => r.row));
        const failures = await uploadAll(ticket.id, chosen, upRows, created.id);
        if (!failures) replace(rows);
        files.value = '';
      }
      const what = internal ? 'Internal note added' : 'Reply sent';
      notify(changed ? `${what} and saved: ${describeChanges(changes)}.` : `${what}.`, 'success');
      const after = await ctx.reload();
      if (after && after.status !== before && after.status === 'open' && !changes.status) notify('The ticket was reopened.', 'info');
    });
    text.focus();
  }

  function render(ticket) {
    const can = ticketActions(ticket);
    form.hidden = !can.canReply;
    closedNote.hidden = ticket.status !== 'closed';
    if (draftFor !== ticket.id) {
      draftFor = ticket.id;
      const draft = loadDraft(ticket.id);
      if (draft && !text.value.trim()) {
        text.value = draft.text;
        const wanted = kind && kind.querySelector(`input[value="${draft.internal ? 'internal' : 'public'}"]`);
        if (wanted) wanted.checked = true;
      }
    }
    sync();
  }

  return {
    el,
    render,
    sync,
    /** Focuses the text, as a public reply or an internal note (the "r" and "n" shortcuts). */
    focus(internal = false) {
      if (form.hidden) return;
      if (kind) {
        const wanted = kind.querySelector(`input[value="${internal ? 'internal' : 'public'}"]`);
        if (wanted && !wanted.checked) {
          wanted.checked = true;
          sync();
          store();
        }
      }
      text.focus();
    },
    /** True while there is text not sent yet. */
    unsent: () => Boolean(text.value.trim()),
    /** Stores a pending draft change now (before leaving). */
    flush: () => store.flush(),
    /** Shows that `name` added a message (`body`) while this reply was being written. */
    warn(name, body, internal) {
      warningText.textContent = internal
        ? `${name} added an internal note while you were writing. Read it before you send:`
        : `${name} replied while you were writing. Read their reply before you send:`;
      warningQuote.textContent = body;
      warning.hidden = false;
    },
  };
}
