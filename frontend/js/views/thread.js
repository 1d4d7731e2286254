// The conversation of a ticket, oldest first: public messages and (for staff) internal notes.
// The detail holds the latest 50; "Load earlier messages" fetches older ones page by page.

import { displayName, h, icon, replace, timeEl } from '../dom.js';
import * as session from '../session.js';
import { empty } from '../ui.js';
import { attachmentLink } from './attachments.js';
import { earlierItems } from './earlier.js';

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
    h('div', { class: 'message-head' }, author, tags, timeEl(m.created_at, { mode: 'both' })),
    h('p', { class: 'message-text', text: m.message }),
    m.attachments && m.attachments.length
      ? h('ul', { class: 'message-attachments', attrs: { 'aria-label': 'Files attached to this message' } },
        m.attachments.map((a) => h('li', {}, attachmentLink(a),
          h('span', { class: 'attachment-uploader muted', text: ` uploaded by ${displayName(a.uploaded_by)}` }))))
      : null);
}

/** The message list. Returns { el, render(ticket) }. */
export function threadPanel() {
  const heading = h('h2', { id: 'thread-heading', text: 'Conversation' });
  const list = h('ol', { class: 'thread', id: 'thread' });
  const earlier = earlierItems('messages');
  const more = h('button', { type: 'button', class: 'btn btn-ghost btn-small thread-earlier', id: 'load-earlier-messages', text: 'Load earlier messages' });
  const status = h('p', { class: 'muted thread-earlier-status', attrs: { role: 'status' } });
  const el = h('section', { class: 'thread-section', attrs: { 'aria-labelledby': 'thread-heading' } }, heading, more, status, list);
  let current = null;

  function render(ticket) {
    current = ticket;
    const messages = earlier.items(ticket);
    heading.textContent = `Conversation (${ticket.message_count ?? messages.length})`;
    more.hidden = !earlier.hasMore();
    if (!messages.length) {
      replace(list, h('li', { class: 'thread-empty' }, empty('No messages yet.', 'Replies from you and the support team appear here.')));
      return;
    }
    replace(list, messages.map((m) => messageItem(m, ticket)));
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    status.textContent = 'Loading earlier messages…';
    try {
      const before = list.querySelectorAll('.message').length;
      await earlier.load();
      render(current);
      const added = list.querySelectorAll('.message').length - before;
      status.textContent = `${added} earlier ${added === 1 ? 'message' : 'messages'} loaded.`;
    } catch {
      status.textContent = 'Could not load earlier messages; try again.';
    } finally {
      more.disabled = false;
    }
  });
  return { el, render };
}
