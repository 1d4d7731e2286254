// Login and registration screens.

import { afterLogin } from '../navigation.js';
import { API, post } from '../api.js';
import { h } from '../dom.js';
import { navigate } from '../router.js';
import * as session from '../session.js';
import { busy, clearFormErrors, field, notify, showFormErrors } from '../ui.js';

function authCard(title, intro, form, ...footer) {
  return h('section', { class: 'auth-card card' },
    h('h1', { text: title }),
    intro ? h('p', { class: 'muted', text: intro }) : null,
    form,
    ...footer);
}

export const login = {
  mount(main) {
    document.title = 'Log in · Helpdesk';
    const identifier = field({ label: 'Email or username', name: 'identifier', required: true, attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' } });
    const password = field({ label: 'Password', name: 'password', type: 'password', required: true, attrs: { autocomplete: 'current-password' } });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Log in' });
    const form = h('form', { class: 'form', id: 'login-form', noValidate: true, attrs: { 'aria-label': 'Log in' } },
      identifier, password, submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFormErrors(form);
      const id = identifier.control.value.trim();
      const pw = password.control.value;
      if (!id || !pw) {
        const errors = {};
        if (!id) errors.identifier = ['Enter your email or username.'];
        if (!pw) errors.password = ['Enter your password.'];
        showFormErrors(form, { errors, userMessage: 'Please fill in both fields.' });
        return;
      }
      await busy(form, async () => {
        try {
          const user = await session.login(id, pw);
          notify(`Welcome back, ${user.first_name || user.username}!`, 'success');
          afterLogin();
        } catch (err) {
          // The server answers username/email errors; both map onto the single field.
          showFormErrors(form, err, { fieldMap: { username: 'identifier', email: 'identifier' } });
          password.control.value = '';
        }
      });
    });
    main.append(authCard('Log in', 'Welcome to the helpdesk. Log in to see and open your support tickets.', form,
      h('p', { class: 'auth-switch' }, h('a', { href: '#/forgot-password', id: 'forgot-password-link', text: 'Forgot password?' })),
      h('p', { class: 'auth-switch' }, 'No account yet? ', h('a', { href: '#/register', text: 'Create one' }))));
    identifier.control.focus();
  },
};

export const register = {
  mount(main) {
    document.title = 'Register · Helpdesk';
    const first = field({ label: 'First name', name: 'first_name', attrs: { autocomplete: 'given-name', maxlength: '150' } });
    const last = field({ label: 'Last name', name: 'last_name', attrs: { autocomplete: 'family-name', maxlength: '150' } });
    const email = field({ label: 'Email', name: 'email', type: 'email', required: true, attrs: { autocomplete: 'email' } });
    const username = field({ label: 'Username (optional)', name: 'username', hint: 'Derived from your email when left empty.', attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' } });
    const password = field({ label: 'Password', name: 'password', type: 'password', required: true, hint: 'At least 8 characters, not only digits, not a common password.', attrs: { autocomplete: 'new-password' } });
    const confirm = field({ label: 'Confirm password', name: 'password_confirmation', type: 'password', required: true, attrs: { autocomplete: 'new-password' } });
    const form = h('form', { class: 'form', id: 'register-form', noValidate: true, attrs: { 'aria-label': 'Register' } },
      h('div', { class: 'field-row' }, first, last), email, username, password, confirm,
      h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Create account' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFormErrors(form);
      const body = {
        email: email.control.value.trim(),
        password: password.control.value,
        password_confirmation: confirm.control.value,
        first_name: first.control.value.trim(),
        last_name: last.control.value.trim(),
      };
      const uname = username.control.value.trim();
      if (uname) body.username = uname;
      const errors = {};
      if (!body.email) errors.email = ['Enter your email address.'];
      if (!body.password) errors.password = ['Choose a password.'];
      if (body.password && body.password !== body.password_confirmation) errors.password_confirmation = ['The passwords do not match.'];
      if (Object.keys(errors).length) {
        showFormErrors(form, { errors });
        return;
      }
      await busy(form, async () => {
        try {
          const user = await session.register(body);
          notify(`Welcome, ${user.first_name || user.username}! Your account is ready.`, 'success');
          afterLogin();
        } catch (err) {
          showFormErrors(form, err);
        }
      });
    });
    main.append(authCard('Create an account', 'Register to open tickets and talk to our support team.', form,
      h('p', { class: 'auth-switch' }, 'Already registered? ', h('a', { href: '#/login', text: 'Log in' }))));
    first.control.focus();
  },
};

/** Asks for a password reset link by mail; the answer is the same whether or not the address has an account. */
export const forgotPassword = {
  mount(main) {
    document.title = 'Forgot password · Helpdesk';
    const email = field({ label: 'Email', name: 'email', type: 'email', required: true, attrs: { autocomplete: 'email' } });
    const done = h('p', { class: 'notice-inline', id: 'forgot-password-done', attrs: { role: 'status' }, hidden: true });
    const form = h('form', { class: 'form', id: 'forgot-password-form', noValidate: true, attrs: { 'aria-label': 'Reset your password' } },
      email, h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Send me a link' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFormErrors(form);
      const address = email.control.value.trim();
      if (!address) {
        showFormErrors(form, { errors: { email: ['Enter your email address.'] } });
        return;
      }
      await busy(form, async () => {
        try {
          const res = await post(`${API}/users/auth/password-reset/`, { email: address });
          done.textContent = (res && res.detail) || 'If this address belongs to an account, a link is on its way.';
          done.hidden = false;
          form.reset();
        } catch (err) {
          showFormErrors(form, err);
        }
      });
    });
    main.append(authCard('Forgot your password?', 'Enter the email address of your account: we send you a link to choose a new password.', form,
      done,
      h('p', { class: 'auth-switch' }, h('a', { href: '#/login', text: 'Back to log in' }))));
    email.control.focus();
  },
};

/** Sets a new password with the token of a reset link (#/reset-password?token=…). */
export const resetPassword = {
  mount(main, loc) {
    document.title = 'Choose a new password · Helpdesk';
    const token = (loc && loc.params.get('token')) || '';
    const password = field({ label: 'New password', name: 'new_password', type: 'password', required: true, hint: 'At least 8 characters, not only digits, not a common password.', attrs: { autocomplete: 'new-password' } });
    const confirm = field({ label: 'Confirm new password', name: 'new_password_confirmation', type: 'password', required: true, attrs: { autocomplete: 'new-password' } });
    const form = h('form', { class: 'form', id: 'reset-password-form', noValidate: true, attrs: { 'aria-label': 'Choose a new password' } },
      password, confirm, h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Set new password' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFormErrors(form);
      const errors = {};
      if (!password.control.value) errors.new_password = ['Choose a new password.'];
      else if (password.control.value !== confirm.control.value) errors.new_password_confirmation = ['The passwords do not match.'];
      if (!token) errors.new_password = ['This link has no token: use the link from the mail, or ask for a new one.'];
      if (Object.keys(errors).length) {
        showFormErrors(form, { errors });
        return;
      }
      await busy(form, async () => {
        try {
          const res = await post(`${API}/users/auth/password-reset/confirm/`, { token, new_password: password.control.value });
          notify((res && res.detail) || 'Password set. Log in with your new password.', 'success');
          navigate('#/login', { replace: true, force: true });
        } catch (err) {
          // A bad token is no field of this form: show it above the fields.
          showFormErrors(form, err, { fieldMap: { token: 'new_password' } });
        }
      });
    });
    main.append(authCard('Choose a new password', 'Every session of your account is signed out once the new password is set.', form,
      h('p', { class: 'auth-switch' }, h('a', { href: '#/forgot-password', text: 'Ask for a new link' }))));
    password.control.focus();
  },
};
