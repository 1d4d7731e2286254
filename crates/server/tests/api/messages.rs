//! `/api/v1/tickets/{id}/messages/` and `/activities/`: replies, internal notes and who sees them.

use reqwest::Method;
use serde_json::json;
use ticketing_domain::Role;

use crate::api::helpers::*;

async fn messages_and_internal_notes(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let root = app.staff("root", Role::Admin).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let messages = format!("/api/v1/tickets/{id}/messages/");

    let res = app
        .post(
            &messages,
            Some(&carol.access),
            &json!({"message": "  It is down. "}),
        )
        .await;
    res.assert_status(201);
    let m1 = res.body.clone();
    assert_eq!(keys(&m1), sorted(MESSAGE_FIELDS));
    assert_eq!(m1["ticket"], id);
    assert_user(&m1["user"], &carol, "customer");
    assert_eq!(m1["message"], "It is down.");
    assert_eq!(m1["is_staff_message"], false);
    assert_eq!(m1["internal"], false);
    assert_eq!(m1["attachments"], json!([]));
    assert_timestamp(&m1["created_at"]);

    let m2 = app
        .message(&alice.access, id, "Looking into it", false)
        .await;
    assert_eq!(m2["is_staff_message"], true);
    assert_eq!(m2["internal"], false);
    assert_user(&m2["user"], &alice, "agent");
    let note = app
        .message(&alice.access, id, "Customer's VPN profile is stale", true)
        .await;
    assert_eq!(note["internal"], true);
    assert_eq!(note["is_staff_message"], true);

    // Customers may not write internal notes; another customer does not see the ticket.
    app.post(
        &messages,
        Some(&carol.access),
        &json!({"message": "psst", "internal": true}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(&messages, Some(&dave.access), &json!({"message": "hi"}))
        .await
        .assert_problem(404, "not_found");
    app.get(&messages, Some(&dave.access))
        .await
        .assert_problem(404, "not_found");
    app.get(&messages, None)
        .await
        .assert_problem(401, "unauthenticated");
    for body in [
        json!({"message": "   "}),
        json!({"message": "x".repeat(10_001)}),
        json!({"message": "hi", "user": alice.id}),
        json!({"text": "hi"}),
        json!({"message": "hi", "internal": "yes"}),
    ] {
        app.post(&messages, Some(&carol.access), &body)
            .await
            .assert_problem(400, "validation_failed");
    }
    let res = app
        .post(&messages, Some(&carol.access), &json!({"message": ""}))
        .await;
    assert_eq!(
        res.body["errors"],
        json!({"message": ["must not be blank"]})
    );

    // Oldest first; the note only for staff.
    let as_customer = app.get(&messages, Some(&carol.access)).await;
    as_customer.assert_status(200);
    assert_eq!(as_customer.body, json!([m1, m2]));
    let as_staff = app.get(&messages, Some(&alice.access)).await;
    assert_eq!(as_staff.body, json!([m1, m2, note]));
    let as_admin = app.get(&messages, Some(&root.access)).await;
    assert_eq!(as_admin.body, json!([m1, m2, note]));
    let head = fetch(app.request(Method::HEAD, &messages, Some(&carol.access))).await;
    head.assert_status(200);
    assert!(head.bytes.is_empty());

    // Detail, counts and lists agree.
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    assert_eq!(d.body["messages"], json!([m1, m2]));
    assert_eq!(d.body["message_count"], 2);
    // The customer's version counts the changes customers see: not the internal note.
    assert_eq!(d.body["version"], 3);
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&alice.access))
        .await;
    assert_eq!(d.body["messages"], json!([m1, m2, note]));
    assert_eq!(d.body["message_count"], 3);
    let list = app.get("/api/v1/tickets/", Some(&carol.access)).await;
    assert_eq!(list.body[0]["message_count"], 2);
    assert_eq!(keys(&list.body[0]), sorted(TICKET_FIELDS));
    let list = app.get("/api/v1/tickets/", Some(&alice.access)).await;
    assert_eq!(list.body[0]["message_count"], 3);
    let mine = app.get("/api/v1/my-tickets/", Some(&carol.access)).await;
    assert_eq!(mine.body[0]["message_count"], 2);

    // The activity log: the note's entry only for staff.
    let activities = format!("/api/v1/tickets/{id}/activities/");
    let log = app.get(&activities, Some(&carol.access)).await;
    log.assert_status(200);
    assert_eq!(
        actions(&log.body),
        pairs(&[
            ("message_added", "Message added"),
            ("message_added", "Message added"),
            ("created", "Ticket created"),
        ])
    );
    for entry in log.body.as_array().unwrap() {
        assert_eq!(keys(entry), sorted(ACTIVITY_FIELDS));
        assert_eq!(entry["ticket"], id);
        assert_timestamp(&entry["created_at"]);
    }
    assert_user(&log.body[0]["performed_by"], &alice, "agent");
    assert_eq!(log.body[0]["action_display"], "Message Added");
    let staff_log = app.get(&activities, Some(&alice.access)).await;
    assert_eq!(
        actions(&staff_log.body),
        pairs(&[
            ("internal_note_added", "Internal note added"),
            ("message_added", "Message added"),
            ("message_added", "Message added"),
            ("created", "Ticket created"),
        ])
    );
    assert_eq!(staff_log.body[0]["action_display"], "Internal Note Added");
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    assert_eq!(d.body["activities"], log.body);
    app.get(&activities, Some(&dave.access))
        .await
        .assert_problem(404, "not_found");
    app.get(&activities, None)
        .await
        .assert_problem(401, "unauthenticated");
}

backend_tests!(messages_and_internal_notes);
