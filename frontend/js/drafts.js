// Reply drafts, one per user and ticket, kept in localStorage so they survive a reload or a trip
// to another screen. Only the text and whether it is an internal note are kept (files are not).
// A draft is removed when it is sent or discarded, and every draft of a user when they log out.

import * as session from './session.js';

const PREFIX = 'helpdesk.draft.';

function key(ticketId) {
  const me = session.user();
  return me ? `${PREFIX}${me.id}.${ticketId}` : null;
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled: drafts just do not persist
  }
}

/** The draft of a ticket: { text, internal } or null. */
export function loadDraft(ticketId) {
  const k = key(ticketId);
  const s = storage();
  if (!k || !s) return null;
  try {
    const value = JSON.parse(s.getItem(k) || 'null');
    if (value && typeof value.text === 'string' && value.text.trim()) {
      return { text: value.text, internal: value.internal === true };
    }
  } catch {
    /* a damaged entry is no draft */
  }
  return null;
}

/** Stores the draft of a ticket; blank text removes it. */
export function saveDraft(ticketId, { text, internal = false }) {
  const k = key(ticketId);
  const s = storage();
  if (!k || !s) return;
  try {
    if (text && text.trim()) s.setItem(k, JSON.stringify({ text, internal: Boolean(internal), saved_at: new Date().toISOString() }));
    else s.removeItem(k);
  } catch {
    /* quota exceeded: the text stays in the form */
  }
}

export function clearDraft(ticketId) {
  saveDraft(ticketId, { text: '' });
}

/** Removes every draft of the logged-in user (on logout, so the next person does not see them). */
export function clearAllDrafts() {
  const me = session.user();
  const s = storage();
  if (!me || !s) return;
  const mine = `${PREFIX}${me.id}.`;
  for (let i = s.length - 1; i >= 0; i -= 1) {
    const k = s.key(i);
    if (k && k.startsWith(mine)) s.removeItem(k);
  }
}
