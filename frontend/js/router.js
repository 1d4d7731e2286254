// Hash routing: "#/path?query". Views are matched by pattern; query strings carry filters.

const routes = [];

/** Registers a route: pattern is a string with :params, e.g. "/tickets/:id". */
export function route(pattern, name) {
  const keys = [];
  const source = pattern
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        keys.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  routes.push({ name, keys, re: new RegExp(`^${source}/?$`) });
}

/** The current location: { path, params: URLSearchParams, name, args }. */
export function current() {
  const raw = decodeHashPath(window.location.hash);
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const args = {};
      r.keys.forEach((key, i) => {
        args[key] = decodeURIComponent(m[i + 1]);
      });
      return { path, params, name: r.name, args };
    }
  }
  return { path, params, name: null, args: {} };
}

function decodeHashPath(hash) {
  const s = hash.startsWith('#') ? hash.slice(1) : hash;
  return s || '/';
}

/** Builds "#/path?query" from a path and a params object or URLSearchParams. */
export function href(path, params) {
  let qs = '';
  if (params) {
    const sp = params instanceof URLSearchParams ? params : new URLSearchParams();
    if (!(params instanceof URLSearchParams)) {
      for (const [k, v] of Object.entries(params)) {
        if (v === undefined || v === null || v === '') continue;
        if (Array.isArray(v)) {
          if (v.length) sp.set(k, v.join(','));
        } else sp.set(k, String(v));
      }
    }
    qs = sp.toString().replace(/%2C/gi, ',');
  }
  return `#${path}${qs ? `?${qs}` : ''}`;
}

let forced = false;

/**
 * Navigates; with replace the history entry is replaced and the listener called directly. force
 * skips the "leave with unsaved work?" question (the work is gone or saved already).
 */
export function navigate(target, { replace = false, force = false } = {}) {
  const hashTarget = target.startsWith('#') ? target : `#${target}`;
  forced = force;
  if (window.location.hash === hashTarget) {
    if (replace) forced = false;
    else window.dispatchEvent(new HashChangeEvent('hashchange'));
    return;
  }
  if (replace) {
    const url = new URL(window.location.href);
    url.hash = hashTarget;
    window.history.replaceState(window.history.state, '', url);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = hashTarget;
  }
}

/** Whether the navigation being handled was forced (read once). */
export function takeForced() {
  const f = forced;
  forced = false;
  return f;
}
