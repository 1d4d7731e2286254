//! `POST /api/v1/tickets/{id}/messages/` with `status`, `priority` and `assigned_to`: the
//! message and the changes are stored together, or nothing is.

use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

/// What a ticket holds, as its owner or staff sees it: version, status, priority, assignee,
/// message count, the messages' texts and the log's actions (newest first).
async fn state(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(token))
        .await;
    res.assert_status(200);
    let t = &res.body;
    json!({
        "version": t["version"],
        "status": t["status"],
        "priority": t["priority"],
        "assigned_to": t["assigned_to"]["id"],
        "message_count": t["message_count"],
        "messages": t["messages"].as_array().unwrap().iter().map(|m| m["message"].clone()).collect::<Vec<_>>(),
        "actions": t["activities"].as_array().unwrap().iter().map(|a| a["action"].clone()).collect::<Vec<_>>(),
    })
}

async fn a_reply_carries_status_priority_and_assignee(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let messages = format!("/api/v1/tickets/{id}/messages/");
    let before = state(&app, &alice.access, id).await;

    let res = app
        .post(
            &messages,
            Some(&alice.access),
            &json!({"message": "Fixed: restart the client", "status": "resolved",
                    "priority": "high", "assigned_to": alice.id}),
        )
        .await;
    res.assert_status(201);
    assert_eq!(res.body["message"], "Fixed: restart the client");

    let after = state(&app, &alice.access, id).await;
    // One change: one new version for the message and its three changes.
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    assert_eq!(after["status"], "resolved");
    assert_eq!(after["priority"], "high");
    assert_eq!(after["assigned_to"], alice.id.as_str());
    assert_eq!(after["message_count"], 1);
    assert_eq!(after["messages"], json!(["Fixed: restart the client"]));
    assert_eq!(
        after["actions"],
        json!([
            "assigned_to_changed",
            "priority_changed",
            "resolved",
            "message_added",
            "created"
        ])
    );
    // The customer sees it all too (nothing of it was internal).
    let theirs = state(&app, &carol.access, id).await;
    assert_eq!(theirs["status"], "resolved");
    assert_eq!(theirs["actions"], after["actions"]);

    // The owner answers and closes their resolved ticket: closed, never reopened first.
    app.post(
        &messages,
        Some(&carol.access),
        &json!({"message": "Works, thanks", "status": "closed"}),
    )
    .await
    .assert_status(201);
    let closed = state(&app, &carol.access, id).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        closed["actions"].as_array().unwrap()[..2],
        [json!("closed"), json!("message_added")]
    );
}

async fn an_internal_note_with_a_status_shows_customers_only_the_status(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();

    app.post(
        &format!("/api/v1/tickets/{id}/messages/"),
        Some(&alice.access),
        &json!({"message": "Checking the VPN logs", "internal": true, "status": "in_progress"}),
    )
    .await
    .assert_status(201);

    let staff = state(&app, &alice.access, id).await;
    assert_eq!(
        staff["actions"],
        json!(["status_changed", "internal_note_added", "created"])
    );
    let theirs = state(&app, &carol.access, id).await;
    assert_eq!(theirs["status"], "in_progress");
    assert_eq!(theirs["messages"], json!([]));
    assert_eq!(theirs["actions"], json!(["status_changed", "created"]));
}

/// Every refused part refuses the whole request: no message, no entry, the same version.
async fn a_refused_change_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let gone = app.staff("gone", Role::Agent).await;
    app.app
        .operator_update_user(
            ticketing_domain::UserId::from_uuid(gone.id.parse().unwrap()),
            ticketing_app::UserUpdate {
                role: None,
                is_active: Some(false),
            },
        )
        .await
        .unwrap();
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    app.patch_ticket(&alice.access, id, json!({"status": "in_progress"}))
        .await;
    let messages = format!("/api/v1/tickets/{id}/messages/");
    let before = state(&app, &alice.access, id).await;

    let nobody = "00000000-0000-4000-8000-000000000001";
    // (who, the changes sent with a message, status, code)
    let cases: Vec<(&TestUser, Value, u16, &str)> = vec![
        // The lifecycle: in progress never goes back to open.
        (&alice, json!({"status": "open"}), 409, "conflict"),
        // Only active staff are assigned.
        (
            &alice,
            json!({"assigned_to": dave.id}),
            400,
            "validation_failed",
        ),
        (
            &alice,
            json!({"assigned_to": gone.id}),
            400,
            "validation_failed",
        ),
        (
            &alice,
            json!({"status": "resolved", "assigned_to": nobody}),
            400,
            "validation_failed",
        ),
        // Customers may only close (or reopen a resolved ticket).
        (&carol, json!({"status": "resolved"}), 403, "forbidden"),
        (&carol, json!({"priority": "critical"}), 403, "forbidden"),
        (&carol, json!({"assigned_to": alice.id}), 403, "forbidden"),
        (&dave, json!({"status": "closed"}), 404, "not_found"),
        // Bad values are 400 before anything is looked at.
        (&alice, json!({"status": "done"}), 400, "validation_failed"),
        (&alice, json!({"status": null}), 400, "validation_failed"),
        (
            &alice,
            json!({"priority": "urgent"}),
            400,
            "validation_failed",
        ),
        (
            &alice,
            json!({"assigned_to": "not-a-uuid"}),
            400,
            "validation_failed",
        ),
        (
            &alice,
            json!({"topic": "New subject"}),
            400,
            "validation_failed",
        ),
    ];
    for (who, changes, status, code) in cases {
        let mut body = json!({"message": "Should not be stored"});
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = app.post(&messages, Some(&who.access), &body).await;
        res.assert_problem(status, code);
        if status == 400
            && changes
                .get("assigned_to")
                .is_some_and(|a| a != "not-a-uuid")
        {
            assert!(
                res.body["errors"]["assigned_to"].is_array(),
                "{body}: {}",
                res.text()
            );
        }
        assert_eq!(state(&app, &alice.access, id).await, before, "{body}");
    }

    // A closed ticket takes neither a message nor a change.
    app.patch_ticket(&alice.access, id, json!({"status": "closed"}))
        .await;
    let closed = state(&app, &alice.access, id).await;
    app.post(
        &messages,
        Some(&alice.access),
        &json!({"message": "Reopening", "status": "open"}),
    )
    .await
    .assert_problem(409, "ticket_closed");
    assert_eq!(state(&app, &alice.access, id).await, closed);

    // The document names the new fields (the web UI looks for `status` there).
    let doc = app.get("/api/schema/", None).await;
    let props = &doc.body["components"]["schemas"]["MessageCreateRequest"]["properties"];
    for field in ["status", "priority", "assigned_to"] {
        assert!(props[field].is_object(), "{field}");
    }
}

backend_tests!(
    a_reply_carries_status_priority_and_assignee,
    an_internal_note_with_a_status_shows_customers_only_the_status,
    a_refused_change_stores_nothing,
);
