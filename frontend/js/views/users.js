// Admin: the user list (search, role and status filters, "Load more" paging) with role changes
// and activation, and the "New user" dialog (a role and a temporary password).

import { API, getPage, patch, post, query } from '../api.js';
import { debounce, displayName, h, timeEl } from '../dom.js';
import { href, navigate } from '../router.js';
import * as session from '../session.js';
import {
  ROLE_LABELS, busy, clearFormErrors, confirmDialog, field, notify, notifyError, openDialog, pagedList, roleBadge, showFormErrors,
} from '../ui.js';

const PAGE_SIZE = 50;

function userRow(u) {
  const me = session.user();
  const self = me && me.id === u.id;
  const roleId = `role-${u.id}`;
  const roleSelect = h('select', { id: roleId, name: 'role', disabled: self },
    Object.entries(ROLE_LABELS).map(([v, text]) => h('option', { value: v, text, selected: v === u.role })));
  const applyRole = h('button', { type: 'button', class: 'btn btn-small', text: 'Change role', disabled: true });
  const toggle = h('button', {
    type: 'button',
    class: ['btn', 'btn-small', u.is_active === false ? '' : 'btn-danger-text'],
    text: u.is_active === false ? 'Activate' : 'Deactivate',
    disabled: self,
    attrs: { 'aria-label': `${u.is_active === false ? 'Activate' : 'Deactivate'} ${u.username}` },
  });
  const row = h('li', { class: ['user-row', u.is_active === false ? 'user-inactive' : ''], dataset: { id: u.id, username: u.username } },
    h('div', { class: 'user-info' },
      h('span', { class: 'user-name', text: displayName(u) }),
      h('span', { class: 'user-handle muted', text: `@${u.username} · ${u.email}` }),
      h('span', { class: 'user-badges' }, roleBadge(u.role),
        h('span', { class: ['badge', u.is_active === false ? 'badge-inactive' : 'badge-active'], text: u.is_active === false ? 'Inactive' : 'Active' }),
        self ? h('span', { class: 'tag', text: 'You' }) : null,
        u.must_change_password ? h('span', { class: 'tag', text: 'Temporary password' }) : null,
        u.date_joined ? h('span', { class: 'muted' }, 'joined ', timeEl(u.date_joined)) : null)),
    h('div', { class: 'user-actions' },
      h('label', { htmlFor: roleId, class: 'sr-only', text: `Role of ${u.username}` }), roleSelect, applyRole, toggle));

  const save = async (changes, message) => {
    try {
      const updated = await patch(`${API}/users/${encodeURIComponent(u.id)}/`, changes);
      notify(message, 'success');
      const fresh = userRow(updated && updated.id ? updated : { ...u, ...changes });
      row.replaceWith(fresh);
      fresh.querySelector('button:not([disabled])')?.focus();
    } catch (err) {
      notifyError(err, `Updating ${u.username}`);
    }
  };
  roleSelect.addEventListener('change', () => { applyRole.disabled = roleSelect.value === u.role; });
  applyRole.addEventListener('click', () => save({ role: roleSelect.value }, `${u.username} is now ${ROLE_LABELS[roleSelect.value]}.`));
  toggle.addEventListener('click', async () => {
    if (u.is_active !== false) {
      const ok = await confirmDialog({ title: `Deactivate ${u.username}?`, message: 'They will be logged out and cannot log in until reactivated.', confirmLabel: 'Deactivate', danger: true });
      if (!ok) return;
      await save({ is_active: false }, `${u.username} was deactivated.`);
    } else {
      await save({ is_active: true }, `${u.username} was activated.`);
    }
  });
  return row;
}

/** The "New user" dialog; onCreated(user) runs once the server created the account. */
function openNewUserDialog({ onCreated }) {
  const username = field({ label: 'Username', name: 'username', required: true, hint: 'Letters, digits and . + - _ (no @).', attrs: { autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', maxlength: '150' } });
  const email = field({ label: 'Email', name: 'email', type: 'email', required: true, attrs: { autocomplete: 'off' } });
  const first = field({ label: 'First name', name: 'first_name', attrs: { autocomplete: 'off', maxlength: '150' } });
  const last = field({ label: 'Last name', name: 'last_name', attrs: { autocomplete: 'off', maxlength: '150' } });
  const role = field({ label: 'Role', name: 'role', kind: 'select', value: 'agent', options: Object.entries(ROLE_LABELS) });
  const password = field({ label: 'Temporary password', name: 'password', required: true, hint: 'Give it to the user; they choose their own when they first log in. At least 8 characters, not only digits, not a common password.', attrs: { autocomplete: 'new-password' } });
  const temporary = h('input', { type: 'checkbox', id: 'new-user-temporary', name: 'temporary', checked: true });
  const formId = 'new-user-form';
  const form = h('form', { class: 'form', id: formId, noValidate: true },
    h('div', { class: 'field-row' }, first, last), username, email, role, password,
    h('div', { class: 'field field-check' }, temporary,
      h('label', { htmlFor: 'new-user-temporary', text: 'Must be changed at the first login' })));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'new-user-submit', text: 'Create user' });
  const cancel = h('button', { type: 'button', class: 'btn', text: 'Cancel' });
  submit.setAttribute('form', formId);
  const d = openDialog({ title: 'New user', className: 'dialog-new-user', content: [form], footer: [cancel, submit], initialFocus: first.control });
  d.dialog.id = 'new-user-dialog';
  cancel.addEventListener('click', () => d.cancel());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const body = {
      username: username.control.value.trim(),
      email: email.control.value.trim(),
      first_name: first.control.value.trim(),
      last_name: last.control.value.trim(),
      role: role.control.value,
      password: password.control.value,
      temporary: temporary.checked,
    };
    const errors = {};
    if (!body.username) errors.username = ['Enter a username.'];
    if (!body.email) errors.email = ['Enter an email address.'];
    if (!body.password) errors.password = ['Enter a temporary password.'];
    if (Object.keys(errors).length) {
      showFormErrors(form, { errors });
      return;
    }
    await busy(form, async () => {
      try {
        const created = await post(`${API}/users/`, body);
        d.close('done');
        notify(`${created.username} was created as ${ROLE_LABELS[created.role] || created.role}.`, 'success');
        onCreated(created);
      } catch (err) {
        showFormErrors(form, err);
      }
    });
  });
  return d;
}

export function mount(main, loc) {
  document.title = 'Users · Helpdesk';
  const roleFilter = h('select', { id: 'users-role', name: 'role' },
    h('option', { value: '', text: 'All roles' }),
    Object.entries(ROLE_LABELS).map(([v, text]) => h('option', { value: v, text })));
  const activeFilter = h('select', { id: 'users-active', name: 'is_active' },
    h('option', { value: '', text: 'Active and inactive' }),
    h('option', { value: 'true', text: 'Active only' }),
    h('option', { value: 'false', text: 'Inactive only' }));
  const search = h('input', { type: 'search', id: 'users-q', name: 'q', attrs: { autocomplete: 'off', placeholder: 'Name, username or email' } });
  const summary = h('p', { class: 'list-summary', id: 'users-summary', attrs: { 'aria-live': 'polite' } });
  const status = h('div', { class: 'list-status' });
  const list = h('ul', { class: 'user-list', id: 'user-list', attrs: { 'aria-label': 'Users' } });
  const more = h('button', { type: 'button', class: 'btn', id: 'users-more', hidden: true, text: 'Load more' });
  const newUser = h('button', { type: 'button', class: 'btn btn-primary', id: 'new-user', text: 'New user' });
  main.append(h('section', { class: 'page' },
    h('div', { class: 'page-header' }, h('h1', { text: 'Users' }), newUser),
    h('div', { class: 'filters card filters-inline', attrs: { role: 'search', 'aria-label': 'Filter users' } },
      h('div', { class: 'filter-search' }, h('label', { htmlFor: 'users-q', text: 'Search users' }), search),
      h('div', { class: 'filter-sort' }, h('label', { htmlFor: 'users-role', text: 'Role' }), roleFilter),
      h('div', { class: 'filter-sort' }, h('label', { htmlFor: 'users-active', text: 'Account status' }), activeFilter)),
    summary, status, list, h('div', { class: 'list-more' }, more)));

  const { load, stop } = pagedList({
    getPage, list, status, summary, more, row: userRow, noun: 'users',
    loadingText: 'Loading users…', failureText: 'The users could not be loaded.', emptyText: 'No users match.',
  });

  function fromLoc(l) {
    const role = l.params.get('role') || '';
    const active = l.params.get('is_active') || '';
    const q = (l.params.get('q') || '').trim();
    roleFilter.value = ROLE_LABELS[role] ? role : '';
    activeFilter.value = ['true', 'false'].includes(active) ? active : '';
    if (document.activeElement !== search) search.value = q;
    load(`${API}/users/${query({ q, role: roleFilter.value, is_active: activeFilter.value, limit: PAGE_SIZE })}`);
  }
  const filters = () => ({ q: search.value.trim(), role: roleFilter.value, is_active: activeFilter.value });
  const applyFilters = () => navigate(href('/admin/users', filters()));
  const typed = debounce(() => navigate(href('/admin/users', filters()), { replace: true }), 400);
  search.addEventListener('input', typed);
  // A new account is shown at once: the list is searched for it.
  newUser.addEventListener('click', () => openNewUserDialog({
    onCreated: (u) => navigate(href('/admin/users', { q: u.username, role: '', is_active: '' }), { force: true }),
  }));
  roleFilter.addEventListener('change', applyFilters);
  activeFilter.addEventListener('change', applyFilters);
  fromLoc(loc);
  return { update: fromLoc, unmount() { stop(); typed.cancel(); } };
}
