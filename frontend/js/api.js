// HTTP client for /api/v1. The access token lives only in this module's memory.
// A 401 (token_expired / unauthenticated) triggers one refresh (shared by all concurrent callers)
// and one retry; if that fails too, the "auth lost" handler sends the user to the login screen.

export const API = '/api/v1';

let accessToken = null;
let refreshPromise = null;
let authLostHandler = () => {};

export function setAccessToken(token) {
  accessToken = token || null;
}

/** The access token now (for the event stream, which reads with its own fetch). */
export function currentAccessToken() {
  return accessToken;
}

export function hasAccessToken() {
  return accessToken !== null;
}

export function onAuthLost(handler) {
  authLostHandler = handler;
}

let passwordChangeHandler = () => {};

/** Called when the server answers 403 `password_change_required` (a temporary password). */
export function onPasswordChangeRequired(handler) {
  passwordChangeHandler = handler;
}

/** An API failure, carrying the problem+json fields. */
export class ApiError extends Error {
  constructor(status, problem = {}, headers = null) {
    super(problem.detail || problem.title || `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code || (status === 0 ? 'network' : 'unknown');
    this.title = problem.title || '';
    this.detail = problem.detail || '';
    this.errors = problem.errors && typeof problem.errors === 'object' ? problem.errors : null;
    const retry = headers ? headers.get('Retry-After') : null;
    this.retryAfter = retry !== null && retry !== '' ? parseRetryAfter(retry) : null;
  }

  /** A sentence fit for a person. */
  get userMessage() {
    if (this.status === 429) {
      const secs = this.retryAfter ?? 60;
      return `Too many attempts, retry in ${secs} s`;
    }
    if (this.status === 0) return 'The server cannot be reached. Check your connection and try again.';
    if (this.code === 'ticket_closed') {
      return 'This ticket is closed: it can no longer be changed or answered.';
    }
    if (this.status === 412) return 'This ticket changed meanwhile — reloaded';
    if (this.status >= 500) return 'The server had a problem. Please try again in a moment.';
    return this.detail || this.title || `Request failed (${this.status})`;
  }
}

function parseRetryAfter(value) {
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, Math.ceil(secs));
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  return null;
}

async function errorFrom(res) {
  let problem = {};
  try {
    const text = await res.text();
    if (text) problem = JSON.parse(text);
  } catch {
    problem = {};
  }
  return new ApiError(res.status, problem, res.headers);
}

/** Exchanges the refresh cookie for a new access token; concurrent callers share one request. */
export function refreshAccess() {
  if (!refreshPromise) {
    refreshPromise = (async () => {
      let res;
      try {
        res = await fetch(`${API}/users/auth/refresh/`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { Accept: 'application/json' },
        });
      } catch {
        throw new ApiError(0);
      }
      if (!res.ok) throw await errorFrom(res);
      const body = await res.json();
      accessToken = body.access;
      return body.access;
    })().finally(() => {
      refreshPromise = null;
    });
  }
  return refreshPromise;
}

function isAuthFailure(err) {
  return err.status === 401 && (err.code === 'token_expired' || err.code === 'unauthenticated');
}

/**
 * Sends a request. opts: json (body to serialise), body (raw body), headers, auth (default true).
 * Resolves with the Response when it is 2xx; rejects with ApiError otherwise.
 */
export async function request(method, url, opts = {}) {
  const auth = opts.auth !== false;
  const usedToken = accessToken;
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  if (auth && usedToken) headers.Authorization = `Bearer ${usedToken}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0);
  }
  if (res.ok) return res;
  const err = await errorFrom(res);
  if (auth && isAuthFailure(err)) {
    if (opts.retried) {
      authLostHandler(err);
      throw err;
    }
    try {
      // Another request may have refreshed already: then just retry with the new token.
      if (accessToken === usedToken || accessToken === null) await refreshAccess();
    } catch (refreshErr) {
      accessToken = null;
      authLostHandler(refreshErr);
      throw err;
    }
    return request(method, url, { ...opts, retried: true });
  }
  if (auth && err.status === 403 && err.code === 'password_change_required') passwordChangeHandler(err);
  throw err;
}

async function jsonOf(res) {
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const get = async (url, opts) => jsonOf(await request('GET', url, opts));
export const post = async (url, json, opts = {}) => jsonOf(await request('POST', url, { ...opts, json }));
export const patch = async (url, json, opts = {}) => jsonOf(await request('PATCH', url, { ...opts, json }));
export const del = async (url, opts) => jsonOf(await request('DELETE', url, opts));

/** The URL of rel="next" in a Link header, or null. URLs may contain commas, so parse by <...>. */
export function nextLink(header) {
  if (!header) return null;
  const re = /<([^>]*)>([^<]*)/g;
  let match;
  while ((match = re.exec(header)) !== null) {
    const params = match[2].split(';').map((p) => p.trim());
    for (const param of params) {
      const m = /^rel\s*=\s*"?([^"]*)"?\s*,?$/i.exec(param);
      if (m && m[1].split(/\s+/).includes('next')) return match[1];
    }
  }
  return null;
}

/**
 * Fetches one page of a list endpoint: { items, total, exact, next }. `exact` is false when the
 * server counted no further than `total` (ticket lists stop counting at 10,000:
 * `X-Total-Count-Exact: false`).
 */
export async function getPage(url) {
  const res = await request('GET', url);
  const items = (await jsonOf(res)) || [];
  const totalHeader = res.headers.get('X-Total-Count');
  const total = totalHeader !== null ? Number(totalHeader) : null;
  const exact = res.headers.get('X-Total-Count-Exact') !== 'false';
  return { items, total: Number.isFinite(total) ? total : null, exact, next: nextLink(res.headers.get('Link')) };
}

/**
 * A list's total as shown: `10,000+` when it is a lower bound (see getPage); a lower bound is
 * never shown below `floor` (the items already listed: a search with many matches is not
 * counted, its bound is the first page plus one).
 */
export function countText(total, exact = true, floor = 0) {
  return exact ? String(total) : `${Math.max(total, floor).toLocaleString('en-US')}+`;
}

/** A query string from an object (skipping empty values); arrays are comma-joined. */
export function query(params) {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) qs.set(key, value.join(','));
    } else {
      qs.set(key, String(value));
    }
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/**
 * The ticket number a reference is ("1042" or "#1042", as in `#/tickets/1042`), or null for an id.
 * At most 15 digits, so that it stays an exact JavaScript number.
 */
export function ticketNumberOf(ref) {
  const m = /^#?(\d{1,15})$/.exec(String(ref).trim());
  return m ? Number(m[1]) : null;
}

/**
 * The id of the ticket numbered `number`, through the list search (`q=#1042` lists that ticket
 * first); an ApiError 404 when the caller has no ticket of that number (theirs to see).
 */
export async function ticketIdForNumber(number) {
  const items = await get(`${API}/tickets/${query({ q: `#${number}`, limit: 1 })}`);
  const first = Array.isArray(items) ? items[0] : null;
  if (first && first.number === number) return first.id;
  throw new ApiError(404, { title: 'Not found', detail: `There is no ticket #${number}.` });
}

/** Ticket detail with its version (from the ETag). */
export async function getTicket(id) {
  const res = await request('GET', `${API}/tickets/${encodeURIComponent(id)}/`);
  const ticket = await jsonOf(res);
  const etag = res.headers.get('ETag');
  return { ticket, etag: etag || (ticket && ticket.version !== undefined ? `"${ticket.version}"` : null) };
}

/** PATCH a ticket guarded by If-Match. */
export async function patchTicket(id, etag, changes) {
  const headers = etag ? { 'If-Match': etag } : {};
  const res = await request('PATCH', `${API}/tickets/${encodeURIComponent(id)}/`, { json: changes, headers });
  const ticket = await jsonOf(res);
  const newTag = res.headers.get('ETag');
  return { ticket, etag: newTag || (ticket && ticket.version !== undefined ? `"${ticket.version}"` : null) };
}

/**
 * Changes several tickets at once: POST /api/v1/tickets/bulk/ with { ids, changes }. The server
 * applies each ticket's change in its own transaction and answers 200 with one result per id:
 * { id, ticket } or { id, problem } (404 not visible, 409 closed). At most 200 ids.
 */
export async function bulkUpdate(ids, changes) {
  return post(`${API}/tickets/bulk/`, { ids, changes });
}

/** Adds a message (or internal note) to a ticket; body: { message, internal?, status?, ... }. */
export async function postMessage(ticketId, body) {
  return post(`${API}/tickets/${encodeURIComponent(ticketId)}/messages/`, body);
}

function xhrUpload(url, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = false;
    xhr.setRequestHeader('Accept', 'application/json');
    if (accessToken) xhr.setRequestHeader('Authorization', `Bearer ${accessToken}`);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', () => {
      let body = {};
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : {};
      } catch {
        body = {};
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1);
        resolve(body);
      } else {
        const headers = new Headers();
        const retry = xhr.getResponseHeader('Retry-After');
        if (retry !== null) headers.set('Retry-After', retry);
        reject(new ApiError(xhr.status, body, headers));
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError(0)));
    xhr.addEventListener('abort', () => reject(new ApiError(0, { detail: 'Upload cancelled' })));
    xhr.send(form);
  });
}

/** Uploads one file to a ticket with progress callbacks (0..1). Retries once after a refresh. */
export async function uploadAttachment(ticketId, file, { messageId = null, onProgress = null } = {}) {
  const url = `${API}/tickets/${encodeURIComponent(ticketId)}/attachments/`;
  const build = () => {
    const form = new FormData();
    if (messageId) form.append('message_id', messageId);
    form.append('file', file, file.name);
    return form;
  };
  const usedToken = accessToken;
  try {
    return await xhrUpload(url, build(), onProgress);
  } catch (err) {
    if (!isAuthFailure(err)) throw err;
    try {
      if (accessToken === usedToken || accessToken === null) await refreshAccess();
    } catch (refreshErr) {
      accessToken = null;
      authLostHandler(refreshErr);
      throw err;
    }
    if (onProgress) onProgress(0);
    try {
      return await xhrUpload(url, build(), onProgress);
    } catch (again) {
      if (isAuthFailure(again)) authLostHandler(again);
      throw again;
    }
  }
}
