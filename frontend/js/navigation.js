// Navigation state shared by the shell (main.js) and the views: where "home" is, where to return
// after login, the list "Back to tickets" returns to, and the checks run before leaving a screen.

import { navigate } from './router.js';
import * as session from './session.js';

let returnTo = null;

export function homeFor(user = session.user()) {
  if (!user) return '#/login';
  return session.isStaff() ? '#/staff/open' : '#/tickets';
}

export function rememberReturn(hash) {
  returnTo = hash && !/^#\/(login|register)?(\?|$)/.test(hash) ? hash : null;
}

/** Goes where the user wanted to be before logging in, else home. */
export function afterLogin() {
  const target = returnTo || homeFor(session.user());
  returnTo = null;
  navigate(target);
}

export function forgetReturn() {
  returnTo = null;
}

let lastList = null;

/** Remembers the last list (with its filters) so "Back to tickets" returns to it. */
export function rememberList(hash) {
  lastList = hash;
}

export function backToList() {
  return lastList || homeFor();
}

/* ---------- leaving a screen with unsaved work ---------- */

const leaveChecks = new Set();

/**
 * Registers a check run before the user leaves the current screen (another route, a reload, a
 * closed tab). check() returns null when nothing would be lost, else { message, kept } where kept
 * says the text survives anyway (a stored draft: no prompt on reload, but a question on in-app
 * navigation). Returns a function that removes the check.
 */
export function onLeave(check) {
  leaveChecks.add(check);
  return () => leaveChecks.delete(check);
}

/** The warnings of every registered check that has something to say. */
export function leaveWarnings() {
  const out = [];
  for (const check of leaveChecks) {
    const w = check();
    if (w) out.push(w);
  }
  return out;
}
