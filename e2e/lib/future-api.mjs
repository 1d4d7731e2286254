// Stand-ins, in the browser's network layer, for server API parts that issue 15 adds later (ticket
// numbers, who spoke last, bulk changes). They let the tests drive the UI's use of those parts
// now; each goes away when the server has the real part (then the same tests run against it).

/** Adds fields to every ticket of the ticket list answers: fields(ticket, index) -> object. */
export async function extendTicketLists(page, fields) {
  await page.route(/\/api\/v1\/tickets\/(\?.*)?$/, async (route) => {
    if (route.request().method() !== 'GET') {
      await route.continue();
      return;
    }
    try {
      const res = await route.fetch();
      const body = await res.json();
      await route.fulfill({ response: res, json: body.map((t, i) => ({ ...t, ...fields(t, i) })) });
    } catch (err) {
      // A list still loading when its page closes (the ticket view's "other tickets" panel).
      if (!/disposed|closed/i.test(String(err && err.message))) throw err;
    }
  });
}

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
