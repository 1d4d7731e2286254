//! `/api/v1/tickets/{id}/`: create, show, update by role, If-Match, delete, the lifecycle.

use reqwest::Method;
use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

fn path(id: &Value) -> String {
    format!("/api/v1/tickets/{}/", id.as_str().unwrap())
}

async fn create_and_show(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let root = app.staff("root", Role::Admin).await;

    let res = app
        .post(
            "/api/v1/tickets/",
            Some(&carol.access),
            &json!({"topic": "  Printer on fire ", "description": " It smokes.\nHelp! "}),
        )
        .await;
    res.assert_status(201);
    let t = &res.body;
    let id = t["id"].as_str().unwrap();
    // Ids are time-ordered UUIDs (v7).
    assert_eq!(id.parse::<uuid::Uuid>().unwrap().get_version_num(), 7);
    assert_eq!(
        t["activities"][0]["id"]
            .as_str()
            .unwrap()
            .parse::<uuid::Uuid>()
            .unwrap()
            .get_version_num(),
        7
    );
    assert_eq!(
        res.header("location"),
        Some(format!("/api/v1/tickets/{id}/").as_str())
    );
    assert_eq!(res.header("etag"), Some("\"1\""));
    assert_eq!(keys(t), detail_fields());
    assert_user(&t["user"], &carol, "customer");
    assert_eq!(t["assigned_to"], Value::Null);
    assert_eq!(t["topic"], "Printer on fire");
    assert_eq!(t["description"], "It smokes.\nHelp!");
    assert_eq!(t["status"], "open");
    assert_eq!(t["status_display"], "Open");
    assert_eq!(t["priority"], "medium");
    assert_eq!(t["priority_display"], "Medium");
    assert_timestamp(&t["created_at"]);
    assert_eq!(t["updated_at"], t["created_at"]);
    assert_eq!(t["resolved_at"], Value::Null);
    assert_eq!(t["closed_at"], Value::Null);
    assert_eq!(t["message_count"], 0);
    assert_eq!(t["version"], 1);
    assert_eq!(t["messages"], json!([]));
    assert_eq!(t["attachments"], json!([]));
    let activities = t["activities"].as_array().unwrap();
    assert_eq!(activities.len(), 1);
    let created = &activities[0];
    assert_eq!(keys(created), sorted(ACTIVITY_FIELDS));
    assert_eq!(created["ticket"], id);
    assert_eq!(created["action"], "created");
    assert_eq!(created["action_display"], "Created");
    assert_eq!(created["details"], "Ticket created");
    assert_user(&created["performed_by"], &carol, "customer");
    assert_eq!(created["created_at"], t["created_at"]);

    // Visible to the owner and to staff; another customer gets 404, never 403.
    for token in [&carol.access, &alice.access, &root.access] {
        let res = app.get(&path(&t["id"]), Some(token)).await;
        res.assert_status(200);
        assert_eq!(res.header("etag"), Some("\"1\""));
        let (mut seen, mut created) = (res.body.clone(), t.clone());
        // What each caller may do differs (see `allowed_actions_follow_the_policy`).
        seen.as_object_mut().unwrap().remove("allowed");
        created.as_object_mut().unwrap().remove("allowed");
        assert_eq!(seen, created);
    }
    app.get(&path(&t["id"]), Some(&dave.access))
        .await
        .assert_problem(404, "not_found");
    app.get(&path(&t["id"]), None)
        .await
        .assert_problem(401, "unauthenticated");
    let unknown = format!("/api/v1/tickets/{}/", uuid::Uuid::now_v7());
    app.get(&unknown, Some(&alice.access))
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/tickets/42/", Some(&alice.access))
        .await
        .assert_problem(404, "not_found");
    let head = fetch(app.request(Method::HEAD, &path(&t["id"]), Some(&carol.access))).await;
    head.assert_status(200);
    assert_eq!(head.header("etag"), Some("\"1\""));
    assert!(head.bytes.is_empty());

    // Staff may open tickets too, with a priority.
    let res = app
        .post(
            "/api/v1/tickets/",
            Some(&alice.access),
            &json!({"topic": "Server down", "description": "All of it", "priority": "critical"}),
        )
        .await;
    res.assert_status(201);
    assert_eq!(res.body["priority"], "critical");
    assert_eq!(res.body["priority_display"], "Critical");
    assert_user(&res.body["user"], &alice, "agent");
}

async fn create_validation(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let cases = [
        (
            json!({"topic": "   ", "description": "ok", "priority": "urgent"}),
            json!({
                "topic": ["must not be blank"],
                "priority": ["must be one of low, medium, high, critical"],
            }),
        ),
        (
            json!({"topic": "x".repeat(256), "description": "d".repeat(10_001)}),
            json!({
                "topic": ["must be at most 255 characters"],
                "description": ["must be at most 10000 characters"],
            }),
        ),
        (
            json!({"topic": "a\u{0}b", "description": ""}),
            json!({
                "topic": ["must not contain control characters"],
                "description": ["must not be blank"],
            }),
        ),
        // The API takes the exact wire names its OpenAPI document lists (the domain's lenient
        // parsing of labels such as "High" is for people, not for the API contract).
        (
            json!({"topic": "t", "description": "d", "priority": "High"}),
            json!({"priority": ["must be one of low, medium, high, critical"]}),
        ),
        (
            json!({"topic": "t", "description": "d", "priority": " high"}),
            json!({"priority": ["must be one of low, medium, high, critical"]}),
        ),
    ];
    for (body, errors) in cases {
        let res = app
            .post("/api/v1/tickets/", Some(&carol.access), &body)
            .await;
        res.assert_problem(400, "validation_failed");
        assert_eq!(res.body["errors"], errors);
    }
    // Limits are inclusive and counted in characters.
    let res = app
        .post(
            "/api/v1/tickets/",
            Some(&carol.access),
            &json!({"topic": "é".repeat(255), "description": "ü".repeat(10_000)}),
        )
        .await;
    res.assert_status(201);
    for body in [
        json!({"topic": "t", "description": "d", "status": "closed"}),
        json!({"topic": "t", "description": "d", "user": carol.id}),
        json!({"topic": "t"}),
        json!({"topic": 1, "description": "d"}),
        json!(["topic", "description"]),
    ] {
        app.post("/api/v1/tickets/", Some(&carol.access), &body)
            .await
            .assert_problem(400, "validation_failed");
    }
    app.post(
        "/api/v1/tickets/",
        None,
        &json!({"topic": "t", "description": "d"}),
    )
    .await
    .assert_problem(401, "unauthenticated");
    let list = app.get("/api/v1/tickets/", Some(&carol.access)).await;
    assert_eq!(list.header("x-total-count"), Some("1"));
}

async fn customer_edits_own_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let p = path(&t["id"]);

    let res = app
        .patch(&p, Some(&carol.access), &json!({"topic": "VPN down"}))
        .await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(keys(&res.body), detail_fields());
    assert_eq!(res.body["topic"], "VPN down");
    assert_eq!(res.body["version"], 2);
    let res = app
        .patch(
            &p,
            Some(&carol.access),
            &json!({"description": "Since Monday"}),
        )
        .await;
    assert_eq!(res.body["description"], "Since Monday");
    let res = app
        .send_json(
            Method::PUT,
            &p,
            Some(&carol.access),
            &json!({"topic": "VPN is down", "description": "Since Tuesday"}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some("\"4\""));
    assert_eq!(
        actions(&res.body["activities"]),
        pairs(&[
            ("updated", "Topic and description updated"),
            ("updated", "Description updated"),
            ("updated", "Topic updated"),
            ("created", "Ticket created"),
        ])
    );
    // Sending the current values back changes nothing (and needs no permission).
    let res = app
        .patch(
            &p,
            Some(&carol.access),
            &json!({"topic": "VPN is down", "priority": "medium", "status": "open", "assigned_to": null}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.body["version"], 4);
    assert_eq!(res.header("etag"), Some("\"4\""));

    // Staff decisions are 403 for the owner; the other customer does not see the ticket.
    for body in [
        json!({"priority": "high"}),
        json!({"assigned_to": alice.id}),
        json!({"status": "in_progress"}),
        json!({"status": "resolved"}),
    ] {
        app.patch(&p, Some(&carol.access), &body)
            .await
            .assert_problem(403, "forbidden");
    }
    app.patch(&p, Some(&dave.access), &json!({"topic": "mine now"}))
        .await
        .assert_problem(404, "not_found");
    app.delete(&p, Some(&dave.access))
        .await
        .assert_problem(404, "not_found");
    for body in [
        json!({"topic": ""}),
        json!({"status": "done"}),
        json!({"status": "Closed"}),
        json!({"status": "In Progress"}),
        json!({"priority": "urgent"}),
        json!({"version": 9}),
        json!({"assigned_to": "alice"}),
    ] {
        app.patch(&p, Some(&carol.access), &body)
            .await
            .assert_problem(400, "validation_failed");
    }
    let res = app.get(&p, Some(&carol.access)).await;
    assert_eq!(res.body["version"], 4);

    // The owner may close; `in_progress -> open` is not a move the lifecycle allows.
    app.patch_ticket(
        &alice.access,
        t["id"].as_str().unwrap(),
        json!({"status": "in_progress"}),
    )
    .await;
    let res = app
        .patch(&p, Some(&carol.access), &json!({"status": "open"}))
        .await;
    res.assert_problem(409, "conflict");
    let res = app
        .patch(&p, Some(&carol.access), &json!({"status": "closed"}))
        .await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "closed");
    assert_eq!(res.body["status_display"], "Closed");
    assert_timestamp(&res.body["closed_at"]);
    assert_eq!(
        actions(&res.body["activities"])[0],
        (
            "closed".to_owned(),
            "Status changed from in_progress to closed".to_owned()
        )
    );
}

async fn staff_changes_and_assignment(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let bob = app.staff("bob", Role::Agent).await;
    let root = app.staff("root", Role::Admin).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let p = path(&t["id"]);

    let res = app
        .patch(
            &p,
            Some(&alice.access),
            &json!({"priority": "critical", "assigned_to": bob.id}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.body["priority"], "critical");
    assert_eq!(res.body["priority_display"], "Critical");
    assert_user(&res.body["assigned_to"], &bob, "agent");
    assert_eq!(res.body["version"], 2);
    let d = app
        .patch_ticket(&root.access, id, json!({"assigned_to": root.id}))
        .await;
    assert_user(&d["assigned_to"], &root, "admin");
    let d = app
        .patch_ticket(&alice.access, id, json!({"assigned_to": null}))
        .await;
    assert_eq!(d["assigned_to"], Value::Null);
    let d = app
        .patch_ticket(
            &alice.access,
            id,
            json!({"topic": "VPN down", "status": "in_progress", "priority": "low", "assigned_to": alice.id}),
        )
        .await;
    assert_eq!(actions(&d["activities"]).len(), 9);
    let log = actions(&d["activities"]);
    // Entries of one change share a time; the newest change comes first.
    let last_change: Vec<_> = log[..4].to_vec();
    let mut expected_last = pairs(&[
        ("updated", "Topic updated"),
        ("status_changed", "Status changed from open to in_progress"),
        ("priority_changed", "Priority changed from critical to low"),
        ("assigned_to_changed", "Ticket assigned to alice"),
    ]);
    expected_last.reverse();
    assert_eq!(last_change, expected_last);
    assert_eq!(
        log[4..].to_vec(),
        pairs(&[
            ("assigned_to_changed", "Ticket unassigned"),
            ("assigned_to_changed", "Ticket assigned to root"),
            ("assigned_to_changed", "Ticket assigned to bob"),
            (
                "priority_changed",
                "Priority changed from medium to critical"
            ),
            ("created", "Ticket created"),
        ])
    );
    assert_eq!(d["version"], 5);

    // Only active staff can be assigned.
    let cases = [
        json!({"assigned_to": carol.id}),
        json!({"assigned_to": uuid::Uuid::now_v7().to_string()}),
    ];
    for body in cases {
        let res = app.patch(&p, Some(&alice.access), &body).await;
        res.assert_problem(400, "validation_failed");
        assert!(res.body["errors"]["assigned_to"].is_array(), "{}", res.body);
    }
    app.patch(
        &format!("/api/v1/users/{}/", bob.id),
        Some(&root.access),
        &json!({"is_active": false}),
    )
    .await
    .assert_status(200);
    let res = app
        .patch(&p, Some(&alice.access), &json!({"assigned_to": bob.id}))
        .await;
    res.assert_problem(400, "validation_failed");
    assert_eq!(
        res.body["errors"],
        json!({"assigned_to": ["the assignee's account is deactivated"]})
    );
    let res = app.get(&p, Some(&alice.access)).await;
    assert_eq!(res.body["version"], 5);
}

async fn if_match_is_honoured(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let t = app.ticket(&carol.access, "VPN").await;
    let p = path(&t["id"]);
    // Visibility first: a stale If-Match on somebody else's ticket is still a 404.
    fetch(
        app.request(Method::PATCH, &p, Some(&dave.access))
            .header("if-match", "\"7\"")
            .json(&json!({"topic": "x"})),
    )
    .await
    .assert_problem(404, "not_found");
    let patch = |if_match: &str, topic: &str| {
        app.request(Method::PATCH, &p, Some(&carol.access))
            .header("if-match", if_match)
            .json(&json!({ "topic": topic }))
    };

    let res = fetch(patch("\"1\"", "one")).await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some("\"2\""));
    // Stale, garbage or foreign ETags: 412, nothing changes.
    for stale in ["\"1\"", "\"3\"", "garbage", "\"abc\""] {
        fetch(patch(stale, "two"))
            .await
            .assert_problem(412, "precondition_failed");
    }
    let res = app.get(&p, Some(&carol.access)).await;
    assert_eq!(res.body["topic"], "one");
    assert_eq!(res.body["version"], 2);
    // Weak and list forms of the current version, and `*`, pass.
    let res = fetch(patch("W/\"2\"", "two")).await;
    res.assert_status(200);
    let res = fetch(patch("\"3\", \"9\"", "three")).await;
    res.assert_status(200);
    let res = fetch(patch("*", "four")).await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some("\"5\""));
    assert_eq!(res.body["topic"], "four");
}

async fn delete_is_for_staff(backend: Backend) {
    let sqlite = matches!(backend, Backend::Sqlite);
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let root = app.staff("root", Role::Admin).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let p = path(&t["id"]);

    app.delete(&p, Some(&carol.access))
        .await
        .assert_problem(403, "forbidden");
    app.delete(&p, Some(&dave.access))
        .await
        .assert_problem(404, "not_found");
    app.delete(&p, None)
        .await
        .assert_problem(401, "unauthenticated");
    let res = app.delete(&p, Some(&alice.access)).await;
    res.assert_status(204);
    assert!(res.bytes.is_empty());
    for token in [&carol.access, &alice.access] {
        app.get(&p, Some(token))
            .await
            .assert_problem(404, "not_found");
        for sub in ["messages/", "attachments/", "activities/"] {
            app.get(&format!("{p}{sub}"), Some(token))
                .await
                .assert_problem(404, "not_found");
        }
        let list = app.get("/api/v1/tickets/", Some(token)).await;
        assert_eq!(list.body, json!([]));
        assert_eq!(list.header("x-total-count"), Some("0"));
    }
    app.delete(&p, Some(&alice.access))
        .await
        .assert_problem(404, "not_found");
    app.patch(&p, Some(&alice.access), &json!({"topic": "x"}))
        .await
        .assert_problem(404, "not_found");
    if sqlite {
        // A soft delete: the log survives, ending with the deletion (read from the store, since
        // the API no longer shows the ticket to anyone).
        use ticketing_app::ports::ActivityRepository;
        let store = ticketing_store::sqlite::SqliteStore::open(
            &app.data_dir().join("ticketing.db"),
            ticketing_store::sqlite::SqliteOptions::default(),
        )
        .unwrap();
        let ticket =
            ticketing_domain::TicketId::from_uuid(t["id"].as_str().unwrap().parse().unwrap());
        let newest = ticketing_domain::listing::TimelineQuery::newest_first(Default::default());
        let log = store.list(ticket, true, &newest).await.unwrap();
        let log: Vec<(String, String)> = log
            .items
            .iter()
            .map(|e| (e.action.as_str().to_owned(), e.details.clone()))
            .collect();
        assert_eq!(
            log,
            pairs(&[("deleted", "Ticket deleted"), ("created", "Ticket created")])
        );
    }

    // A closed ticket may be deleted too.
    let t = app.ticket(&carol.access, "Old").await;
    app.patch_ticket(
        &carol.access,
        t["id"].as_str().unwrap(),
        json!({"status": "closed"}),
    )
    .await;
    app.delete(&path(&t["id"]), Some(&root.access))
        .await
        .assert_status(204);
    app.get(&path(&t["id"]), Some(&root.access))
        .await
        .assert_problem(404, "not_found");
}

/// The detail's `allowed` is the domain's `policy::allowed` for the caller, and every control it
/// offers is a change the server accepts (and one it withholds is refused).
async fn allowed_actions_follow_the_policy(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app
        .post(
            "/api/v1/tickets/",
            Some(&carol.access),
            &json!({"topic": "VPN down", "description": "Since this morning"}),
        )
        .await;
    t.assert_status(201);
    let id = &t.body["id"];
    let all = |edit, reply, note, transitions: &[&str], staff: bool, attach| {
        json!({
            "edit": edit, "reply": reply, "internal_note": note, "transitions": transitions,
            "set_priority": staff, "assign": staff, "delete": staff && note, "attach": attach,
        })
    };
    // The owner: edit, reply, attach, close; no staff controls.
    assert_eq!(
        t.body["allowed"],
        all(true, true, false, &["closed"], false, true)
    );
    let res = app.get(&path(id), Some(&alice.access)).await;
    res.assert_status(200);
    assert_eq!(
        res.body["allowed"],
        all(
            true,
            true,
            true,
            &["in_progress", "resolved", "closed"],
            true,
            true
        )
    );
    // A control withheld is refused: the customer may not move the ticket to in_progress.
    app.patch(
        &path(id),
        Some(&carol.access),
        &json!({"status": "in_progress"}),
    )
    .await
    .assert_status(403);
    // Closed: only deleting is left (for staff); the owner may do nothing at all.
    let res = app
        .patch(&path(id), Some(&alice.access), &json!({"status": "closed"}))
        .await;
    res.assert_status(200);
    let closed = json!({
        "edit": false, "reply": false, "internal_note": false, "transitions": [],
        "set_priority": false, "assign": false, "delete": true, "attach": false,
    });
    assert_eq!(res.body["allowed"], closed);
    let res = app.get(&path(id), Some(&carol.access)).await;
    let mut nothing = closed.clone();
    nothing["delete"] = json!(false);
    assert_eq!(res.body["allowed"], nothing);
    app.post(
        &format!("{}messages/", path(id)),
        Some(&carol.access),
        &json!({"message": "hello?"}),
    )
    .await
    .assert_status(409);
}

async fn staff_open_tickets_for_customers(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let erin = app.register("erin").await;
    let alice = app.staff("alice", Role::Agent).await;
    let root = app.staff("root", Role::Admin).await;
    let body = |requester: &str| json!({"topic": "Printer jam", "description": "Called at 9", "requester": requester});

    // The agent opens a ticket for carol: hers, opened by alice.
    let res = app
        .post("/api/v1/tickets/", Some(&alice.access), &body(&carol.id))
        .await;
    res.assert_status(201);
    let id = res.body["id"].as_str().unwrap().to_owned();
    assert_eq!(res.body["user"]["id"], carol.id.as_str());
    let created = &res.body["activities"][0];
    assert_eq!(created["action"], "created");
    assert_eq!(created["performed_by"]["id"], alice.id.as_str());
    assert_eq!(created["details"], "Ticket created for carol");
    // Carol sees it as hers, with who opened it; dave does not see it.
    let mine = app.get("/api/v1/my-tickets/", Some(&carol.access)).await;
    assert_eq!(ids(&mine.body), std::slice::from_ref(&id));
    let shown = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    shown.assert_status(200);
    assert_eq!(
        shown.body["activities"][0]["performed_by"]["id"],
        alice.id.as_str()
    );
    app.get(&format!("/api/v1/tickets/{id}/"), Some(&dave.access))
        .await
        .assert_problem(404, "not_found");

    // Customers may only name themselves.
    app.post("/api/v1/tickets/", Some(&carol.access), &body(&dave.id))
        .await
        .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/tickets/",
        Some(&carol.access),
        &body(&uuid::Uuid::nil().to_string()),
    )
    .await
    .assert_problem(403, "forbidden");
    let own = app
        .post("/api/v1/tickets/", Some(&carol.access), &body(&carol.id))
        .await;
    own.assert_status(201);
    assert_eq!(own.body["activities"][0]["details"], "Ticket created");

    // The requester must be an active user; a bad id is a field error.
    app.patch(
        &format!("/api/v1/users/{}/", erin.id),
        Some(&root.access),
        &json!({"is_active": false}),
    )
    .await
    .assert_status(200);
    for requester in [
        uuid::Uuid::nil().to_string(),
        erin.id.clone(),
        "nobody".to_owned(),
    ] {
        let res = app
            .post("/api/v1/tickets/", Some(&alice.access), &body(&requester))
            .await;
        res.assert_problem(400, "validation_failed");
        assert!(res.body["errors"]["requester"].is_array(), "{}", res.body);
    }

    // The requester's tickets, for the staff's "other tickets of this requester".
    app.post("/api/v1/tickets/", Some(&root.access), &body(&dave.id))
        .await
        .assert_status(201);
    let list = |path: String, token: String| {
        let app = &app;
        async move {
            let res = app.get(&path, Some(&token)).await;
            res.assert_status(200);
            let total: usize = res.header("x-total-count").unwrap().parse().unwrap();
            assert_eq!(total, ids(&res.body).len(), "{path}");
            ids(&res.body)
        }
    };
    let carols = list(
        format!("/api/v1/tickets/?requester={}", carol.id),
        alice.access.clone(),
    )
    .await;
    assert_eq!(
        carols,
        [own.body["id"].as_str().unwrap().to_owned(), id.clone()]
    );
    let daves = list(
        format!("/api/v1/tickets/?requester={}&status=open", dave.id),
        alice.access.clone(),
    )
    .await;
    assert_eq!(daves.len(), 1);
    assert_eq!(
        list(
            "/api/v1/tickets/?requester=me".to_owned(),
            carol.access.clone()
        )
        .await
        .len(),
        2
    );
    // A customer's list stays theirs whatever the filter says.
    assert!(
        list(
            format!("/api/v1/tickets/?requester={}", dave.id),
            carol.access.clone()
        )
        .await
        .is_empty()
    );
    let res = app
        .get("/api/v1/tickets/?requester=nobody", Some(&alice.access))
        .await;
    res.assert_problem(400, "validation_failed");
    assert!(res.body["errors"]["requester"].is_array());
}

/// Activity entries carry what they changed as values, with display names, besides their
/// sentence: the field, and `from` and `to` (`value` and `display`).
async fn activity_entries_carry_their_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let bob = app.staff("bob", Role::Agent).await;
    for (user, first, last) in [
        (&alice, "Alex", "Rivera"),
        (&bob, "Bo", ""),
        (&carol, "", ""),
    ] {
        app.patch(
            "/api/v1/users/profile/",
            Some(&user.access),
            &json!({"first_name": first, "last_name": last}),
        )
        .await
        .assert_status(200);
    }
    let t = app.ticket(&carol.access, "Printer").await;
    let id = t["id"].as_str().unwrap();
    app.patch_ticket(
        &alice.access,
        id,
        json!({"status": "in_progress", "priority": "high", "assigned_to": bob.id}),
    )
    .await;
    app.patch_ticket(&alice.access, id, json!({"assigned_to": alice.id}))
        .await;
    app.message(&carol.access, id, "Any news?", false).await;
    app.patch_ticket(
        &alice.access,
        id,
        json!({"assigned_to": null, "status": "resolved"}),
    )
    .await;
    let opened_for = app
        .post(
            "/api/v1/tickets/",
            Some(&alice.access),
            &json!({"topic": "Phone", "description": "By phone", "requester": carol.id}),
        )
        .await;
    opened_for.assert_status(201);

    let value = |v: &str, d: &str| json!({"value": v, "display": d});
    let log = app
        .get(
            &format!("/api/v1/tickets/{id}/activities/?ordering=created_at"),
            Some(&carol.access),
        )
        .await;
    log.assert_status(200);
    let got: Vec<Value> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(keys(e), sorted(ACTIVITY_FIELDS));
            json!([
                e["action"],
                e["performed_by"]["display_name"],
                e["field"],
                e["from"],
                e["to"]
            ])
        })
        .collect();
    assert_eq!(
        got,
        [
            json!(["created", "carol", null, null, null]),
            json!([
                "status_changed",
                "Alex Rivera",
                "status",
                value("open", "Open"),
                value("in_progress", "In Progress")
            ]),
            json!([
                "priority_changed",
                "Alex Rivera",
                "priority",
                value("medium", "Medium"),
                value("high", "High")
            ]),
            json!([
                "assigned_to_changed",
                "Alex Rivera",
                "assigned_to",
                null,
                value(&bob.id, "Bo")
            ]),
            json!([
                "assigned_to_changed",
                "Alex Rivera",
                "assigned_to",
                value(&bob.id, "Bo"),
                value(&alice.id, "Alex Rivera")
            ]),
            json!(["message_added", "carol", null, null, null]),
            json!([
                "resolved",
                "Alex Rivera",
                "status",
                value("in_progress", "In Progress"),
                value("resolved", "Resolved")
            ]),
            json!([
                "assigned_to_changed",
                "Alex Rivera",
                "assigned_to",
                value(&alice.id, "Alex Rivera"),
                null
            ]),
        ]
    );
    // The ticket detail embeds the same entries; the ticket opened for carol says so.
    let detail = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&alice.access))
        .await;
    assert_eq!(detail.body["activities"][0]["field"], "assigned_to");
    assert_eq!(detail.body["activities"][0]["to"], Value::Null);
    let created = &opened_for.body["activities"][0];
    assert_eq!(created["performed_by"]["display_name"], "Alex Rivera");
    assert_eq!(created["field"], "requester");
    assert_eq!(created["from"], Value::Null);
    assert_eq!(created["to"], value(&carol.id, "carol"));
}

backend_tests!(
    activity_entries_carry_their_changes,
    staff_open_tickets_for_customers,
    allowed_actions_follow_the_policy,
    create_and_show,
    create_validation,
    customer_edits_own_ticket,
    staff_changes_and_assignment,
    if_match_is_honoured,
    delete_is_for_staff,
);
