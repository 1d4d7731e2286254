//! The ticket lifecycle through the API: every move for staff, the customer's moves, closed is
//! final, a customer's reply reopens a resolved ticket.

use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

fn path(id: &Value) -> String {
    format!("/api/v1/tickets/{}/", id.as_str().unwrap())
}

const STATUSES: [&str; 4] = ["open", "in_progress", "resolved", "closed"];

fn display(status: &str) -> &'static str {
    match status {
        "open" => "Open",
        "in_progress" => "In Progress",
        "resolved" => "Resolved",
        _ => "Closed",
    }
}

async fn every_status_move(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    for from in STATUSES {
        for to in STATUSES {
            let t = app.ticket(&carol.access, &format!("{from} to {to}")).await;
            let id = t["id"].as_str().unwrap();
            let before = if from == "open" {
                t
            } else {
                app.patch_ticket(&alice.access, id, json!({ "status": from }))
                    .await
            };
            assert_eq!(before["status"], from);
            let res = app
                .patch(
                    &path(&before["id"]),
                    Some(&alice.access),
                    &json!({ "status": to }),
                )
                .await;
            let allowed = matches!(
                (from, to),
                ("open", "in_progress")
                    | ("open" | "in_progress", "resolved")
                    | ("open" | "in_progress" | "resolved", "closed")
                    | ("resolved", "open" | "in_progress")
            );
            if from == to {
                // Not a move: nothing changes (not even for a closed ticket).
                res.assert_status(200);
                assert_eq!(res.body["version"], before["version"], "{from} -> {to}");
                continue;
            }
            if !allowed {
                let code = if from == "closed" {
                    "ticket_closed"
                } else {
                    "conflict"
                };
                res.assert_problem(409, code);
                let now = app.get(&path(&before["id"]), Some(&alice.access)).await;
                assert_eq!(now.body["status"], from, "{from} -> {to}");
                assert_eq!(now.body["version"], before["version"]);
                continue;
            }
            res.assert_status(200);
            let after = &res.body;
            assert_eq!(after["status"], to, "{from} -> {to}");
            assert_eq!(after["status_display"], display(to));
            assert_eq!(
                after["version"].as_i64().unwrap(),
                before["version"].as_i64().unwrap() + 1
            );
            let action = match (from, to) {
                (_, "closed") => "closed",
                (_, "resolved") => "resolved",
                ("resolved", _) => "reopened",
                _ => "status_changed",
            };
            assert_eq!(
                actions(&after["activities"])[0],
                (
                    action.to_owned(),
                    format!("Status changed from {from} to {to}")
                ),
            );
            let display_action = match action {
                "closed" => "Closed",
                "resolved" => "Resolved",
                "reopened" => "Reopened",
                _ => "Status Changed",
            };
            assert_eq!(after["activities"][0]["action_display"], display_action);
            match to {
                "resolved" => {
                    assert_timestamp(&after["resolved_at"]);
                    assert_eq!(after["closed_at"], Value::Null);
                }
                "closed" => {
                    assert_timestamp(&after["closed_at"]);
                    // Kept when a resolved ticket is closed.
                    assert_eq!(after["resolved_at"], before["resolved_at"]);
                }
                _ => {
                    // Reopening clears resolved_at.
                    assert_eq!(after["resolved_at"], Value::Null);
                    assert_eq!(after["closed_at"], Value::Null);
                }
            }
        }
    }
}

async fn customer_moves(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let p = path(&t["id"]);

    let resolved = app
        .patch_ticket(&alice.access, id, json!({"status": "resolved"}))
        .await;
    assert_timestamp(&resolved["resolved_at"]);
    app.patch(&p, Some(&carol.access), &json!({"status": "in_progress"}))
        .await
        .assert_problem(403, "forbidden");
    let reopened = app
        .patch_ticket(&carol.access, id, json!({"status": "open"}))
        .await;
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["resolved_at"], Value::Null);
    assert_eq!(
        actions(&reopened["activities"])[0],
        (
            "reopened".to_owned(),
            "Status changed from resolved to open".to_owned()
        )
    );
    assert_user(
        &reopened["activities"][0]["performed_by"],
        &carol,
        "customer",
    );
    app.patch(&p, Some(&carol.access), &json!({"status": "resolved"}))
        .await
        .assert_problem(403, "forbidden");
    let closed = app
        .patch_ticket(&carol.access, id, json!({"status": "closed"}))
        .await;
    assert_eq!(closed["status"], "closed");
    // Closed is final, for the owner too.
    app.patch(&p, Some(&carol.access), &json!({"status": "open"}))
        .await
        .assert_problem(409, "ticket_closed");
}

async fn closed_is_final(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let p = path(&t["id"]);
    let upload = app
        .upload(
            &carol.access,
            id,
            "a.txt",
            "text/plain",
            b"abc".to_vec(),
            None,
        )
        .await;
    upload.assert_status(201);
    let aid = upload.body["id"].as_str().unwrap();
    let closed = app
        .patch_ticket(&alice.access, id, json!({"status": "closed"}))
        .await;
    let version = closed["version"].clone();

    for (token, body) in [
        (&carol.access, json!({"topic": "again"})),
        (&carol.access, json!({"description": "again"})),
        (&alice.access, json!({"status": "open"})),
        (&alice.access, json!({"status": "resolved"})),
        (&alice.access, json!({"priority": "high"})),
        (&alice.access, json!({"assigned_to": alice.id})),
    ] {
        app.patch(&p, Some(token), &body)
            .await
            .assert_problem(409, "ticket_closed");
    }
    for (token, internal) in [
        (&carol.access, false),
        (&alice.access, false),
        (&alice.access, true),
    ] {
        app.post(
            &format!("{p}messages/"),
            Some(token),
            &json!({"message": "hello?", "internal": internal}),
        )
        .await
        .assert_problem(409, "ticket_closed");
    }
    app.upload(
        &carol.access,
        id,
        "b.txt",
        "text/plain",
        b"b".to_vec(),
        None,
    )
    .await
    .assert_problem(409, "ticket_closed");
    app.delete(&format!("{p}attachments/{aid}/"), Some(&alice.access))
        .await
        .assert_problem(409, "ticket_closed");
    assert_eq!(app.stored_files().len(), 1);

    let now = app.get(&p, Some(&alice.access)).await;
    assert_eq!(now.body["version"], version);
    assert_eq!(now.body["status"], "closed");
    assert_eq!(now.body["messages"], json!([]));
    assert_eq!(now.body["attachments"].as_array().unwrap().len(), 1);
}

async fn customer_reply_reopens_resolved_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    app.patch_ticket(&alice.access, id, json!({"status": "resolved"}))
        .await;

    // A staff reply or note leaves it resolved.
    app.message(&alice.access, id, "Fixed, I think.", false)
        .await;
    app.message(&alice.access, id, "Rebooted the concentrator", true)
        .await;
    let d = app.get(&path(&t["id"]), Some(&carol.access)).await;
    assert_eq!(d.body["status"], "resolved");

    app.message(&carol.access, id, "Still broken!", false).await;
    let d = app.get(&path(&t["id"]), Some(&carol.access)).await;
    assert_eq!(d.body["status"], "open");
    assert_eq!(d.body["resolved_at"], Value::Null);
    assert_eq!(d.body["message_count"], 2);
    assert_eq!(
        actions(&d.body["activities"]),
        pairs(&[
            ("reopened", "Status changed from resolved to open"),
            ("message_added", "Message added"),
            ("message_added", "Message added"),
            ("resolved", "Status changed from open to resolved"),
            ("created", "Ticket created"),
        ])
    );
    let staff_view = app.get(&path(&t["id"]), Some(&alice.access)).await;
    assert_eq!(staff_view.body["message_count"], 3);
    assert_eq!(
        actions(&staff_view.body["activities"])[2],
        (
            "internal_note_added".to_owned(),
            "Internal note added".to_owned()
        )
    );
}

backend_tests!(
    every_status_move,
    customer_moves,
    closed_is_final,
    customer_reply_reopens_resolved_ticket,
);
