// Shared UI pieces: notices (aria-live) placed clear of the control just used, modal dialogs with
// a focus trap, form fields and errors, badges, a failure box with "Retry".

import { countText } from './api.js';
import { h, replace, uid } from './dom.js';

export const STATUS_LABELS = { open: 'Open', in_progress: 'In progress', resolved: 'Resolved', closed: 'Closed' };
export const PRIORITY_LABELS = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };
export const ROLE_LABELS = { customer: 'Customer', agent: 'Agent', admin: 'Admin' };

/**
 * "#1042": the number people quote (every ticket the API sends has one). Without a number (a
 * ticket object from elsewhere), the last 8 characters of its id (ids are UUIDv7: their first
 * characters are a timestamp, shared by tickets created close together).
 */
export function ticketRef(t) {
  if (t && t.number !== undefined && t.number !== null) return `#${t.number}`;
  return t && t.id ? String(t.id).slice(-8) : '';
}

/* ---------- notices ---------- */

// The control the user touched last: notices must not cover it. Its box is kept too, for when a
// re-render replaced it meanwhile.
let lastUsed = null;
let lastBox = null;
function used(event) {
  if (!(event.target instanceof Element)) return;
  lastUsed = event.target;
  lastBox = event.target.getBoundingClientRect();
}
document.addEventListener('pointerdown', used, true);
document.addEventListener('keydown', used, true);

const overlaps = (a, b) => a.left < b.right + 8 && b.left < a.right + 8 && a.top < b.bottom + 8 && b.top < a.bottom + 8;
const CORNERS = [[], ['notices-top'], ['notices-left'], ['notices-top', 'notices-left']];

/** The box to keep clear: the control just used (or its replacement with the same id). */
function usedBox(region) {
  const visible = (el) => el instanceof Element && el.isConnected && el !== document.body
    && !region.contains(el) && el.getClientRects().length > 0;
  if (visible(lastUsed)) return lastUsed.getBoundingClientRect();
  const twin = lastUsed && lastUsed.id ? document.getElementById(lastUsed.id) : null;
  if (visible(twin)) return twin.getBoundingClientRect();
  if (lastBox && lastUsed && !region.contains(lastUsed)) return lastBox;
  return visible(document.activeElement) ? document.activeElement.getBoundingClientRect() : null;
}

/** Moves the notice stack to the first corner where it does not cover the control just used. */
function placeNotices(region) {
  region.classList.remove('notices-top', 'notices-left');
  const target = region.children.length ? usedBox(region) : null;
  if (!target) return;
  for (const corner of CORNERS) {
    region.classList.remove('notices-top', 'notices-left');
    region.classList.add(...corner);
    if (!overlaps(region.getBoundingClientRect(), target)) return;
  }
  region.classList.remove('notices-top', 'notices-left');
}

/** Shows a message in the notice area (an aria-live region) and returns its element. */
export function notify(message, kind = 'info', { timeout } = {}) {
  const region = document.getElementById('notices');
  if (!region) return null;
  const close = h('button', { type: 'button', class: 'notice-close', attrs: { 'aria-label': 'Dismiss' }, text: '×' });
  const item = h('div', { class: ['notice', `notice-${kind}`], attrs: { role: kind === 'error' ? 'alert' : 'status' } },
    h('span', { class: 'notice-text', text: message }), close);
  const remove = () => item.remove();
  close.addEventListener('click', remove);
  region.append(item);
  // Keep the stack short: the oldest notices go first.
  while (region.children.length > 3) region.firstElementChild.remove();
  placeNotices(region);
  const ms = timeout ?? (kind === 'error' ? 12000 : 5000);
  if (ms > 0) setTimeout(remove, ms);
  return item;
}

/** Reports an error from an API call (or anything else). */
export function notifyError(err, prefix = '') {
  const text = err && err.userMessage ? err.userMessage : (err && err.message) || 'Something went wrong.';
  return notify(prefix ? `${prefix}: ${text}` : text, 'error');
}

/* ---------- dialogs ---------- */

const FOCUSABLE = [
  'a[href]', 'button:not([disabled])', 'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])', 'textarea:not([disabled])', '[tabindex]:not([tabindex="-1"])',
].join(',');

export function focusables(root) {
  return [...root.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length > 0 && !el.closest('[hidden]'));
}

/**
 * Opens a modal <dialog>. Focus is trapped inside; Esc or the close button closes it; focus
 * returns to the element that had it. Returns { dialog, body, footer, close }.
 */
export function openDialog({ title, content = [], footer = [], className = '', onClose = null, initialFocus = null, confirmClose = null }) {
  const opener = document.activeElement;
  const titleId = uid('dialog-title');
  const closeBtn = h('button', { type: 'button', class: 'btn btn-icon dialog-close', attrs: { 'aria-label': 'Close dialog' }, text: '×' });
  const body = h('div', { class: 'dialog-body' }, content);
  const foot = h('div', { class: 'dialog-footer' }, footer);
  const dialog = h('dialog', { class: ['dialog', className], attrs: { 'aria-labelledby': titleId } },
    h('div', { class: 'dialog-header' }, h('h2', { id: titleId, text: title }), closeBtn),
    body, foot);

  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const items = focusables(dialog);
    if (!items.length) {
      event.preventDefault();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  });
  // Esc, the close button and a click on the backdrop cancel; confirmClose() may keep it open.
  let asking = false;
  const cancel = async () => {
    if (asking) return;
    asking = true;
    try {
      if (!confirmClose || await confirmClose()) dialog.close('cancel');
    } finally {
      asking = false;
    }
  };
  dialog.addEventListener('cancel', (event) => {
    if (!confirmClose) return;
    event.preventDefault();
    cancel();
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) {
      const r = dialog.getBoundingClientRect();
      const inside = event.clientX >= r.left && event.clientX <= r.right && event.clientY >= r.top && event.clientY <= r.bottom;
      if (!inside) cancel();
    }
  });

  let closed = false;
  dialog.addEventListener('close', () => {
    if (closed) return;
    closed = true;
    // Back to the control that opened the dialog, unless the user went on meanwhile: this event
    // comes a task after the dialog closed, and a key pressed right after Esc (input goes first)
    // may already have moved the focus ("/" to the search field).
    const focus = document.activeElement;
    const movedOn = focus && focus !== document.body && focus !== opener && !dialog.contains(focus);
    dialog.remove();
    if (!movedOn && opener && opener instanceof HTMLElement && document.contains(opener)) opener.focus();
    if (onClose) onClose(dialog.returnValue);
  });
  closeBtn.addEventListener('click', cancel);

  document.body.append(dialog);
  dialog.showModal();
  const target = (initialFocus && dialog.contains(initialFocus) && initialFocus)
    || dialog.querySelector('[autofocus]')
    || focusables(body)[0]
    || closeBtn;
  target.focus();
  return { dialog, body, footer: foot, cancel, close: (value = '') => { if (dialog.open) dialog.close(value); } };
}

/** Asks for confirmation; resolves true when confirmed. */
export function confirmDialog({ title, message, confirmLabel = 'Confirm', cancelLabel = 'Cancel', danger = false }) {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'btn', text: cancelLabel });
    const ok = h('button', { type: 'button', class: ['btn', danger ? 'btn-danger' : 'btn-primary'], text: confirmLabel });
    let result = false;
    const d = openDialog({
      title,
      className: 'dialog-confirm',
      content: [h('p', { text: message })],
      footer: [cancel, ok],
      initialFocus: cancel,
      onClose: () => resolve(result),
    });
    d.dialog.setAttribute('role', 'alertdialog');
    cancel.addEventListener('click', () => d.close('cancel'));
    ok.addEventListener('click', () => {
      result = true;
      d.close('confirm');
    });
  });
}

/* ---------- forms ---------- */

/**
 * A labelled field. kind: 'input' (default), 'textarea', 'select'.
 * Returns the wrapper; the control is wrapper.control.
 */
export function field({ label, name, kind = 'input', type = 'text', value = '', hint = '', options = [], required = false, attrs = {}, props = {} }) {
  const id = uid(`f-${name}`);
  let control;
  if (kind === 'textarea') {
    control = h('textarea', { id, name, value, required, attrs, ...props });
  } else if (kind === 'select') {
    control = h('select', { id, name, required, attrs, ...props },
      options.map(([v, text]) => h('option', { value: v, text, selected: v === value })));
  } else {
    control = h('input', { id, name, type, value, required, attrs, ...props });
  }
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint`, text: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  const wrapper = h('div', { class: 'field' },
    h('label', { htmlFor: id, class: required ? 'required' : null, text: label }),
    control, hintEl);
  wrapper.control = control;
  return wrapper;
}

/** Removes error marks from a form. */
export function clearFormErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .form-error')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.endsWith('-err'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

/**
 * Shows an API error on a form: field messages next to their fields, anything else at the top
 * of the form. Everything is also announced via the notice region.
 */
export function showFormErrors(form, err, { fieldMap = {} } = {}) {
  clearFormErrors(form);
  const unmatched = [];
  let firstInvalid = null;
  if (err && err.errors) {
    for (const [key, messages] of Object.entries(err.errors)) {
      const list = Array.isArray(messages) ? messages : [String(messages)];
      const name = fieldMap[key] || key;
      const control = form.elements.namedItem(name);
      const el = control && !(control instanceof RadioNodeList) ? control : null;
      if (!el) {
        unmatched.push(`${key}: ${list.join(' ')}`);
        continue;
      }
      const errId = `${el.id || uid('fld')}-err`;
      const msg = h('p', { class: 'field-error', id: errId, text: list.join(' ') });
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-describedby', [el.getAttribute('aria-describedby'), errId].filter(Boolean).join(' '));
      (el.closest('.field') || el.parentElement).append(msg);
      if (!firstInvalid) firstInvalid = el;
    }
  }
  const general = [];
  if (!err || !err.errors || unmatched.length || !firstInvalid) {
    general.push(err && err.userMessage ? err.userMessage : (err && err.message) || 'Something went wrong.');
  }
  general.push(...unmatched);
  const text = general.join(' ');
  if (general.length) {
    form.prepend(h('div', { class: 'form-error', attrs: { role: 'alert' }, text }));
  }
  notify(firstInvalid && !general.length ? 'Please correct the highlighted fields.' : text, 'error');
  // Focus after the caller's busy() has re-enabled the controls.
  if (firstInvalid) setTimeout(() => firstInvalid.focus(), 0);
}

/** Disables a form's controls while a promise runs. */
export async function busy(form, fn) {
  const controls = [...form.querySelectorAll('button, input, select, textarea')].filter((c) => !c.disabled);
  controls.forEach((c) => { c.disabled = true; });
  form.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    controls.forEach((c) => { c.disabled = false; });
    form.removeAttribute('aria-busy');
  }
}

/* ---------- badges ---------- */

export function statusBadge(status, display) {
  return h('span', { class: ['badge', `status-${status}`], dataset: { status }, text: display || STATUS_LABELS[status] || status });
}

export function priorityBadge(priority, display) {
  return h('span', { class: ['badge', `priority-${priority}`], dataset: { priority }, text: display || PRIORITY_LABELS[priority] || priority });
}

export function roleBadge(role) {
  return h('span', { class: ['badge', `role-${role}`], text: ROLE_LABELS[role] || role });
}

/** A loading placeholder. */
export function loading(text = 'Loading…') {
  return h('div', { class: 'loading', attrs: { role: 'status' } }, h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }), text);
}

/** An empty-state box. */
export function empty(title, text = '', action = null) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title', text: title }), text ? h('p', { text }) : null, action);
}

/**
 * One box for a failed load: what failed, why, and a "Retry" button. onRetry() is also called by
 * itself every `every` ms while the box is shown, so the screen recovers when the server is back.
 * Returns the element; stop() on it (el.stop()) ends the automatic retries.
 */
export function failure(title, err, onRetry, { every = 5000, id = null } = {}) {
  const retry = h('button', { type: 'button', class: 'btn', text: 'Retry' });
  const box = h('div', { class: 'empty failure', id, attrs: { role: 'alert' } },
    h('p', { class: 'empty-title', text: title }),
    h('p', { text: (err && err.userMessage) || String(err || '') }),
    h('p', { class: 'muted', text: 'Trying again by itself every few seconds.' }),
    retry);
  const timer = setInterval(() => { if (box.isConnected) onRetry(); else clearInterval(timer); }, every);
  box.stop = () => clearInterval(timer);
  retry.addEventListener('click', () => onRetry());
  return box;
}

/**
 * A list that loads page by page ("Load more"): `load(url)` shows the first page of `url`,
 * the button appends the next one. Stale answers (a newer load started, or `stop()` on leaving
 * the page) are dropped. `noun` is the plural shown in the summary ("users", "entries").
 */
export function pagedList({ getPage, list, status, summary, more, row, noun, loadingText, failureText, emptyText }) {
  let next = null;
  let shown = 0;
  let generation = 0;
  async function load(url, appendItems = false) {
    const gen = ++generation;
    if (!appendItems) {
      replace(list);
      replace(status, loading(loadingText));
    }
    more.disabled = true;
    try {
      const page = await getPage(url);
      if (gen !== generation) return;
      replace(status);
      if (!appendItems) shown = 0;
      shown += page.items.length;
      next = page.next;
      list.append(...page.items.map(row));
      summary.textContent = page.total !== null ? `Showing ${shown} of ${countText(page.total, page.exact, shown + (next ? 1 : 0))} ${noun}` : `Showing ${shown} ${noun}`;
      if (!shown) replace(status, empty(emptyText));
      more.hidden = !next;
    } catch (err) {
      if (gen !== generation) return;
      if (appendItems) notifyError(err, `Loading more ${noun}`);
      else if (!status.querySelector('.failure')) replace(status, failure(failureText, err, () => load(url)));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => { if (next) load(next, true); });
  return { load, stop() { generation += 1; } };
}
