//! `POST /api/v1/tickets/bulk/`: the same change for several tickets, each on its own.

use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

const BULK: &str = "/api/v1/tickets/bulk/";

/// The actions of a ticket's log, newest first, as `token` sees them.
async fn actions(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(token))
        .await;
    res.assert_status(200);
    res.body["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].clone())
        .collect()
}

async fn staff_change_several_tickets_each_on_its_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let bob = app.staff("bob", Role::Agent).await;
    let mut ids = Vec::new();
    for (who, topic) in [
        (&carol, "VPN"),
        (&dave, "Printer"),
        (&carol, "Mail"),
        (&dave, "Wiki"),
    ] {
        ids.push(
            app.ticket(&who.access, topic).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let (vpn, printer, mail, wiki) = (&ids[0], &ids[1], &ids[2], &ids[3]);
    app.patch_ticket(&alice.access, printer, json!({"status": "closed"}))
        .await;
    app.patch_ticket(&alice.access, mail, json!({"status": "in_progress"}))
        .await;
    app.delete(&format!("/api/v1/tickets/{wiki}/"), Some(&alice.access))
        .await
        .assert_status(204);
    let unknown = "00000000-0000-4000-8000-00000000abcd";

    let res = app
        .post(
            BULK,
            Some(&bob.access),
            &json!({"ids": [mail, printer, unknown, vpn, wiki],
                    "changes": {"status": "resolved", "priority": "high", "assigned_to": bob.id}}),
        )
        .await;
    res.assert_status(200);
    let results = res.body.as_array().unwrap();
    let order: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(order, [mail.as_str(), printer, unknown, vpn, wiki]);
    for (r, id) in [(&results[0], mail), (&results[3], vpn)] {
        assert_eq!(keys(r), ["id", "ticket"]);
        let t = &r["ticket"];
        assert_eq!(t["id"], id.as_str());
        assert_eq!(t["status"], "resolved");
        assert_eq!(t["priority"], "high");
        assert_eq!(t["assigned_to"]["id"], bob.id.as_str());
        assert!(t["messages"].is_null(), "the list shape, not the detail");
        let detail = app
            .get(&format!("/api/v1/tickets/{id}/"), Some(&bob.access))
            .await;
        assert_eq!(detail.body["version"], t["version"]);
        assert_eq!(detail.body["status"], "resolved");
    }
    let problem = |r: &Value, status: u64, code: &str| {
        assert_eq!(keys(r), ["id", "problem"], "{r}");
        assert_eq!(r["problem"]["status"], status, "{r}");
        assert_eq!(r["problem"]["code"], code, "{r}");
        assert_eq!(
            r["problem"]["type"],
            format!("urn:ticketing:problem:{code}")
        );
        assert!(r["problem"]["title"].is_string() && r["problem"]["detail"].is_string());
    };
    problem(&results[1], 409, "ticket_closed");
    problem(&results[2], 404, "not_found");
    problem(&results[4], 404, "not_found");

    // Each changed ticket has its own entries; the closed one has none.
    assert_eq!(
        actions(&app, &bob.access, mail).await,
        json!([
            "assigned_to_changed",
            "priority_changed",
            "resolved",
            "status_changed",
            "created"
        ])
    );
    assert_eq!(
        actions(&app, &bob.access, vpn).await,
        json!([
            "assigned_to_changed",
            "priority_changed",
            "resolved",
            "created"
        ])
    );
    assert_eq!(
        actions(&app, &bob.access, printer).await,
        json!(["closed", "created"])
    );

    // A move the lifecycle does not allow is that ticket's 409; the others still change.
    let res = app
        .post(
            BULK,
            Some(&alice.access),
            &json!({"ids": [vpn, mail], "changes": {"status": "in_progress"}}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.body[0]["ticket"]["status"], "in_progress");
    assert_eq!(res.body[1]["ticket"]["status"], "in_progress");
    let res = app
        .post(
            BULK,
            Some(&alice.access),
            &json!({"ids": [vpn, mail], "changes": {"status": "open", "assigned_to": null}}),
        )
        .await;
    res.assert_status(200);
    problem(&res.body[0], 409, "conflict");
    assert_eq!(
        res.body[0]["problem"]["errors"]["status"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    problem(&res.body[1], 409, "conflict");

    // An assignee who is not staff is each ticket's 400, as PATCH answers it.
    let res = app
        .post(
            BULK,
            Some(&alice.access),
            &json!({"ids": [vpn], "changes": {"assigned_to": carol.id}}),
        )
        .await;
    res.assert_status(200);
    problem(&res.body[0], 400, "validation_failed");
    assert!(res.body[0]["problem"]["errors"]["assigned_to"].is_array());
}

/// Requests refused as a whole change nothing.
async fn bulk_requests_are_bounded_and_staff_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let resolve = json!({"status": "resolved"});
    let version = async || {
        app.get(&format!("/api/v1/tickets/{id}/"), Some(&alice.access))
            .await
            .body["version"]
            .clone()
    };
    let before = version().await;

    // Customers may not, even on their own tickets; nobody without a token.
    app.post(
        BULK,
        Some(&carol.access),
        &json!({"ids": [id], "changes": {"status": "closed"}}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(BULK, None, &json!({"ids": [id], "changes": resolve}))
        .await
        .assert_problem(401, "unauthenticated");

    let many: Vec<String> = std::iter::once(id.to_owned())
        .chain((1..=200).map(|n| format!("00000000-0000-4000-8000-{n:012x}")))
        .collect();
    let cases = [
        (json!({"ids": many, "changes": resolve}), "ids"),
        (json!({"ids": [], "changes": resolve}), "ids"),
        (json!({"ids": [id, id], "changes": resolve}), "ids"),
        (json!({"ids": [id], "changes": {}}), "changes"),
        (
            json!({"ids": [id], "changes": {"status": "done"}}),
            "status",
        ),
        (json!({"ids": [id], "changes": {"status": null}}), ""),
        (json!({"ids": [id], "changes": {"topic": "New"}}), ""),
        (json!({"ids": [id]}), ""),
        (json!({"ids": ["nope"], "changes": resolve}), ""),
        (json!({"ids": [id], "changes": resolve, "force": true}), ""),
    ];
    for (body, field) in cases {
        let res = app.post(BULK, Some(&alice.access), &body).await;
        res.assert_problem(400, "validation_failed");
        if !field.is_empty() {
            assert!(
                res.body["errors"][field].is_array(),
                "{body}: {}",
                res.text()
            );
        }
        assert_eq!(version().await, before, "{body}");
    }

    // Exactly 200 are taken (here: one ticket and 199 unknown ids).
    let res = app
        .post(
            BULK,
            Some(&alice.access),
            &json!({"ids": &many[..200], "changes": resolve}),
        )
        .await;
    res.assert_status(200);
    let results = res.body.as_array().unwrap();
    assert_eq!(results.len(), 200);
    assert_eq!(results[0]["ticket"]["status"], "resolved");
    assert!(results[1..].iter().all(|r| r["problem"]["status"] == 404));

    // Only POST is served.
    let res = app.get(BULK, Some(&alice.access)).await;
    res.assert_problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("POST"));
}

/// A bulk request counts as one write of the per-user write limit, whatever its size.
async fn a_bulk_request_is_one_write(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.writes_per_minute = 2).await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&alice.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let many: Vec<String> = std::iter::once(id.to_owned())
        .chain((1..100).map(|n| format!("00000000-0000-4000-8000-{n:012x}")))
        .collect();
    let body = json!({"ids": many, "changes": {"priority": "low"}});
    // The ticket was the first write, this the second...
    app.post(BULK, Some(&alice.access), &body)
        .await
        .assert_status(200);
    // ...and the third is one too many.
    let res = app.post(BULK, Some(&alice.access), &body).await;
    res.assert_problem(429, "rate_limited");
    assert!(res.header("retry-after").is_some());
}

backend_tests!(
    staff_change_several_tickets_each_on_its_own,
    bulk_requests_are_bounded_and_staff_only,
    a_bulk_request_is_one_write,
);
