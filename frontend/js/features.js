// What this server offers beyond the base API, read once from its own OpenAPI document
// (GET /api/schema/). Parts of the UI that need a newer API stay hidden until the server describes
// it, so the same frontend works before and after the server is upgraded.

const SCHEMA_URL = '/api/schema/';

/** Every feature off: the base API. */
const NONE = Object.freeze({
  bulk: false, // POST /api/v1/tickets/bulk/
  replyWithChanges: false, // POST /api/v1/tickets/{id}/messages/ takes status, priority, assigned_to
});

let current = NONE;
let loading = null;

/** The features found in an OpenAPI document. */
export function featuresOf(doc) {
  const paths = (doc && doc.paths) || {};
  const schemas = (doc && doc.components && doc.components.schemas) || {};
  const props = (name) => (schemas[name] && schemas[name].properties) || {};
  return Object.freeze({
    bulk: Boolean(paths['/api/v1/tickets/bulk/'] && paths['/api/v1/tickets/bulk/'].post),
    replyWithChanges: 'status' in props('MessageCreateRequest'),
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
