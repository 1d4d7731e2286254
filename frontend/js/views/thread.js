// The conversation of a ticket, oldest first: public messages and (for staff) internal notes.

import { displayName, h, icon, replace, timeEl } from '../dom.js';
import * as session from '../session.js';
import { empty } from '../ui.js';
import { attachmentLink } from './attachments.js';

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
