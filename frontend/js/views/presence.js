// Staff presence on a ticket: "Lee is viewing", "Lee is replying". This tab tells the server it is
// viewing (replying while the reply box holds text), refreshed every 15 s, and leaves when the
// ticket closes; the other staff's presence comes from the event stream (`presence` events) and
// the answer to each refresh, and fades out when it expires (30 s after their last refresh).

import { API, del, post } from '../api.js';
import { h, replace } from '../dom.js';
import * as session from '../session.js';

const REFRESH_MS = 15000;

/** Returns { el, start(id), setReplying(bool), onEvent(type, data), stop() }. */
export function presencePanel() {
  const el = h('p', { class: 'presence', id: 'presence', attrs: { 'aria-live': 'polite' } });
  const others = new Map(); // user id -> { name, state, expires }
  let ticketId = null;
  let state = 'viewing';
  let timer = null;
  let sweep = null;

  function render() {
    const now = Date.now();
    for (const [id, o] of others) if (o.expires <= now) others.delete(id);
    const items = [...others.values()].sort((a, b) => a.name.localeCompare(b.name));
    replace(el, items.map((o) => h('span', { class: ['presence-item', `presence-${o.state}`], text: `${o.name} is ${o.state}` })));
  }

  function remember(userId, name, st, expiresAt) {
    const me = session.user();
    if (me && userId === me.id) return;
    if (st === 'left' || !expiresAt) others.delete(userId);
    else others.set(userId, { name, state: st, expires: Date.parse(expiresAt) });
  }

  async function send() {
    if (!ticketId) return;
    const id = ticketId;
    try {
      const res = await post(`${API}/tickets/${encodeURIComponent(id)}/presence/`, { state });
      if (id !== ticketId || !res) return;
      const seen = new Set();
      for (const o of res.others || []) {
        remember(o.user_id, o.name, o.state, o.expires_at);
        seen.add(o.user_id);
      }
      for (const key of [...others.keys()]) if (!seen.has(key)) others.delete(key);
      render();
    } catch {
      // Presence is a courtesy: a refused or lost refresh is retried at the next one.
    }
  }

  function schedule() {
    clearInterval(timer);
    timer = setInterval(send, REFRESH_MS);
  }

  return {
    el,
    start(id) {
      if (id === ticketId) return;
      ticketId = id;
      others.clear();
      render();
      send();
      schedule();
      clearInterval(sweep);
      sweep = setInterval(render, 1000);
    },
    setReplying(replying) {
      const next = replying ? 'replying' : 'viewing';
      if (next === state) return;
      state = next;
      send();
      schedule();
    },
    onEvent(type, data) {
      if (type === 'resync') {
        send();
        return;
      }
      if (type !== 'presence' || !ticketId || data.ticket_id !== ticketId || !data.actor) return;
      remember(data.actor.id, data.actor.name, data.state, data.expires_at);
      render();
    },
    stop() {
      clearInterval(timer);
      clearInterval(sweep);
      const id = ticketId;
      ticketId = null;
      if (id) del(`${API}/tickets/${encodeURIComponent(id)}/presence/`).catch(() => {});
    },
  };
}
