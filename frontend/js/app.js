// Navigation state shared by the shell and the views: where "home" is, where to return after login.

import { navigate } from './router.js';
import * as session from './session.js';

let returnTo = null;

export function homeFor(user = session.user()) {
  if (!user) return '#/login';
  return session.isStaff() ? '#/staff/all' : '#/tickets';
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
