// What this server offers beyond the base API, read once from its own OpenAPI document
// (GET /api/schema/). Parts of the UI that need a newer API stay hidden until the server describes
// it, so the same frontend works before and after the server is upgraded.

const SCHEMA_URL = '/api/schema/';

/** Every feature off: the base API. (None at the moment: the UI needs nothing the server lacks.) */
const NONE = Object.freeze({});

let current = NONE;
let loading = null;

/**
 * The features found in an OpenAPI document: a key per optional part, true when `doc` describes
 * it (e.g. `userSearch: params('/api/v1/users/', 'get').includes('q')` until the user search was
 * in every server).
 */
export function featuresOf(doc) {
  return doc && doc.paths ? Object.freeze({ ...NONE }) : NONE;
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
