// The activity log of a ticket, newest first, as sentences with display names ("Alex Rivera
// changed status from Open to In progress"), built from each entry's structured change (`field`,
// `from`, `to`); entries logged before those were kept fall back on their `details` sentence.
// Consecutive messages of one person fold into one entry ("Casey Jones added 3 messages").

import { displayName, exactTime, h, replace, timeEl } from '../dom.js';
import { PRIORITY_LABELS, STATUS_LABELS } from '../ui.js';
import { earlierItems } from './earlier.js';

const FOLDED = new Set(['message_added', 'internal_note_added']);
const EDITS = {
  'Topic updated': 'edited the topic',
  'Description updated': 'edited the description',
  'Topic and description updated': 'edited the topic and description',
};

const label = (labels, raw) => labels[raw] || raw;
/** What to call a change's value: our label of a status or priority, else the server's display. */
const shown = (labels, v) => (v ? label(labels, v.value) || v.display : '');
const person = (v) => (v ? v.display || v.value : '');

/** The sentence of a structured change (after the actor's name), or null when there is none. */
function fromChange(a) {
  const { field, from, to } = a;
  switch (field) {
    case 'status':
      return `changed status from ${shown(STATUS_LABELS, from)} to ${shown(STATUS_LABELS, to)}`;
    case 'priority':
      return `changed priority from ${shown(PRIORITY_LABELS, from)} to ${shown(PRIORITY_LABELS, to)}`;
    case 'assigned_to':
      if (!to) return 'unassigned the ticket';
      return from ? `reassigned the ticket from ${person(from)} to ${person(to)}` : `assigned the ticket to ${person(to)}`;
    case 'requester':
      return `opened the ticket for ${person(to)}`;
    default:
      return null;
  }
}

/**
 * What an entry says after the actor's name. Structured changes first; else the fixed English
 * sentence of `details` ("Status changed from open to in_progress", "Ticket assigned to
 * <username>"), where nameOf(username) turns a username into a display name.
 */
export function describe(a, nameOf = (u) => u) {
  const structured = fromChange(a);
  if (structured) return structured;
  const d = a.details || '';
  let m;
  switch (a.action) {
    case 'created':
      return 'opened the ticket';
    case 'updated':
      return EDITS[d] || 'edited the ticket';
    case 'status_changed':
    case 'resolved':
    case 'reopened':
    case 'closed':
      m = /^Status changed from (\w+) to (\w+)$/.exec(d);
      if (m) return `changed status from ${label(STATUS_LABELS, m[1])} to ${label(STATUS_LABELS, m[2])}`;
      return { resolved: 'resolved the ticket', reopened: 'reopened the ticket', closed: 'closed the ticket' }[a.action] || 'changed the status';
    case 'priority_changed':
      m = /^Priority changed from (\w+) to (\w+)$/.exec(d);
      return m ? `changed priority from ${label(PRIORITY_LABELS, m[1])} to ${label(PRIORITY_LABELS, m[2])}` : 'changed the priority';
    case 'assigned_to_changed':
      if (d === 'Ticket unassigned') return 'unassigned the ticket';
      m = /^Ticket assigned to (.+)$/.exec(d);
      return m ? `assigned the ticket to ${nameOf(m[1])}` : 'changed the assignee';
    case 'message_added':
      return 'added a message';
    case 'internal_note_added':
      return 'added an internal note';
    case 'attachment_added':
      m = /^Attachment "(.*)" added$/.exec(d);
      return m ? `attached “${m[1]}”` : 'attached a file';
    case 'attachment_removed':
      m = /^Attachment "(.*)" removed$/.exec(d);
      return m ? `removed “${m[1]}”` : 'removed a file';
    case 'deleted':
      return 'deleted the ticket';
    default:
      return d || a.action_display || a.action;
  }
}

/** Entries with consecutive messages of one person (same kind) folded: [{ first, last, count }]. */
export function fold(items) {
  const out = [];
  for (const a of items) {
    const prev = out[out.length - 1];
    const same = prev && FOLDED.has(a.action) && prev.first.action === a.action
      && prev.first.performed_by && a.performed_by && prev.first.performed_by.id === a.performed_by.id;
    if (same) {
      prev.last = a;
      prev.count += 1;
    } else {
      out.push({ first: a, last: a, count: 1 });
    }
  }
  return out;
}

function foldedText(group, nameOf) {
  const { first, count } = group;
  if (count === 1) return describe(first, nameOf);
  return first.action === 'message_added' ? `added ${count} messages` : `added ${count} internal notes`;
}

/** The panel. Returns { el, render(ticket, people) } where people are extra known users. */
export function activityPanel() {
  const list = h('ol', { class: 'activity-list', id: 'activity-list' });
  const earlier = earlierItems('activities', { newestFirst: true });
  const more = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'load-earlier-activity', text: 'Show earlier activity' });
  const el = h('section', { class: 'card activity', attrs: { 'aria-labelledby': 'activity-heading' } },
    h('h2', { id: 'activity-heading', text: 'Activity' }), list, more);
  let last = null;

  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await earlier.load();
      render(...last);
    } catch {
      more.textContent = 'Could not load; try again';
    } finally {
      more.disabled = false;
    }
  });

  function render(ticket, people = []) {
    last = [ticket, people];
    const items = earlier.items(ticket);
    more.hidden = !earlier.hasMore();
    if (!items.length) {
      replace(list, h('li', { class: 'muted', text: 'No activity yet.' }));
      return;
    }
    const names = new Map();
    const know = (u) => { if (u && u.username) names.set(u.username, displayName(u)); };
    people.forEach(know);
    know(ticket.user);
    know(ticket.assigned_to);
    (ticket.messages || []).forEach((m) => know(m.user));
    items.forEach((a) => know(a.performed_by));
    const nameOf = (username) => names.get(username) || username;
    replace(list, fold(items).map((g) => h('li', { class: ['activity-item', `action-${g.first.action}`], dataset: { count: g.count } },
      h('p', { class: 'activity-text' },
        h('span', { class: 'activity-actor', text: displayName(g.first.performed_by) }), ' ', foldedText(g, nameOf)),
      h('p', { class: 'activity-meta muted' }, timeEl(g.first.created_at, { mode: 'both' }),
        g.count > 1 ? ` · first at ${exactTime(g.last.created_at)}` : null))));
  }
  return { el, render };
}
