//! Ticket lists: `/tickets/`, `/my-tickets/`, `/assigned-tickets/`; keyset pages for every
//! ordering, filters, search, invalid parameters.

use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

fn rank(priority: &Value) -> u8 {
    match priority.as_str().unwrap() {
        "low" => 1,
        "medium" => 2,
        "high" => 3,
        "critical" => 4,
        other => panic!("priority {other}"),
    }
}

/// The ids of `tickets` in `ordering`, computed here from their fields (ties broken by id in
/// the same direction).
fn expected_order(tickets: &[Value], ordering: &str) -> Vec<String> {
    let descending = ordering.starts_with('-');
    let key = ordering.trim_start_matches('-');
    let mut sorted = tickets.to_vec();
    sorted.sort_by(|a, b| {
        let by_key = match key {
            "priority" => rank(&a["priority"]).cmp(&rank(&b["priority"])),
            field => a[field].as_str().unwrap().cmp(b[field].as_str().unwrap()),
        };
        let id = |t: &Value| t["id"].as_str().unwrap().to_owned();
        let o = by_key.then_with(|| id(a).cmp(&id(b)));
        if descending { o.reverse() } else { o }
    });
    sorted
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
}

async fn pages_for_every_ordering(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let priorities = [
        "low", "medium", "high", "critical", "medium", "low", "high", "medium",
    ];
    let mut created = Vec::new();
    for (i, priority) in priorities.iter().enumerate() {
        let token = if i % 3 == 2 {
            &dave.access
        } else {
            &carol.access
        };
        let res = app
            .post(
                "/api/v1/tickets/",
                Some(token),
                &json!({"topic": format!("Ticket {i}"), "description": "d", "priority": priority}),
            )
            .await;
        res.assert_status(201);
        created.push(res.body["id"].as_str().unwrap().to_owned());
    }
    // Touch some in another order, so updated_at differs from created_at.
    for i in [4, 0, 6] {
        app.message(&alice.access, &created[i], "ping", false).await;
    }

    let all = app
        .get(
            "/api/v1/tickets/?limit=200&ordering=created_at",
            Some(&alice.access),
        )
        .await;
    let tickets: Vec<Value> = all.body.as_array().unwrap().clone();
    assert_eq!(tickets.len(), 8);
    for ordering in [
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
        "priority",
        "-priority",
    ] {
        let expected = expected_order(&tickets, ordering);
        let one = app
            .get(
                &format!("/api/v1/tickets/?ordering={ordering}"),
                Some(&alice.access),
            )
            .await;
        assert_eq!(ids(&one.body), expected, "{ordering}");
        assert!(one.header("link").is_none());
        let pages = walk_pages(
            &app,
            &format!("/api/v1/tickets/?ordering={ordering}&limit=3"),
            &alice.access,
            8,
        )
        .await;
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            [3, 3, 2],
            "{ordering}"
        );
        assert_eq!(
            pages.concat(),
            expected,
            "{ordering}: pages overlap or leave gaps"
        );
    }
    // The default is -created_at; the link keeps the filters and replaces the cursor.
    let default = app
        .get(
            "/api/v1/tickets/?limit=2&priority=low,medium,high,critical",
            Some(&alice.access),
        )
        .await;
    assert_eq!(
        ids(&default.body),
        expected_order(&tickets, "-created_at")[..2].to_vec()
    );
    let link = default.header("link").unwrap();
    assert!(
        link.starts_with(
            "</api/v1/tickets/?limit=2&priority=low%2Cmedium%2Chigh%2Ccritical&cursor="
        ) && link.ends_with(">; rel=\"next\""),
        "{link}"
    );

    // Customers page through their own tickets only.
    let mine: Vec<Value> = tickets
        .iter()
        .filter(|t| t["user"]["id"] == carol.id.as_str())
        .cloned()
        .collect();
    assert_eq!(mine.len(), 6);
    for list in ["/api/v1/tickets/", "/api/v1/my-tickets/"] {
        let pages = walk_pages(
            &app,
            &format!("{list}?limit=4&ordering=-priority"),
            &carol.access,
            6,
        )
        .await;
        assert_eq!(pages.len(), 2);
        assert_eq!(pages.concat(), expected_order(&mine, "-priority"), "{list}");
    }

    // A cursor belongs to its ordering; a made-up one is refused.
    let page = app
        .get(
            "/api/v1/tickets/?ordering=priority&limit=1",
            Some(&alice.access),
        )
        .await;
    let link = page.header("link").unwrap().to_owned();
    let cursor = link
        .split("cursor=")
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap();
    for query in [
        format!("ordering=-priority&cursor={cursor}"),
        format!("cursor={cursor}"),
        "cursor=garbage".to_owned(),
        "cursor=MXwtY3JlYXRlZF9hdHx0MXx4".to_owned(),
    ] {
        let res = app
            .get(&format!("/api/v1/tickets/?{query}"), Some(&alice.access))
            .await;
        res.assert_problem(400, "validation_failed");
        assert!(
            res.body["errors"]["cursor"].is_array(),
            "{query}: {}",
            res.body
        );
    }
}

/// Asserts that the staff/customer list with `query` holds exactly `expected` (oldest first).
async fn check(app: &TestApp, token: &str, query: &str, expected: &[&String]) {
    let res = app
        .get(
            &format!("/api/v1/tickets/?ordering=created_at&{query}"),
            Some(token),
        )
        .await;
    res.assert_status(200);
    let expected: Vec<String> = expected.iter().map(|s| (*s).clone()).collect();
    assert_eq!(ids(&res.body), expected, "{query}");
    assert_eq!(
        res.header("x-total-count"),
        Some(expected.len().to_string().as_str()),
        "{query}"
    );
    assert_eq!(res.header("x-total-count-exact"), Some("true"), "{query}");
}

async fn filters_and_search(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let bob = app.staff("bob", Role::Agent).await;
    let mk = |token: String, topic: &'static str, priority: &'static str| {
        let app = &app;
        async move {
            let res = app
                .post(
                    "/api/v1/tickets/",
                    Some(&token),
                    &json!({"topic": topic, "description": format!("About {topic}"), "priority": priority}),
                )
                .await;
            res.assert_status(201);
            res.body["id"].as_str().unwrap().to_owned()
        }
    };
    let t1 = mk(carol.access.clone(), "Printer on fire", "high").await;
    let t2 = mk(carol.access.clone(), "VPN broken", "low").await;
    let t3 = mk(carol.access.clone(), "Printer jammed", "medium").await;
    let t4 = mk(dave.access.clone(), "Email bounces", "critical").await;
    app.patch_ticket(
        &alice.access,
        &t2,
        json!({"status": "in_progress", "assigned_to": alice.id}),
    )
    .await;
    app.patch_ticket(
        &alice.access,
        &t3,
        json!({"status": "resolved", "assigned_to": bob.id}),
    )
    .await;
    app.patch_ticket(&alice.access, &t4, json!({"status": "closed"}))
        .await;

    let staff = alice.access.as_str();
    check(&app, staff, "", &[&t1, &t2, &t3, &t4]).await;
    check(&app, staff, "status=open", &[&t1]).await;
    check(&app, staff, "status=open,in_progress", &[&t1, &t2]).await;
    check(&app, staff, "status=open&status=resolved", &[&t1, &t3]).await;
    check(&app, staff, "status=closed", &[&t4]).await;
    check(&app, staff, "status=", &[&t1, &t2, &t3, &t4]).await;
    check(&app, staff, "priority=high,critical", &[&t1, &t4]).await;
    check(&app, staff, "priority=low", &[&t2]).await;
    check(&app, staff, "assigned_to=me", &[&t2]).await;
    check(&app, staff, "assigned_to=none", &[&t1, &t4]).await;
    let by_bob = format!("assigned_to={}", bob.id);
    check(&app, staff, &by_bob, &[&t3]).await;
    check(&app, staff, "q=printer", &[&t1, &t3]).await;
    check(&app, staff, "q=PRINT+fire", &[&t1]).await;
    check(&app, staff, "q=jam", &[&t3]).await;
    check(&app, staff, "q=bounce", &[&t4]).await;
    check(&app, staff, "q=about%20vpn", &[&t2]).await;
    check(&app, staff, "q=fax", &[]).await;
    check(&app, staff, "q=printer&status=resolved,closed", &[&t3]).await;
    check(
        &app,
        staff,
        "q=printer&priority=high&assigned_to=none",
        &[&t1],
    )
    .await;
    // The conversation: public replies for everyone who sees the ticket, internal notes for
    // staff only.
    app.message(
        &carol.access,
        &t1,
        "The smoke detector went off twice",
        false,
    )
    .await;
    app.message(
        &alice.access,
        &t1,
        "Warranty voucher WX-77 sent to the vendor",
        true,
    )
    .await;
    app.message(
        &alice.access,
        &t2,
        "Try the smoke test of the client",
        false,
    )
    .await;
    check(&app, staff, "q=smoke", &[&t1, &t2]).await;
    check(&app, staff, "q=smoke+detector", &[&t1]).await;
    check(&app, staff, "q=printer+detect", &[&t1]).await;
    check(&app, staff, "q=warranty", &[&t1]).await;
    check(&app, staff, "q=wx+77", &[&t1]).await;
    // Customers: the same filters, over their own tickets.
    let own = carol.access.as_str();
    check(&app, own, "q=smoke", &[&t1, &t2]).await;
    check(&app, own, "q=warranty", &[]).await;
    check(&app, own, "q=printer+voucher", &[]).await;
    check(&app, dave.access.as_str(), "q=smoke", &[]).await;
    check(&app, own, "", &[&t1, &t2, &t3]).await;
    check(&app, own, "q=printer", &[&t1, &t3]).await;
    check(&app, own, "q=bounce", &[]).await;
    check(&app, own, "status=closed", &[]).await;
    check(&app, own, "assigned_to=none", &[&t1]).await;

    // Invalid values are 400 on the field, never an empty list.
    for (query, field) in [
        ("status=done", "status"),
        ("status=open,done", "status"),
        ("status=Open", "status"),
        ("priority=urgent", "priority"),
        ("assigned_to=bob", "assigned_to"),
        ("assigned_to=12", "assigned_to"),
        ("ordering=topic", "ordering"),
        ("ordering=-Priority", "ordering"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=-1", "limit"),
        ("limit=many", "limit"),
        ("q=%21%21%21", "q"),
    ] {
        for list in ["/api/v1/tickets/", "/api/v1/my-tickets/"] {
            let res = app
                .get(&format!("{list}?{query}"), Some(&carol.access))
                .await;
            res.assert_problem(400, "validation_failed");
            assert!(
                res.body["errors"][field].is_array(),
                "{query}: {}",
                res.body
            );
        }
        let res = app
            .get(
                &format!("/api/v1/assigned-tickets/?{query}"),
                Some(&alice.access),
            )
            .await;
        res.assert_problem(400, "validation_failed");
    }
    let long_q = format!("/api/v1/tickets/?q={}", "a".repeat(201));
    app.get(&long_q, Some(&alice.access))
        .await
        .assert_problem(400, "validation_failed");
    // Every error at once.
    let res = app
        .get(
            "/api/v1/tickets/?status=x&priority=y&ordering=z",
            Some(&alice.access),
        )
        .await;
    res.assert_problem(400, "validation_failed");
    assert_eq!(
        keys(&res.body["errors"]),
        sorted(&["ordering", "priority", "status"])
    );
    // Limits 1 and 200 are fine.
    for limit in [1, 200] {
        app.get(
            &format!("/api/v1/tickets/?limit={limit}"),
            Some(&alice.access),
        )
        .await
        .assert_status(200);
    }
}

async fn my_and_assigned_tickets(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let bob = app.staff("bob", Role::Admin).await;
    let c1 = app.ticket(&carol.access, "Carol's").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a1 = app.ticket(&alice.access, "Alice's").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c2 = app.ticket(&carol.access, "Carol's second").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch_ticket(&alice.access, &c1, json!({"assigned_to": alice.id}))
        .await;
    app.patch_ticket(&alice.access, &a1, json!({"assigned_to": bob.id}))
        .await;
    app.patch_ticket(
        &bob.access,
        &c2,
        json!({"assigned_to": alice.id, "status": "in_progress"}),
    )
    .await;

    let get_ids = |path: &'static str, token: String| {
        let app = &app;
        async move {
            let res = app.get(path, Some(&token)).await;
            res.assert_status(200);
            for t in res.body.as_array().unwrap() {
                assert_eq!(keys(t), sorted(TICKET_FIELDS));
            }
            let n = res.body.as_array().unwrap().len().to_string();
            assert_eq!(res.header("x-total-count"), Some(n.as_str()));
            ids(&res.body)
        }
    };
    assert_eq!(
        get_ids("/api/v1/my-tickets/", carol.access.clone()).await,
        [&c2, &c1].map(|s| s.clone())
    );
    assert_eq!(
        get_ids("/api/v1/my-tickets/", alice.access.clone()).await,
        vec![a1.clone()]
    );
    assert_eq!(
        get_ids("/api/v1/my-tickets/", bob.access.clone()).await,
        Vec::<String>::new()
    );
    assert_eq!(
        get_ids("/api/v1/assigned-tickets/", alice.access.clone()).await,
        [&c2, &c1].map(|s| s.clone())
    );
    assert_eq!(
        get_ids("/api/v1/assigned-tickets/", bob.access.clone()).await,
        vec![a1.clone()]
    );
    assert_eq!(
        get_ids(
            "/api/v1/assigned-tickets/?status=in_progress",
            alice.access.clone()
        )
        .await,
        vec![c2.clone()]
    );
    assert_eq!(
        get_ids("/api/v1/tickets/", carol.access.clone()).await,
        [&c2, &c1].map(|s| s.clone())
    );
    assert_eq!(
        get_ids("/api/v1/tickets/", bob.access.clone()).await,
        [&c2, &a1, &c1].map(|s| s.clone())
    );
    app.get("/api/v1/assigned-tickets/", Some(&carol.access))
        .await
        .assert_problem(403, "forbidden");
    for list in [
        "/api/v1/tickets/",
        "/api/v1/my-tickets/",
        "/api/v1/assigned-tickets/",
    ] {
        app.get(list, None)
            .await
            .assert_problem(401, "unauthenticated");
    }
}

async fn default_and_largest_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    for i in 0..52 {
        app.post(
            "/api/v1/tickets/",
            Some(&carol.access),
            &json!({"topic": format!("T{i}"), "description": "d"}),
        )
        .await
        .assert_status(201);
    }
    // 50 by default, then the rest.
    let pages = walk_pages(&app, "/api/v1/tickets/", &carol.access, 52).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 2]);
    let all = app
        .get("/api/v1/tickets/?limit=200", Some(&carol.access))
        .await;
    assert_eq!(all.body.as_array().unwrap().len(), 52);
    assert!(all.header("link").is_none());
    assert_eq!(ids(&all.body), pages.concat());
}

/// A search whose page fills within the walk (`8 × (limit + 1)` tickets) is not counted: its
/// `X-Total-Count` is a lower bound (`X-Total-Count-Exact: false`), and following the links still
/// reaches every match; a word the walk does not find often enough is counted exactly.
async fn searches_with_many_matches_are_not_counted(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    for i in 0..20 {
        let topic = if i == 3 {
            "Printer quasar".to_owned()
        } else {
            format!("Printer {i}")
        };
        let res = app
            .post(
                "/api/v1/tickets/",
                Some(&carol.access),
                &json!({"topic": topic, "description": "Out of toner", "priority": "low"}),
            )
            .await;
        res.assert_status(201);
    }
    let first = app
        .get("/api/v1/tickets/?q=printer&limit=1", Some(&alice.access))
        .await;
    first.assert_status(200);
    assert_eq!(first.header("x-total-count"), Some("2"));
    assert_eq!(first.header("x-total-count-exact"), Some("false"));
    let mut seen = ids(&first.body);
    let mut next = first.header("link").map(str::to_owned);
    while let Some(link) = next {
        let url = link.split(['<', '>']).nth(1).unwrap().to_owned();
        let path = &url[url.find("/api/").unwrap()..];
        let page = app.get(path, Some(&alice.access)).await;
        page.assert_status(200);
        seen.extend(ids(&page.body));
        next = page.header("link").map(str::to_owned);
    }
    assert_eq!(seen.len(), 20);
    let rare = app
        .get("/api/v1/tickets/?q=quasar&limit=1", Some(&alice.access))
        .await;
    assert_eq!(rare.header("x-total-count"), Some("1"));
    assert_eq!(rare.header("x-total-count-exact"), Some("true"));
    // A customer's own list: the same rule.
    let mine = app
        .get("/api/v1/tickets/?q=toner&limit=1", Some(&carol.access))
        .await;
    assert_eq!(mine.header("x-total-count-exact"), Some("false"));
}

backend_tests!(
    searches_with_many_matches_are_not_counted,
    default_and_largest_page,
    pages_for_every_ordering,
    filters_and_search,
    my_and_assigned_tickets
);
