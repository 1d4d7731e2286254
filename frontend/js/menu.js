// A button that opens a short list of actions (a disclosure with plain buttons, reachable with Tab
// and the arrow keys). Esc, a click outside or leaving it with Tab closes it; Esc returns focus
// to the button. Used for the ticket's "More" actions and the reply's send options.

import { h, replace, uid } from './dom.js';

/**
 * items: [{ label, id, onSelect, danger }] (or a function returning them, read at each opening).
 * Returns { el, button, close() }.
 */
export function menuButton({ label, ariaLabel = null, id = null, className = 'btn', items, align = 'end' }) {
  const listId = uid('menu');
  const button = h('button', {
    type: 'button', id, class: [className, 'menu-toggle'],
    attrs: { 'aria-expanded': 'false', 'aria-controls': listId, 'aria-label': ariaLabel },
  }, label, h('span', { class: 'menu-caret', attrs: { 'aria-hidden': 'true' }, text: '▾' }));
  const list = h('ul', { class: ['menu-list', `menu-${align}`], id: listId, hidden: true });
  const el = h('div', { class: 'menu' }, button, list);

  const entries = () => [...list.querySelectorAll('button')];
  function open() {
    const current = typeof items === 'function' ? items() : items;
    replace(list, current.map((item) => {
      const b = h('button', { type: 'button', id: item.id || null, class: ['menu-item', item.danger ? 'menu-danger' : ''], text: item.label });
      b.addEventListener('click', () => {
        close(false);
        item.onSelect();
      });
      return h('li', {}, b);
    }));
    list.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    document.addEventListener('pointerdown', outside, true);
  }
  function close(focusButton = true) {
    if (list.hidden) return;
    list.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', outside, true);
    if (focusButton) button.focus();
  }
  function outside(event) {
    if (!el.contains(event.target)) close(false);
  }

  button.addEventListener('click', () => {
    if (list.hidden) {
      open();
      const first = entries()[0];
      if (first) first.focus();
    } else {
      close();
    }
  });
  el.addEventListener('keydown', (event) => {
    if (list.hidden) {
      if (event.key === 'ArrowDown' && event.target === button) {
        event.preventDefault();
        button.click();
      }
      return;
    }
    const all = entries();
    const i = all.indexOf(document.activeElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      const next = all[(i + step + all.length) % all.length];
      if (next) next.focus();
    }
  });
  el.addEventListener('focusout', (event) => {
    if (!list.hidden && event.relatedTarget && !el.contains(event.relatedTarget)) close(false);
  });

  return { el, button, close: () => close(false) };
}
