// Admin: outbound webhook endpoints. Register one (URL, event types, staff-only events), see its
// signing secret once in a dialog, edit it (URL, event types, staff events), disable or enable
// it (a disabled endpoint shows why the server disabled it), send a test delivery, rotate the
// secret (the old one keeps signing during the overlap), delete it behind a confirmation, and
// read its delivery log (status, attempts, latency, the start of the answer).

import { API, del, get, patch, post } from '../api.js';
import { h, replace, timeEl } from '../dom.js';
import {
  busy, clearFormErrors, confirmDialog, empty, failure, field, loading, notify, notifyError, openDialog, showFormErrors,
} from '../ui.js';

const WEBHOOKS = `${API}/webhooks/`;

/** The event types of the outbox, by wire name. */
export const EVENT_TYPES = {
  'ticket.created': 'Ticket created',
  'ticket.updated': 'Ticket updated',
  'ticket.deleted': 'Ticket deleted',
  'message.created': 'Reply or note posted',
  'attachment.added': 'File attached',
  'attachment.removed': 'File removed',
  'user.created': 'Account created',
  'user.renamed': 'Account renamed',
  'user.role_changed': 'Role changed',
  'user.deactivated': 'Account deactivated',
  'user.reactivated': 'Account reactivated',
  'user.password_reset': 'Password reset',
  'token.created': 'API token created',
  'token.revoked': 'API token revoked',
  'webhook.created': 'Webhook created',
  'webhook.deleted': 'Webhook deleted',
  'webhook.secret_rotated': 'Webhook secret rotated',
};
const DEFAULT_TYPES = ['ticket.created', 'ticket.updated', 'message.created'];
const STATE_LABELS = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' };

const path = (id, rest = '') => `${WEBHOOKS}${encodeURIComponent(id)}/${rest}`;

/** The dialog that shows a secret, once; `returnTo` gets the focus back. */
function showSecret(title, secret, returnTo) {
  const input = h('input', {
    id: 'webhook-secret', type: 'text', value: secret, readOnly: true,
    attrs: { autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'webhook-secret-hint' },
  });
  const done = h('button', { type: 'button', class: 'btn btn-primary', text: 'Done' });
  const d = openDialog({
    title,
    className: 'dialog-token',
    content: [
      h('p', { id: 'webhook-secret-hint', text: 'Copy it now into the receiving service: it is shown only this once. It verifies the webhook-signature header of each delivery (Standard Webhooks).' }),
      h('div', { class: 'field' }, h('label', { htmlFor: 'webhook-secret', text: 'Signing secret' }), h('div', { class: 'token-secret-row' }, input)),
    ],
    footer: [done],
    initialFocus: input,
    onClose: () => { if (returnTo && document.contains(returnTo)) returnTo.focus(); },
  });
  d.dialog.id = 'webhook-secret-dialog';
  input.addEventListener('focus', () => input.select());
  done.addEventListener('click', () => d.close('done'));
}

/** Checkboxes of the event types, `checked` ticked; returns { el, values() }. */
function typeBoxes(checked, prefix) {
  const boxes = Object.entries(EVENT_TYPES).map(([value, text]) => {
    const id = `${prefix}-${value.replace(/\W/g, '-')}`;
    const input = h('input', { type: 'checkbox', id, name: 'event_types', value, checked: checked.includes(value) });
    return h('div', { class: 'field-check' }, input, h('label', { htmlFor: id, text: `${text} (${value})` }));
  });
  const el = h('fieldset', { class: 'webhook-types' }, h('legend', { text: 'Events to send' }), boxes);
  return { el, values: () => [...el.querySelectorAll('input:checked')].map((i) => i.value) };
}

/** The create-or-edit form; `endpoint` null for a new one. Resolves via onSaved(endpoint, secret?). */
function openEditor(endpoint, { onSaved, returnTo }) {
  const url = field({ label: 'URL', name: 'url', required: true, value: endpoint ? endpoint.url : '', hint: 'https:// (or http://) address of the receiving service. Private and local addresses are refused unless the server allows them.', attrs: { maxlength: '2048', autocomplete: 'off', spellcheck: 'false' } });
  const types = typeBoxes(endpoint ? endpoint.event_types : DEFAULT_TYPES, endpoint ? 'edit-type' : 'new-type');
  const staff = h('input', { type: 'checkbox', id: 'webhook-staff', name: 'include_staff_events', checked: endpoint ? endpoint.include_staff_events : false });
  const formId = 'webhook-form';
  const form = h('form', { class: 'form', id: formId, noValidate: true },
    url, types.el,
    h('div', { class: 'field field-check' }, staff,
      h('label', { htmlFor: 'webhook-staff', text: 'Also send staff-only events (internal notes and their files, account administration)' })));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'webhook-submit', text: endpoint ? 'Save' : 'Create webhook' });
  const cancel = h('button', { type: 'button', class: 'btn', text: 'Cancel' });
  submit.setAttribute('form', formId);
  const d = openDialog({
    title: endpoint ? 'Edit webhook' : 'New webhook', className: 'dialog-new-user', content: [form], footer: [cancel, submit], initialFocus: url.control,
    onClose: () => { if (returnTo && document.contains(returnTo)) returnTo.focus(); },
  });
  d.dialog.id = 'webhook-dialog';
  cancel.addEventListener('click', () => d.cancel());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const body = { url: url.control.value.trim(), event_types: types.values(), include_staff_events: staff.checked };
    const errors = {};
    if (!body.url) errors.url = ['Enter the URL of the receiving service.'];
    if (!body.event_types.length) errors.event_types = ['Choose at least one event.'];
    if (Object.keys(errors).length) {
      showFormErrors(form, { errors });
      return;
    }
    await busy(form, async () => {
      try {
        const saved = endpoint ? await patch(path(endpoint.id), body) : await post(WEBHOOKS, body);
        d.close('done');
        onSaved(saved);
      } catch (err) {
        showFormErrors(form, err);
      }
    });
  });
}

function deliveryRow(d) {
  const detail = [
    d.last_status !== null ? `HTTP ${d.last_status}` : null,
    d.last_latency_ms !== null ? `${d.last_latency_ms} ms` : null,
    `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`,
  ].filter(Boolean).join(' · ');
  return h('li', { class: 'delivery-row', dataset: { state: d.state, event: String(d.event_id) } },
    h('div', { class: 'token-info' },
      h('span', {},
        h('span', { class: ['badge', `delivery-${d.state}`], text: STATE_LABELS[d.state] || d.state }), ' ',
        h('span', { class: 'delivery-type', text: `${EVENT_TYPES[d.event_type] || d.event_type} · event ${d.event_id}` })),
      h('span', { class: 'token-dates muted' }, detail,
        d.last_attempt_at ? [' · last tried ', timeEl(d.last_attempt_at)] : '',
        d.next_attempt_at && d.attempts > 0 ? [' · next try ', timeEl(d.next_attempt_at)] : ''),
      d.last_error ? h('span', { class: 'delivery-error', text: d.last_error }) : null,
      d.last_response ? h('code', { class: 'delivery-response', text: d.last_response.slice(0, 300) }) : null));
}

/** The delivery log of an endpoint, in a dialog. */
async function openLog(endpoint, returnTo) {
  const list = h('ul', { class: 'token-list', id: 'delivery-list', attrs: { 'aria-label': 'Deliveries' } });
  const status = h('div', { class: 'list-status' }, loading('Loading the deliveries…'));
  const close = h('button', { type: 'button', class: 'btn', text: 'Close' });
  const refresh = h('button', { type: 'button', class: 'btn', text: 'Refresh' });
  const d = openDialog({
    title: `Deliveries to ${endpoint.url}`, className: 'dialog-new-user', content: [status, list], footer: [refresh, close], initialFocus: close,
    onClose: () => { if (returnTo && document.contains(returnTo)) returnTo.focus(); },
  });
  d.dialog.id = 'delivery-dialog';
  close.addEventListener('click', () => d.close('done'));
  async function load() {
    try {
      const items = await get(`${path(endpoint.id, 'deliveries/')}?limit=50`);
      replace(list, ...items.map(deliveryRow));
      replace(status, items.length ? null : empty('No deliveries yet.', 'Events the endpoint asked for appear here as they are sent.'));
    } catch (err) {
      replace(status, failure('The deliveries could not be loaded.', err, () => load()));
    }
  }
  refresh.addEventListener('click', load);
  load();
}

function endpointRow(e, actions) {
  const button = (text, label, fn, cls = '') => {
    const b = h('button', { type: 'button', class: ['btn', 'btn-small', cls], text, attrs: { 'aria-label': `${label} ${e.url}` } });
    b.addEventListener('click', () => fn(e, b));
    return b;
  };
  return h('li', { class: ['token-row', 'webhook-row', e.enabled ? '' : 'webhook-disabled'], dataset: { id: e.id } },
    h('div', { class: 'token-info' },
      h('span', { class: 'token-name webhook-url', text: e.url }),
      h('span', { class: 'user-badges' },
        e.enabled ? h('span', { class: 'badge badge-active', text: 'Enabled' }) : h('span', { class: 'badge badge-inactive', text: 'Disabled' }),
        e.include_staff_events ? h('span', { class: 'badge', text: 'Staff-only events too' }) : null,
        e.failing_since ? h('span', { class: 'badge badge-warning', text: 'Failing' }) : null),
      h('span', { class: 'token-dates muted webhook-types-list', text: e.event_types.join(', ') }),
      e.disabled_reason ? h('span', { class: 'delivery-error webhook-reason', text: `Disabled by the server: ${e.disabled_reason}` }) : null,
      e.failing_since ? h('span', { class: 'token-dates muted' }, 'failing since ', timeEl(e.failing_since)) : null,
      e.previous_secret_until ? h('span', { class: 'token-dates muted' }, 'previous secret valid until ', timeEl(e.previous_secret_until, { mode: 'exact' })) : null),
    h('div', { class: 'user-actions' },
      button('Deliveries', 'Deliveries of', actions.log),
      button('Send test', 'Send a test to', actions.test),
      button('Edit', 'Edit', actions.edit),
      button(e.enabled ? 'Disable' : 'Enable', e.enabled ? 'Disable' : 'Enable', actions.toggle),
      button('Rotate secret', 'Rotate the secret of', actions.rotate),
      button('Delete', 'Delete', actions.remove, 'btn-danger-text')));
}

export function mount(main) {
  document.title = 'Webhooks · Helpdesk';
  const create = h('button', { type: 'button', class: 'btn btn-primary', id: 'webhook-new', text: 'New webhook' });
  const status = h('div', { class: 'list-status' });
  const list = h('ul', { class: 'token-list', id: 'webhook-list', attrs: { 'aria-label': 'Webhook endpoints' } });
  main.append(h('section', { class: 'page' },
    h('div', { class: 'page-header' }, h('h1', { text: 'Webhooks' }), create),
    h('p', { class: 'muted', text: 'The helpdesk sends the events you choose to these addresses as signed HTTP POST requests (Standard Webhooks), in order, retrying failures for up to 24 hours. An endpoint failing for 3 days is disabled.' }),
    status, list));

  let endpoints = [];
  const render = () => {
    replace(list, ...endpoints.map((e) => endpointRow(e, actions)));
    replace(status, endpoints.length ? null : empty('No webhooks yet.', 'Register an endpoint to receive events as they happen.'));
  };
  const put = (e) => {
    const i = endpoints.findIndex((x) => x.id === e.id);
    if (i >= 0) endpoints[i] = e; else endpoints.push(e);
    render();
  };
  async function load() {
    replace(status, loading('Loading the webhooks…'));
    try {
      endpoints = await get(WEBHOOKS);
      render();
    } catch (err) {
      replace(status, failure('The webhooks could not be loaded.', err, () => load()));
    }
  }

  const actions = {
    log: (e, b) => openLog(e, b),
    edit: (e, b) => openEditor(e, { returnTo: b, onSaved: (saved) => { put(saved); notify('Webhook saved.', 'success'); } }),
    async test(e, b) {
      b.disabled = true;
      try {
        const r = await post(path(e.id, 'test/'), {});
        if (r.success) notify(`Test delivered: HTTP ${r.status} in ${r.latency_ms} ms.`, 'success');
        else notify(`Test failed: ${r.error || `HTTP ${r.status}`}`, 'error');
      } catch (err) {
        notifyError(err, 'Sending a test');
      } finally {
        b.disabled = false;
      }
    },
    async toggle(e, b) {
      b.disabled = true;
      try {
        put(await patch(path(e.id), { enabled: !e.enabled }));
        notify(e.enabled ? 'Webhook disabled.' : 'Webhook enabled: waiting deliveries go now.', 'success');
      } catch (err) {
        b.disabled = false;
        notifyError(err, 'Changing the webhook');
      }
    },
    async rotate(e, b) {
      const ok = await confirmDialog({
        title: 'Rotate the signing secret?',
        message: 'A new secret is made and shown once. For 24 hours deliveries are signed with both the new and the old secret, so the receiver can switch without losing any.',
        confirmLabel: 'Rotate secret',
      });
      if (!ok) return;
      try {
        const rotated = await post(path(e.id, 'rotate-secret/'), { overlap_hours: 24 });
        const { secret, ...shown } = rotated;
        put(shown);
        showSecret('New signing secret', secret, b);
      } catch (err) {
        notifyError(err, 'Rotating the secret');
      }
    },
    async remove(e, b) {
      const ok = await confirmDialog({
        title: 'Delete this webhook?',
        message: `Nothing more is sent to ${e.url}, and its delivery log is deleted. This cannot be undone.`,
        confirmLabel: 'Delete webhook',
        danger: true,
      });
      if (!ok) return;
      b.disabled = true;
      try {
        await del(path(e.id));
        endpoints = endpoints.filter((x) => x.id !== e.id);
        render();
        notify('Webhook deleted.', 'success');
        create.focus();
      } catch (err) {
        b.disabled = false;
        notifyError(err, 'Deleting the webhook');
        if (err && err.status === 404) load();
      }
    },
  };

  create.addEventListener('click', () => openEditor(null, {
    returnTo: create,
    onSaved: (created) => {
      const { secret, ...shown } = created;
      put(shown);
      showSecret('Your new webhook’s signing secret', secret, create);
    },
  }));
  load();
  return {};
}
