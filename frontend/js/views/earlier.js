// The older items of a ticket's messages, attachments or activity log: the ticket detail embeds
// only the latest 50 of each and names the URL of the rest (`<list>_next`, newest first); these
// are loaded a page at a time on demand and merged with what the detail embeds.

import { getPage } from '../api.js';

/**
 * The loader of one list of the detail (`messages`, `attachments` or `activities`).
 * `items(ticket)` gives what to show, oldest first (`newestFirst`: newest first); `hasMore()`
 * whether older items remain; `load()` fetches the next page of them; `forget(id)` drops one.
 */
export function earlierItems(list, { newestFirst = false } = {}) {
  let ticketId = null;
  let loaded = []; // oldest first
  let next = null;
  let started = false;

  function items(ticket) {
    if (ticket.id !== ticketId) {
      ticketId = ticket.id;
      loaded = [];
      next = null;
      started = false;
    }
    // Until something was loaded, the detail says where the older items start; afterwards the
    // pages' own Link headers do (a new message moves the detail's window, not ours).
    if (!started) next = ticket[`${list}_next`] || null;
    const embedded = ticket[list] || [];
    const oldestFirst = newestFirst ? embedded.slice().reverse() : embedded;
    const shown = new Set(embedded.map((x) => x.id));
    const all = [...loaded.filter((x) => !shown.has(x.id)), ...oldestFirst];
    // Once older items are shown, keep everything shown: a new item moves the detail's window
    // of 50 past items that would otherwise fall between the two.
    if (started) loaded = all;
    return newestFirst ? all.slice().reverse() : all;
  }

  async function load() {
    if (!next) return;
    const page = await getPage(next);
    started = true;
    next = page.next;
    loaded = [...page.items.slice().reverse(), ...loaded];
  }

  /** Drops a loaded item that no longer exists (a deleted attachment). */
  function forget(id) {
    loaded = loaded.filter((x) => x.id !== id);
  }

  return { items, load, forget, hasMore: () => Boolean(next) };
}
