// Stand-ins, in the browser's network layer, for server API parts that issue 15 adds later (bulk
// changes, user search). They let the tests drive the UI's use of those parts now; each goes away
// when the server has the real part (then the same tests run against it).

/**
 * Advertises POST /api/v1/tickets/bulk/ in /api/schema/ and answers it the way the issue
 * specifies: each ticket changed on its own (here: a real PATCH with the caller's token), 200 with
 * [{ id, ticket } | { id, problem }]. Every request body is pushed onto calls.
 */
export async function bulkStandIn(page, server, calls) {
  await page.route('**/api/schema/', async (route) => {
    const res = await route.fetch();
    const doc = await res.json();
    doc.paths['/api/v1/tickets/bulk/'] = { post: { summary: 'Change several tickets (test stand-in)' } };
    await route.fulfill({ response: res, json: doc });
  });
  await page.route('**/api/v1/tickets/bulk/', async (route) => {
    const req = route.request();
    const body = req.postDataJSON();
    calls.push(body);
    const results = [];
    for (const id of body.ids) {
      const r = await fetch(`${server.url}/api/v1/tickets/${id}/`, {
        method: 'PATCH',
        headers: { Authorization: req.headers().authorization, 'Content-Type': 'application/json', Accept: 'application/json', Origin: server.url },
        body: JSON.stringify(body.changes),
      });
      const json = await r.json().catch(() => ({}));
      results.push(r.ok ? { id, ticket: json } : { id, problem: { status: r.status, ...json } });
    }
    await route.fulfill({ status: 200, json: results });
  });
}

/**
 * Advertises `q` on GET /api/v1/users/ in /api/schema/ and answers searches by filtering the real
 * list (name, username or email containing every word), with X-Total-Count.
 */
export async function userSearchStandIn(page) {
  await page.route('**/api/schema/', async (route) => {
    const res = await route.fetch();
    const doc = await res.json();
    doc.paths['/api/v1/users/'].get.parameters.push({ name: 'q', in: 'query', required: false, schema: { type: 'string' } });
    await route.fulfill({ response: res, json: doc });
  });
  await page.route(/\/api\/v1\/users\/\?.*\bq=/, async (route) => {
    const url = new URL(route.request().url());
    const words = (url.searchParams.get('q') || '').toLowerCase().split(/\s+/).filter(Boolean);
    url.searchParams.delete('q');
    url.searchParams.set('limit', '200');
    const res = await route.fetch({ url: url.toString() });
    const users = (await res.json()).filter((u) => {
      const hay = `${u.first_name} ${u.last_name} ${u.username} ${u.email}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    });
    await route.fulfill({ status: 200, headers: { 'content-type': 'application/json', 'x-total-count': String(users.length) }, body: JSON.stringify(users) });
  });
}
