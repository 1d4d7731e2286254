// The profile screen: name and email, the password change, and the API tokens.

import { API, patch, post, setAccessToken } from '../api.js';
import { h } from '../dom.js';
import * as session from '../session.js';
import { busy, clearFormErrors, field, notify, roleBadge, showFormErrors } from '../ui.js';
import { tokensCard } from './tokens.js';

export function mount(main) {
  document.title = 'Profile · Helpdesk';
  const me = session.user();

  const first = field({ label: 'First name', name: 'first_name', value: me.first_name || '', attrs: { autocomplete: 'given-name', maxlength: '150' } });
  const last = field({ label: 'Last name', name: 'last_name', value: me.last_name || '', attrs: { autocomplete: 'family-name', maxlength: '150' } });
  const email = field({ label: 'Email', name: 'email', type: 'email', value: me.email || '', required: true, attrs: { autocomplete: 'email' } });
  const profileForm = h('form', { class: 'form', id: 'profile-form', noValidate: true, attrs: { 'aria-labelledby': 'profile-heading' } },
    h('div', { class: 'field-row' }, first, last), email,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: 'Save profile' })));

  profileForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(profileForm);
    const body = {
      first_name: first.control.value.trim(),
      last_name: last.control.value.trim(),
      email: email.control.value.trim(),
    };
    if (!body.email) {
      showFormErrors(profileForm, { errors: { email: ['Enter your email address.'] } });
      return;
    }
    await busy(profileForm, async () => {
      try {
        const updated = await patch(`${API}/users/profile/`, body);
        session.setUser(updated);
        notify('Profile saved.', 'success');
      } catch (err) {
        showFormErrors(profileForm, err);
      }
    });
  });

  const oldPw = field({ label: 'Current password', name: 'old_password', type: 'password', required: true, attrs: { autocomplete: 'current-password' } });
  const newPw = field({ label: 'New password', name: 'new_password', type: 'password', required: true, hint: 'At least 8 characters, not only digits, not a common password.', attrs: { autocomplete: 'new-password' } });
  const confirmPw = field({ label: 'Confirm new password', name: 'new_password_confirmation', type: 'password', required: true, attrs: { autocomplete: 'new-password' } });
  const pwForm = h('form', { class: 'form', id: 'password-form', noValidate: true, attrs: { 'aria-labelledby': 'password-heading' } },
    oldPw, newPw, confirmPw,
    h('p', { class: 'field-hint', text: 'Changing your password logs you out everywhere else and ends your API tokens.' }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: 'Change password' })));

  pwForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(pwForm);
    const body = {
      old_password: oldPw.control.value,
      new_password: newPw.control.value,
      new_password_confirmation: confirmPw.control.value,
    };
    const errors = {};
    if (!body.old_password) errors.old_password = ['Enter your current password.'];
    if (!body.new_password) errors.new_password = ['Choose a new password.'];
    if (body.new_password && body.new_password !== body.new_password_confirmation) errors.new_password_confirmation = ['The passwords do not match.'];
    if (Object.keys(errors).length) {
      showFormErrors(pwForm, { errors });
      return;
    }
    await busy(pwForm, async () => {
      try {
        const res = await post(`${API}/users/profile/change-password/`, body);
        if (res && res.access) setAccessToken(res.access);
        pwForm.reset();
        notify((res && res.detail) || 'Password changed.', 'success');
      } catch (err) {
        showFormErrors(pwForm, err);
      }
    });
  });

  main.append(h('section', { class: 'page page-narrow' },
    h('h1', { text: 'Your profile' }),
    h('p', { class: 'muted profile-summary' }, `Signed in as ${me.username} `, roleBadge(me.role)),
    h('section', { class: 'card' }, h('h2', { id: 'profile-heading', text: 'Personal details' }), profileForm),
    h('section', { class: 'card' }, h('h2', { id: 'password-heading', text: 'Change password' }), pwForm),
    tokensCard()));
}
