// The "API tokens" card of the profile: the caller's personal access tokens (list, create with a
// name, a scope and an expiry, revoke behind a confirmation). A new token's secret is shown once,
// in a dialog with a copy button; the server keeps only its hash.

import { API, del, get, post } from '../api.js';
import { h, replace, timeEl } from '../dom.js';
import {
  busy, clearFormErrors, confirmDialog, empty, failure, field, loading, notify, notifyError, openDialog, showFormErrors,
} from '../ui.js';

const TOKENS = `${API}/users/profile/tokens/`;
const MAX_TOKENS = 50;

const SCOPES = [
  ['read', 'Read only (GET requests)'],
  ['write', 'Read and write (everything your role allows)'],
];
const SCOPE_LABELS = { read: 'Read only', write: 'Read and write' };
const EXPIRIES = [['30', '30 days'], ['90', '90 days'], ['365', '1 year'], ['', 'Never']];

/** Copies `text`; resolves true when it reached the clipboard. */
async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard access (an insecure origin, a denied permission): select it for Ctrl+C.
    input.focus();
    input.select();
    return false;
  }
}

/** The dialog that shows a new token's secret, once; `returnTo` gets the focus back. */
function showSecret(created, returnTo) {
  const input = h('input', {
    id: 'token-secret', type: 'text', value: created.token, readOnly: true,
    attrs: { autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-secret-hint' },
  });
  const copyBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'token-copy', text: 'Copy token' });
  const done = h('button', { type: 'button', class: 'btn', text: 'Done' });
  const d = openDialog({
    title: `Your new token “${created.name}”`,
    className: 'dialog-token',
    content: [
      h('p', { id: 'token-secret-hint', text: 'Copy it now and keep it somewhere safe: it is shown only this once. Send it as “Authorization: Bearer …”.' }),
      h('div', { class: 'field' }, h('label', { htmlFor: 'token-secret', text: 'Token' }), h('div', { class: 'token-secret-row' }, input, copyBtn)),
    ],
    footer: [done],
    initialFocus: copyBtn,
    onClose: () => { if (returnTo && document.contains(returnTo)) returnTo.focus(); },
  });
  d.dialog.id = 'token-dialog';
  input.addEventListener('focus', () => input.select());
  copyBtn.addEventListener('click', async () => {
    if (await copy(created.token, input)) {
      copyBtn.textContent = 'Copied';
      notify('Token copied to the clipboard.', 'success');
    } else {
      notify('Copying is not allowed here: the token is selected, copy it with Ctrl+C.', 'info');
    }
  });
  done.addEventListener('click', () => d.close('done'));
}

function tokenRow(t, onRevoke) {
  const revoke = h('button', {
    type: 'button', class: ['btn', 'btn-small', 'btn-danger-text'], text: 'Revoke',
    attrs: { 'aria-label': `Revoke token ${t.name}` },
  });
  revoke.addEventListener('click', () => onRevoke(t, revoke));
  return h('li', { class: ['token-row', t.expired ? 'token-expired' : ''], dataset: { id: t.id, name: t.name } },
    h('div', { class: 'token-info' },
      h('span', { class: 'token-name', text: t.name }),
      h('span', { class: 'user-badges' },
        h('span', { class: ['badge', `token-scope-${t.scope}`], text: SCOPE_LABELS[t.scope] || t.scope }),
        t.expired ? h('span', { class: 'badge badge-inactive', text: 'Expired' }) : null),
      h('span', { class: 'token-dates muted' },
        'created ', timeEl(t.created_at),
        ' · ', t.expires_at ? [t.expired ? 'expired ' : 'expires ', timeEl(t.expires_at)] : 'never expires',
        ' · ', t.last_used_at ? ['last used ', timeEl(t.last_used_at)] : 'never used')),
    h('div', { class: 'user-actions' }, revoke));
}

/** The card: the create form and the list of the caller's tokens. */
export function tokensCard() {
  const name = field({ label: 'Token name', name: 'name', required: true, hint: 'What it is for, e.g. “Nightly export”. Unique among your tokens.', attrs: { maxlength: '100', autocomplete: 'off' } });
  const scope = field({ label: 'Access', name: 'scope', kind: 'select', value: 'read', options: SCOPES });
  const expires = field({ label: 'Expires after', name: 'expires_in_days', kind: 'select', value: '90', options: EXPIRIES });
  const form = h('form', { class: 'form', id: 'token-form', noValidate: true, attrs: { 'aria-labelledby': 'tokens-create-heading' } },
    h('h3', { id: 'tokens-create-heading', class: 'sr-only', text: 'Create a token' }),
    name, h('div', { class: 'field-row' }, scope, expires),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'token-create', text: 'Create token' })));
  const createButton = form.querySelector('#token-create');
  const summary = h('p', { class: 'list-summary', id: 'tokens-summary', attrs: { 'aria-live': 'polite' } });
  const status = h('div', { class: 'list-status' });
  const list = h('ul', { class: 'token-list', id: 'token-list', attrs: { 'aria-label': 'Your API tokens' } });

  let tokens = [];
  function render() {
    replace(list, ...tokens.map((t) => tokenRow(t, revokeToken)));
    summary.textContent = tokens.length ? `${tokens.length} of at most ${MAX_TOKENS} tokens` : '';
    replace(status, tokens.length ? null : empty('You have no API tokens.', 'Create one for each script or integration, so that you can revoke it on its own.'));
  }

  async function load() {
    replace(status, loading('Loading your tokens…'));
    try {
      tokens = await get(TOKENS);
      render();
    } catch (err) {
      const box = failure('Your tokens could not be loaded.', err, () => { box.stop(); load(); });
      replace(status, box);
    }
  }

  async function revokeToken(t, button) {
    const ok = await confirmDialog({
      title: `Revoke “${t.name}”?`,
      message: 'Whatever uses this token stops working at once. This cannot be undone.',
      confirmLabel: 'Revoke token',
      danger: true,
    });
    if (!ok) return;
    const index = tokens.findIndex((x) => x.id === t.id);
    button.disabled = true;
    try {
      await del(`${TOKENS}${encodeURIComponent(t.id)}/`);
      tokens = tokens.filter((x) => x.id !== t.id);
      render();
      notify(`Token “${t.name}” revoked.`, 'success');
      // Focus the next row's button (or the previous one, or the form).
      const buttons = list.querySelectorAll('.token-row button');
      const target = buttons[Math.min(index, buttons.length - 1)] || name.control;
      target.focus();
    } catch (err) {
      button.disabled = false;
      notifyError(err, `Revoking “${t.name}”`);
      if (err && err.status === 404) load();
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const body = { name: name.control.value.trim(), scope: scope.control.value };
    if (expires.control.value) body.expires_in_days = Number(expires.control.value);
    if (!body.name) {
      showFormErrors(form, { errors: { name: ['Give the token a name.'] } });
      return;
    }
    let created = null;
    await busy(form, async () => {
      try {
        created = await post(TOKENS, body);
      } catch (err) {
        showFormErrors(form, err);
      }
    });
    if (!created) return;
    name.control.value = '';
    const { token: _secret, ...listed } = created;
    tokens = [listed, ...tokens.filter((x) => x.id !== created.id)];
    render();
    // After busy(): the form's controls are enabled again, so focus can come back to them.
    showSecret(created, createButton);
  });

  load();
  return h('section', { class: 'card', id: 'tokens-card', attrs: { 'aria-labelledby': 'tokens-heading' } },
    h('h2', { id: 'tokens-heading', text: 'API tokens' }),
    h('p', { class: 'muted', text: 'Tokens let scripts and integrations use the API as you, without your password: send one as “Authorization: Bearer …”. A token can never do more than you may, and it stops working when you change your password or your role changes. Tokens cannot manage tokens or change your password.' }),
    form, summary, status, list);
}
