// The staff (agents and admins) for assignment pickers and for names in the activity log; loaded
// once per page load, all pages.

import { API, getPage, query } from './api.js';
import { displayName } from './dom.js';

let cache = null;
let loaded = [];

/** Active agents and admins, sorted by name. Rejects when the list cannot be loaded. */
export function loadStaff() {
  if (!cache) {
    cache = (async () => {
      const users = [];
      for (const role of ['agent', 'admin']) {
        let url = `${API}/users/${query({ role, limit: 200 })}`;
        for (let i = 0; url && i < 10; i += 1) {
          const page = await getPage(url);
          users.push(...page.items);
          url = page.next;
        }
      }
      loaded = users.filter((u) => u.is_active !== false)
        .sort((a, b) => displayName(a).localeCompare(displayName(b)));
      return loaded;
    })();
    cache.catch(() => { cache = null; });
  }
  return cache;
}

/** The staff loaded so far (empty before loadStaff() resolved). */
export function staffCache() {
  return loaded;
}
