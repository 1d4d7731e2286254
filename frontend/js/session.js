// Who is logged in. The access token is kept by api.js in memory only; the refresh token is an
// HttpOnly cookie the browser sends to /api/v1/users/auth/ by itself.

import { API, ApiError, get, post, refreshAccess, request, setAccessToken } from './api.js';

let currentUser = null;
const listeners = new Set();

export function user() {
  return currentUser;
}

export function isStaff() {
  return Boolean(currentUser && (currentUser.is_staff || currentUser.role === 'agent' || currentUser.role === 'admin'));
}

export function isAdmin() {
  return Boolean(currentUser && currentUser.role === 'admin');
}

export function onUserChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function setUser(next) {
  currentUser = next || null;
  for (const fn of listeners) fn(currentUser);
}

/** On page load: try the refresh cookie. Resolves with the user or null. */
export async function restore() {
  try {
    await refreshAccess();
  } catch (err) {
    if (err instanceof ApiError && err.status === 0) throw err;
    setAccessToken(null);
    setUser(null);
    return null;
  }
  const me = await get(`${API}/users/profile/`);
  setUser(me);
  return me;
}

/** Logs in with an email (when it contains "@") or a username. */
export async function login(identifier, password) {
  const id = identifier.trim();
  const body = id.includes('@') ? { email: id, password } : { username: id, password };
  const res = await post(`${API}/users/auth/login/`, body, { auth: false });
  setAccessToken(res.access);
  setUser(res.user);
  return res.user;
}

export async function register(fields) {
  const res = await post(`${API}/users/auth/register/`, fields, { auth: false });
  setAccessToken(res.access);
  setUser(res.user);
  return res.user;
}

export async function logout() {
  try {
    await request('POST', `${API}/users/auth/logout/`, { auth: false });
  } finally {
    setAccessToken(null);
    setUser(null);
  }
}

/** Forgets the session locally (after the server refused it). */
export function drop() {
  setAccessToken(null);
  setUser(null);
}
