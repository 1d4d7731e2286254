// Small DOM helpers. Every piece of text goes through text nodes: no HTML parsing of data, ever.

/**
 * Creates an element.
 * props: class, text, attrs {name: value}, dataset {k: v}, on {event: handler}, and any other key
 * is assigned as a DOM property (id, type, value, checked, disabled, hidden, htmlFor, ...).
 * children: nodes, strings (become text nodes), arrays of those, null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key === 'attrs') {
      for (const [name, v] of Object.entries(value)) {
        if (v === undefined || v === null || v === false) continue;
        el.setAttribute(name, v === true ? '' : String(v));
      }
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    } else if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else {
      el[key] = value;
    }
  }
  append(el, children);
  return el;
}

/** Appends children (nodes, strings, nested arrays; null/false/undefined are skipped). */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Removes every child of a node. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Replaces the children of a node. */
export function replace(node, ...children) {
  clear(node);
  return append(node, children);
}

let idCounter = 0;
/** A document-unique id with a readable prefix. */
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 minutes ago", "in 2 hours", "just now". */
export function relativeTime(iso, now = Date.now()) {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (abs >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60) || (seconds < 0 ? -1 : 1), 'minute');
}

const exactFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "Dec 6, 2026, 2:03 PM" in the user's locale. */
export function exactTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : exactFormat.format(d);
}

/**
 * A <time> element. mode "relative" (default): "3 minutes ago", with the exact time in the title
 * and in a part that lists show when the row has focus; mode "both": "Dec 6, 2026, 2:03 PM ·
 * 3 minutes ago", for places where the exact time matters (the ticket's details, messages).
 */
export function timeEl(iso, { mode = 'relative' } = {}) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  const exact = exactTime(iso);
  const rel = h('span', { class: 'time-relative', text: relativeTime(iso) });
  const parts = mode === 'both'
    ? [h('span', { class: 'time-exact', text: exact }), h('span', { class: 'time-sep', text: ' · ' }), rel]
    : [rel, h('span', { class: 'time-exact time-on-focus', text: ` (${exact})` })];
  return h('time', { class: ['time', `time-mode-${mode}`], attrs: { datetime: iso, title: exact }, dataset: { relative: '1' } }, parts);
}

/** Refreshes every relative time in the page (called on an interval). */
export function refreshRelativeTimes(root = document) {
  for (const el of root.querySelectorAll('time[data-relative] .time-relative')) {
    el.textContent = relativeTime(el.parentElement.getAttribute('datetime'));
  }
}

/** "1.4 MB" */
export function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}

/** A person's display name: "First Last" or the username. */
export function displayName(user) {
  if (!user) return 'Unknown';
  const full = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return full || user.username || user.email || 'Unknown';
}

/** Debounces a function; .cancel() drops a pending call, .flush() makes it now. */
export function debounce(fn, ms) {
  let timer = null;
  let pending = null;
  const run = () => {
    timer = null;
    const args = pending;
    pending = null;
    fn(...args);
  };
  const wrapped = (...args) => {
    pending = args;
    clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  wrapped.cancel = () => {
    clearTimeout(timer);
    timer = null;
    pending = null;
  };
  wrapped.flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    run();
  };
  return wrapped;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const ICONS = {
  // A sheet of paper with a folded corner.
  file: ['M6 2.5h8l4.5 4.5v14.5h-12.5z', 'M14 2.5v4.5h4.5'],
  // A padlock.
  lock: ['M5.5 11h13v10h-13z', 'M8.5 11V7.5a3.5 3.5 0 0 1 7 0V11'],
};

/** A small decorative stroke icon (aria-hidden), built with DOM APIs. */
export function icon(name, className = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', className);
  for (const d of ICONS[name] || []) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}
