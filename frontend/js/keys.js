// Keyboard shortcuts: one document listener. The shell registers the global keys, each screen its
// own while it is mounted; "?" lists them. Shortcuts never fire while typing in a field, with
// Ctrl/Alt/Meta held, or while a dialog is open. Esc in a text field leaves the field.

import { h } from './dom.js';
import { openDialog } from './ui.js';

let globalKeys = new Map();
let screenKeys = new Map();
let prefix = null;
let prefixTimer = null;

/** map: { key: handler }. Keys are KeyboardEvent.key values, or "g x" for a two-key sequence. */
export function setGlobalKeys(map) {
  globalKeys = new Map(Object.entries(map));
}

/** The current screen's keys (replacing the previous screen's). Returns a function removing them. */
export function setScreenKeys(map) {
  const mine = new Map(Object.entries(map));
  screenKeys = mine;
  return () => {
    if (screenKeys === mine) screenKeys = new Map();
  };
}

const TEXT_INPUTS = new Set(['text', 'search', 'email', 'password', 'url', 'tel', 'number', 'date', 'time', 'datetime-local', 'month', 'week', '']);

function isTextField(el) {
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA') return true;
  return el.tagName === 'INPUT' && TEXT_INPUTS.has((el.getAttribute('type') || '').toLowerCase());
}

/** True while the user types: text fields, and selects (letters pick options there). */
export function isTyping(el) {
  return isTextField(el) || (el instanceof Element && el.tagName === 'SELECT');
}

function lookup(key) {
  return screenKeys.get(key) || globalKeys.get(key) || null;
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  if (document.querySelector('dialog[open]')) return;
  const target = event.target;
  if (event.key === 'Escape' && isTextField(target)) {
    target.blur();
    return;
  }
  if (isTyping(target)) return;
  // Enter on a link or button keeps its own meaning.
  if (event.key === 'Enter' && target instanceof Element && target.closest('a[href], button, summary, input, label')) return;
  let key = event.key;
  if (prefix) {
    key = `${prefix} ${key}`;
    prefix = null;
    clearTimeout(prefixTimer);
  } else if ([...globalKeys.keys(), ...screenKeys.keys()].some((k) => k.startsWith(`${key} `))) {
    prefix = key;
    prefixTimer = setTimeout(() => { prefix = null; }, 1500);
    event.preventDefault();
    return;
  }
  const handler = lookup(key);
  if (!handler) return;
  event.preventDefault();
  handler(event);
}

document.addEventListener('keydown', onKeyDown);

/**
 * The shortcut sheet. sections: [{ title, keys: [[keys, description], ...] }] where keys is a
 * string like "g m" (shown as separate keys) or "Ctrl+Enter".
 */
export function showShortcutSheet(sections) {
  const keyCaps = (combo) => combo.split(' ').flatMap((part, i) => [i ? h('span', { class: 'kbd-then', text: ' then ' }) : null, h('kbd', { text: part })]);
  const content = sections.map((s) => h('section', { class: 'shortcut-section' },
    h('h3', { text: s.title }),
    h('dl', { class: 'shortcut-list' }, s.keys.flatMap(([combo, text]) => [
      h('dt', {}, keyCaps(combo)),
      h('dd', { text }),
    ]))));
  const d = openDialog({ title: 'Keyboard shortcuts', className: 'dialog-shortcuts', content });
  d.dialog.id = 'shortcut-sheet';
  return d;
}
