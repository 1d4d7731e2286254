// What this server offers beyond the base API, read once from its own OpenAPI document
// (GET /api/schema/). Parts of the UI that need a newer API stay hidden until the server describes
// it, so the same frontend works before and after the server is upgraded.

const SCHEMA_URL = '/api/schema/';

/** Every feature off: the base API. */
const NONE = Object.freeze({
  userSearch: false, // GET /api/v1/users/?q=
});

let current = NONE;
let loading = null;

/** The features found in an OpenAPI document. */
export function featuresOf(doc) {
  const paths = (doc && doc.paths) || {};
  const params = (path, method) => ((paths[path] && paths[path][method] && paths[path][method].parameters) || [])
    .map((p) => p && p.name);
  return Object.freeze({
    userSearch: params('/api/v1/users/', 'get').includes('q'),
  });
}

/** Loads the features once; never rejects (a missing document means the base API). */
export function loadFeatures() {
  if (!loading) {
    loading = (async () => {
      try {
        const res = await fetch(SCHEMA_URL, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
        if (res.ok) current = featuresOf(await res.json());
      } catch {
        current = NONE;
      }
      return current;
    })();
  }
  return loading;
}

/** The features known now (the base API until loadFeatures() resolved). */
export function features() {
  return current;
}
