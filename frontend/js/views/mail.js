// Admin: the mails the server gave up (a permanent SMTP refusal such as an unknown mailbox, or a
// day of temporary failures), newest first, each with the reason the SMTP server gave.

import { API, get } from '../api.js';
import { h, timeEl } from '../dom.js';

/** The kinds of mail, by stored name. */
export const MAIL_KINDS = {
  new_ticket: 'New ticket',
  public_reply: 'Reply',
  assigned: 'Assignment',
  resolved: 'Resolved',
  closed: 'Closed',
  password_reset: 'Password reset',
};

function failureRow(f) {
  return h('li', { class: 'audit-row mail-failure', dataset: { id: f.id, kind: f.kind } },
    h('div', { class: 'audit-what' },
      h('span', { class: 'badge', text: MAIL_KINDS[f.kind] || f.kind }),
      ' to ',
      h('span', { class: 'mail-to', text: f.to }),
      f.ticket_number ? h('a', { href: `#/tickets/${f.ticket_number}`, text: ` #${f.ticket_number}` }) : null),
    h('div', { class: 'mail-reason', text: f.reason }),
    h('div', { class: 'audit-who muted' },
      `${f.attempts} attempt${f.attempts === 1 ? '' : 's'} · given up `, timeEl(f.failed_at)));
}

export function mount(main) {
  document.title = 'Mail failures · Helpdesk';
  const status = h('div', { class: 'list-status', attrs: { 'aria-live': 'polite' } }, 'Loading the mail failures…');
  const list = h('ul', { class: 'audit-list', id: 'mail-failures', attrs: { 'aria-label': 'Mails given up' } });
  main.append(h('section', { class: 'page' },
    h('div', { class: 'page-header' }, h('h1', { text: 'Mail failures' })),
    h('p', { class: 'muted', text: 'Mails the SMTP server refused for good, or that could not be delivered for a day, newest first (at most 200).' }),
    status, list));
  let stopped = false;
  get(`${API}/mail/failures/`).then((items) => {
    if (stopped) return;
    status.textContent = items.length ? `${items.length} mail${items.length === 1 ? '' : 's'} given up.` : 'No mail was given up.';
    list.append(...items.map(failureRow));
  }).catch((err) => {
    if (stopped) return;
    status.textContent = `The mail failures could not be loaded: ${(err && (err.userMessage || err.message)) || 'error'}`;
  });
  return { unmount() { stopped = true; } };
}
