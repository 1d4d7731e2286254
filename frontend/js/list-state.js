// The last ticket list shown: its hash, loaded tickets, next-page link, total, scroll position,
// current row and selection. The list view restores it when the user comes back; the ticket view
// walks it for "previous" and "next".

import { getPage } from './api.js';

let saved = null;

/** state: { hash, title, items, next, total, scrollY, currentId, selected: Set } */
export function saveList(state) {
  saved = state;
}

/** The saved state when it belongs to this hash, else null. */
export function listFor(hash) {
  return saved && saved.hash === hash ? saved : null;
}

export function forgetList() {
  saved = null;
}

function indexOf(id) {
  if (!saved) return -1;
  return saved.items.findIndex((t) => t.id === id || (t.number !== undefined && t.number !== null && String(t.number) === String(id)));
}

/** Where a ticket sits in the saved list: { index, count, title, hash, prev, next, more } or null. */
export function positionOf(id) {
  const i = indexOf(id);
  if (i === -1) return null;
  const items = saved.items;
  return {
    index: i,
    count: saved.total ?? items.length,
    title: saved.title,
    hash: saved.hash,
    prev: items[i - 1] || null,
    next: items[i + 1] || null,
    more: !items[i + 1] && Boolean(saved.next),
  };
}

/** The ticket before (step -1) or after (step 1) id; loads the next page when needed. */
export async function neighbour(id, step) {
  const pos = positionOf(id);
  if (!pos) return null;
  if (step < 0) return pos.prev;
  if (pos.next || !pos.more) return pos.next;
  const state = saved;
  const page = await getPage(state.next);
  if (saved !== state) return null;
  const known = new Set(state.items.map((t) => t.id));
  state.items.push(...page.items.filter((t) => !known.has(t.id)));
  state.next = page.next;
  if (page.total !== null) state.total = page.total;
  const after = positionOf(id);
  return after ? after.next : null;
}

/** Makes a ticket the list's current row (the ticket view on display), so Back lands on it. */
export function markCurrent(id) {
  const i = indexOf(id);
  if (i !== -1) saved.currentId = saved.items[i].id;
}

/** Keeps the saved list in step with a ticket changed elsewhere (list fields only). */
export function updateListItem(ticket) {
  const i = indexOf(ticket.id);
  if (i === -1) return;
  const { messages, attachments, activities, ...fields } = ticket;
  saved.items[i] = { ...saved.items[i], ...fields };
}

/** Removes a deleted ticket from the saved list. */
export function dropListItem(id) {
  const i = indexOf(id);
  if (i === -1) return;
  saved.items.splice(i, 1);
  if (saved.total !== null && saved.total !== undefined) saved.total = Math.max(0, saved.total - 1);
}
