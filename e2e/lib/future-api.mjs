// Stand-ins, in the browser's network layer, for server API parts that issue 15 adds later (user
// search). They let the tests drive the UI's use of those parts now; each goes away when the
// server has the real part (then the same tests run against it).

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
