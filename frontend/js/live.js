// The one event stream of the page (GET /api/v1/events/, server-sent events), shared by every
// screen. Read with fetch (it can send the Authorization header; EventSource cannot), parsed here,
// handed to the subscribers as (type, data). When the stream ends (the access token expired, the
// server restarted) the token is refreshed and the stream reopened with Last-Event-ID, so nothing
// is missed; when the server cannot be reached it retries with a growing pause (1 s to 30 s) and a
// quiet "Offline" shows in the top bar until it is back.

import { API, ApiError, currentAccessToken, refreshAccess } from './api.js';

const MIN_PAUSE = 1000;
const MAX_PAUSE = 30000;

const subscribers = new Set();
let running = false;
let generation = 0;
let controller = null;
let lastId = null;
let connectedOnce = false;

/** Calls fn(type, data) for every event (and 'resync' when events may have been missed). */
export function subscribe(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

/** Starts the stream (once; later calls do nothing while it runs). */
export function start() {
  if (running) return;
  running = true;
  generation += 1;
  run(generation);
}

/** Stops the stream and forgets where it was (logout, another user). */
export function stop() {
  running = false;
  generation += 1;
  lastId = null;
  connectedOnce = false;
  if (controller) controller.abort();
  controller = null;
  setOffline(false);
}

function setOffline(offline) {
  const el = document.getElementById('live-status');
  if (!el) return;
  el.hidden = !offline;
  el.textContent = offline ? 'Offline – reconnecting…' : '';
}

function emit(type, data) {
  for (const fn of [...subscribers]) {
    try {
      fn(type, data);
    } catch (err) {
      console.error(err);
    }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(gen) {
  let pause = MIN_PAUSE;
  const current = () => running && gen === generation;
  while (current()) {
    try {
      if (!currentAccessToken()) await refreshAccess();
      controller = new AbortController();
      const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${currentAccessToken()}` };
      if (lastId !== null) headers['Last-Event-ID'] = String(lastId);
      const res = await fetch(`${API}/events/`, { headers, signal: controller.signal, cache: 'no-store', credentials: 'same-origin' });
      if (res.status === 401) {
        await refreshAccess();
        continue;
      }
      if (!res.ok || !res.body) throw new ApiError(res.status);
      setOffline(false);
      pause = MIN_PAUSE;
      // Events between the last stream and this one are replayed from lastId; without one (none
      // came yet) the screens reload what they show.
      if (connectedOnce && lastId === null) emit('resync', {});
      connectedOnce = true;
      await read(res.body, current);
      // The server ended it (token expiry, restart): a fresh token, then on at once.
      if (current()) await refreshAccess();
    } catch (err) {
      if (!current()) return;
      // The session is over: the API client's "auth lost" handler takes the user to the login.
      if (err instanceof ApiError && err.status === 401) {
        running = false;
        return;
      }
      if (err instanceof ApiError && err.status === 403) {
        // A temporary password: no stream until it is replaced.
        running = false;
        return;
      }
      setOffline(true);
      await sleep(pause + Math.floor(Math.random() * 500));
      pause = Math.min(pause * 2, MAX_PAUSE);
    }
  }
}

async function read(body, current) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || !current()) return;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        dispatch(block);
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** One event block: `id:`, `event:`, `data:` lines (comments start with ':'). */
function dispatch(block) {
  let id = null;
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') id = value;
    else if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  // Presence has no id: it does not move the resume point.
  if (id !== null && /^\d+$/.test(id)) lastId = Number(id);
  if (!data.length) return;
  let parsed;
  try {
    parsed = JSON.parse(data.join('\n'));
  } catch {
    return;
  }
  emit(type, parsed);
}
