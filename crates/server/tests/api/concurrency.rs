//! Fifty concurrent writers on one ticket: no lost update, exactly the expected `412`s with
//! `If-Match`, exactly one activity entry per applied change, and a right `message_count`.

use std::collections::BTreeSet;

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

/// How many entries of each action the log holds.
fn count(activities: &Value, action: &str) -> usize {
    activities
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == action)
        .count()
}

async fn patch_with(
    app: &TestApp,
    token: &str,
    id: &str,
    body: Value,
    if_match: Option<String>,
) -> Resp {
    let mut rb = app
        .request(
            Method::PATCH,
            &format!("/api/v1/tickets/{id}/"),
            Some(token),
        )
        .json(&body);
    if let Some(tag) = if_match {
        rb = rb.header("if-match", tag);
    }
    fetch(rb).await
}

async fn post_message(app: &TestApp, token: &str, id: &str, text: String, internal: bool) -> Resp {
    app.post(
        &format!("/api/v1/tickets/{id}/messages/"),
        Some(token),
        &json!({"message": text, "internal": internal}),
    )
    .await
}

async fn parallel_updates_and_messages(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "Race").await;
    let id = t["id"].as_str().unwrap().to_owned();

    // 25 topic edits (customer and staff), 15 public replies, 10 internal notes, all at once.
    let patches = (0..25).map(|i| {
        let token = if i % 2 == 0 {
            &carol.access
        } else {
            &alice.access
        };
        patch_with(
            &app,
            token,
            &id,
            json!({"topic": format!("Topic {i}")}),
            None,
        )
    });
    let messages = (0..25).map(|i| {
        let (token, internal) = if i < 15 {
            (&carol.access, false)
        } else {
            (&alice.access, true)
        };
        post_message(&app, token, &id, format!("Message {i}"), internal)
    });
    let (patched, posted) = tokio::join!(join_all(patches), join_all(messages));

    for r in &patched {
        r.assert_status(200);
    }
    for r in &posted {
        r.assert_status(201);
    }
    // Every applied change got its own version: no two writers built on the same one. Each
    // answer shows the version its caller sees (customers: the changes they can see), so the
    // customer's edits (even i) and the agent's (odd i) are compared among themselves.
    for parity in [0, 1] {
        let versions: BTreeSet<i64> = patched
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == parity)
            .map(|(_, r)| r.body["version"].as_i64().unwrap())
            .collect();
        assert_eq!(versions.len(), 13 - parity, "{versions:?}");
    }

    let staff = detail(&app, &alice.access, &id).await;
    let customer = detail(&app, &carol.access, &id).await;
    // 1 (created) + 25 edits + 25 messages, each one version step; customers do not see the
    // 10 internal notes.
    assert_eq!(staff["version"], 51);
    assert_eq!(customer["version"], 41);
    // The last applied edit is the one that stays: the highest version among the agent's
    // edits, when it is after every public change (the agent's answers show full versions).
    let last = patched
        .iter()
        .skip(1)
        .step_by(2)
        .max_by_key(|r| r.body["version"].as_i64().unwrap())
        .unwrap();
    if last.body["version"] == 51 {
        assert_eq!(staff["topic"], last.body["topic"]);
    }
    assert!(
        patched.iter().any(|r| r.body["topic"] == staff["topic"]),
        "{}",
        staff["topic"]
    );
    assert_eq!(customer["topic"], staff["topic"]);
    // One entry per applied change (51: one more than the detail embeds).
    assert_eq!(staff["activities"].as_array().unwrap().len(), 50);
    assert_eq!(staff["activities_more"], true);
    let log = &app
        .get(
            &format!("/api/v1/tickets/{id}/activities/?limit=200"),
            Some(&alice.access),
        )
        .await
        .body;
    assert_eq!(count(log, "created"), 1);
    assert_eq!(count(log, "updated"), 25);
    assert_eq!(count(log, "message_added"), 15);
    assert_eq!(count(log, "internal_note_added"), 10);
    assert_eq!(log.as_array().unwrap().len(), 51);
    // Customers see neither the notes nor their entries; the counts say the same.
    assert_eq!(count(&customer["activities"], "internal_note_added"), 0);
    assert_eq!(customer["activities"].as_array().unwrap().len(), 41);
    assert_eq!(customer["message_count"], 15);
    assert_eq!(customer["messages"].as_array().unwrap().len(), 15);
    assert_eq!(staff["message_count"], 25);
    assert_eq!(staff["messages"].as_array().unwrap().len(), 25);
    let listed = app.get("/api/v1/tickets/", Some(&carol.access)).await;
    assert_eq!(listed.body[0]["message_count"], 15);
    let listed = app.get("/api/v1/tickets/", Some(&alice.access)).await;
    assert_eq!(listed.body[0]["message_count"], 25);
}

async fn if_match_lets_exactly_one_writer_through(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "Race").await;
    let id = t["id"].as_str().unwrap().to_owned();

    // 50 writers read version 1 and all send If-Match "1": one wins, 49 get 412.
    let patches = (0..50).map(|i| {
        let token = if i % 2 == 0 {
            &carol.access
        } else {
            &alice.access
        };
        patch_with(
            &app,
            token,
            &id,
            json!({"topic": format!("Topic {i}")}),
            Some("\"1\"".into()),
        )
    });
    let results = join_all(patches).await;
    let ok: Vec<&Resp> = results.iter().filter(|r| r.status == 200).collect();
    let stale = results.iter().filter(|r| r.status == 412).count();
    assert_eq!(
        ok.len(),
        1,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(stale, 49);
    for r in results.iter().filter(|r| r.status == 412) {
        r.assert_problem(412, "precondition_failed");
    }
    let d = detail(&app, &alice.access, &id).await;
    assert_eq!(d["version"], 2);
    assert_eq!(d["topic"], ok[0].body["topic"]);
    assert_eq!(count(&d["activities"], "updated"), 1);

    // Writers with If-Match racing 25 replies (which move the version too): at most one edit is
    // applied, every other one is a 412, every reply lands, and the log matches exactly.
    let patches = (0..25).map(|i| {
        patch_with(
            &app,
            &alice.access,
            &id,
            json!({"description": format!("Description {i}")}),
            Some("\"2\"".into()),
        )
    });
    let messages =
        (0..25).map(|i| post_message(&app, &carol.access, &id, format!("Reply {i}"), false));
    let (patched, posted) = tokio::join!(join_all(patches), join_all(messages));
    let applied = patched.iter().filter(|r| r.status == 200).count();
    let refused = patched.iter().filter(|r| r.status == 412).count();
    assert!(
        applied <= 1,
        "{applied} edits built on version 2 were applied"
    );
    assert_eq!(
        applied + refused,
        25,
        "{:?}",
        patched.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in &posted {
        r.assert_status(201);
    }
    let d = detail(&app, &alice.access, &id).await;
    assert_eq!(d["version"].as_i64().unwrap(), 2 + applied as i64 + 25);
    assert_eq!(count(&d["activities"], "updated"), 1 + applied);
    assert_eq!(count(&d["activities"], "message_added"), 25);
    assert_eq!(d["message_count"], 25);
}

backend_tests!(
    parallel_updates_and_messages,
    if_match_lets_exactly_one_writer_through,
);
