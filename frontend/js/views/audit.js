// Admin: the audit log of account administration (role changes, deactivations, reactivations,
// operator password resets, renames, accounts created on the command line, API tokens created
// and revoked), newest first, with an action filter and "Load more" paging.

import { API, getPage, query } from '../api.js';
import { h, timeEl } from '../dom.js';
import { href, navigate } from '../router.js';
import { pagedList } from '../ui.js';

const PAGE_SIZE = 50;

/** The actions of the audit log, by wire name. */
export const AUDIT_ACTIONS = {
  'user.created': 'Account created',
  'user.renamed': 'Renamed',
  'user.role_changed': 'Role changed',
  'user.deactivated': 'Deactivated',
  'user.reactivated': 'Reactivated',
  'user.password_reset': 'Password reset',
  'token.created': 'API token created',
  'token.revoked': 'API token revoked',
  'webhook.created': 'Webhook created',
  'webhook.deleted': 'Webhook deleted',
  'webhook.secret_rotated': 'Webhook secret rotated',
};

function entryRow(e) {
  const actor = e.actor === 'cli' && !e.actor_id ? 'the command line (cli)' : e.actor;
  return h('li', { class: 'audit-row', dataset: { id: e.id, action: e.action } },
    h('div', { class: 'audit-what' },
      h('span', { class: 'badge audit-action', text: AUDIT_ACTIONS[e.action] || e.action }),
      ' ',
      h('span', { class: 'audit-target', text: e.target }),
      e.details ? h('span', { class: 'audit-details muted', text: ` · ${e.details}` }) : null),
    h('div', { class: 'audit-who muted' },
      'by ', h('span', { class: 'audit-actor', text: actor }),
      e.address ? ` from ${e.address}` : '',
      ' · ', timeEl(e.at)));
}

export function mount(main, loc) {
  document.title = 'Audit log · Helpdesk';
  const actionFilter = h('select', { id: 'audit-action', name: 'action' },
    h('option', { value: '', text: 'All actions' }),
    Object.entries(AUDIT_ACTIONS).map(([v, text]) => h('option', { value: v, text })));
  const summary = h('p', { class: 'list-summary', id: 'audit-summary', attrs: { 'aria-live': 'polite' } });
  const status = h('div', { class: 'list-status' });
  const list = h('ul', { class: 'audit-list', id: 'audit-list', attrs: { 'aria-label': 'Audit log' } });
  const more = h('button', { type: 'button', class: 'btn', id: 'audit-more', hidden: true, text: 'Load more' });
  main.append(h('section', { class: 'page' },
    h('div', { class: 'page-header' }, h('h1', { text: 'Audit log' })),
    h('p', { class: 'muted', text: 'Changes to accounts, newest first. Entries cannot be edited or removed.' }),
    h('div', { class: 'filters card filters-inline', attrs: { role: 'search', 'aria-label': 'Filter the audit log' } },
      h('div', { class: 'filter-sort' }, h('label', { htmlFor: 'audit-action', text: 'Action' }), actionFilter)),
    summary, status, list, h('div', { class: 'list-more' }, more)));

  const { load, stop } = pagedList({
    getPage, list, status, summary, more, row: entryRow, noun: 'entries',
    loadingText: 'Loading the audit log…', failureText: 'The audit log could not be loaded.', emptyText: 'No entries match.',
  });

  function fromLoc(l) {
    const action = l.params.get('action') || '';
    actionFilter.value = AUDIT_ACTIONS[action] ? action : '';
    load(`${API}/audit/${query({ action: actionFilter.value, limit: PAGE_SIZE })}`);
  }
  actionFilter.addEventListener('change', () => navigate(href('/admin/audit', { action: actionFilter.value })));
  fromLoc(loc);
  return { update: fromLoc, unmount() { stop(); } };
}
