// The profile screen (name and email, the password change, and the API tokens), and the screen a
// user with a temporary password is kept on until they choose their own.

import { API, get, patch, post, setAccessToken } from '../api.js';
import { h } from '../dom.js';
import { afterLogin } from '../navigation.js';
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

  const pwForm = passwordForm({ onChanged: () => {} });

  main.append(h('section', { class: 'page page-narrow' },
    h('h1', { text: 'Your profile' }),
    h('p', { class: 'muted profile-summary' }, `Signed in as ${me.username} `, roleBadge(me.role)),
    h('section', { class: 'card' }, h('h2', { id: 'profile-heading', text: 'Personal details' }), profileForm),
    h('section', { class: 'card' }, h('h2', { id: 'password-heading', text: 'Change password' }), pwForm),
    notificationsCard(me),
    tokensCard()));
}

/** The notification mails the user wants: one checkbox per kind, saved on change. */
function notificationsCard(me) {
  const staff = me.role === 'agent' || me.role === 'admin';
  const kinds = [
    staff ? ['new_ticket', 'A new ticket is opened (while nobody is assigned)'] : null,
    ['public_reply', staff ? 'A customer replies on a ticket assigned to me' : 'Support replies on my tickets'],
    staff ? ['assigned', 'A ticket is assigned to me'] : null,
    ['status', 'My ticket is resolved or closed'],
  ].filter(Boolean);
  const note = h('p', { class: 'field-hint', id: 'notifications-note' });
  const boxes = kinds.map(([name, label]) => {
    const box = h('input', { type: 'checkbox', name, id: `notify-${name}`, disabled: true });
    box.addEventListener('change', async () => {
      box.disabled = true;
      try {
        await patch(`${API}/users/profile/notifications/`, { [name]: box.checked });
        notify('Notification settings saved.', 'success');
      } catch (err) {
        box.checked = !box.checked;
        notify((err && (err.userMessage || err.message)) || 'Could not save.', 'error');
      } finally {
        box.disabled = false;
      }
    });
    return { name, box, row: h('div', { class: 'checkbox-field' }, box, ' ', h('label', { htmlFor: `notify-${name}`, text: label })) };
  });
  get(`${API}/users/profile/notifications/`).then((prefs) => {
    for (const { name, box } of boxes) {
      box.checked = Boolean(prefs[name]);
      box.disabled = false;
    }
    note.textContent = prefs.mail_enabled
      ? 'Mails are sent to your profile email address. Password reset mails are always sent.'
      : 'This server sends no mail at the moment; your choices apply once it does.';
  }).catch(() => {
    note.textContent = 'Your notification settings could not be loaded.';
  });
  return h('section', { class: 'card', id: 'notifications-card' },
    h('h2', { id: 'notifications-heading', text: 'Email notifications' }),
    h('fieldset', { class: 'form', attrs: { 'aria-labelledby': 'notifications-heading' } }, boxes.map((b) => b.row)),
    note);
}

/**
 * The password change form: current, new and confirmed password. onChanged(res) runs after the
 * server accepted it (the fresh access token is already in use).
 */
function passwordForm({ onChanged, currentLabel = 'Current password', submitLabel = 'Change password', note = 'Changing your password logs you out everywhere else and ends your API tokens.' }) {
  const oldPw = field({ label: currentLabel, name: 'old_password', type: 'password', required: true, attrs: { autocomplete: 'current-password' } });
  const newPw = field({ label: 'New password', name: 'new_password', type: 'password', required: true, hint: 'At least 8 characters, not only digits, not a common password.', attrs: { autocomplete: 'new-password' } });
  const confirmPw = field({ label: 'Confirm new password', name: 'new_password_confirmation', type: 'password', required: true, attrs: { autocomplete: 'new-password' } });
  const pwForm = h('form', { class: 'form', id: 'password-form', noValidate: true, attrs: { 'aria-labelledby': 'password-heading' } },
    oldPw, newPw, confirmPw,
    h('p', { class: 'field-hint', text: note }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: submitLabel })));

  pwForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(pwForm);
    const body = {
      old_password: oldPw.control.value,
      new_password: newPw.control.value,
      new_password_confirmation: confirmPw.control.value,
    };
    const errors = {};
    if (!body.old_password) errors.old_password = [`Enter your ${currentLabel.toLowerCase()}.`];
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
        onChanged(res);
      } catch (err) {
        showFormErrors(pwForm, err);
      }
    });
  });
  return pwForm;
}

/** The screen of a user whose password is a temporary one: nothing else works until it is changed. */
export const changePassword = {
  mount(main) {
    document.title = 'Choose your password · Helpdesk';
    const me = session.user();
    const form = passwordForm({
      currentLabel: 'Temporary password',
      submitLabel: 'Set my password',
      note: 'You will stay signed in here; other sessions are signed out.',
      onChanged: () => {
        session.setUser({ ...session.user(), must_change_password: false });
        afterLogin();
      },
    });
    main.append(h('section', { class: 'page page-narrow' },
      h('h1', { text: 'Choose your own password' }),
      h('p', { class: 'muted', id: 'password-required-note' },
        `Welcome, ${me.display_name || me.username}. Your account was set up with a temporary password: choose your own before you continue.`),
      h('section', { class: 'card' }, h('h2', { id: 'password-heading', text: 'Your own password' }), form)));
    form.querySelector('input').focus();
  },
};
