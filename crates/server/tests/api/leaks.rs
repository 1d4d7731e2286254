//! Issue 13, defects 5, 6 and 8: what customers must not observe of staff-only changes, crafted
//! cursors, and files attached to other people's messages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ticketing_domain::Role;

use crate::api::helpers::*;

/// Defect 8: a customer may not attach a file to an agent's message (403, nothing stored); the
/// author and staff may, and the attachment names who uploaded it.
async fn attaching_to_another_persons_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let agent = app.staff("agent1", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let reply = app
        .message(&agent.access, id, "Please try this", false)
        .await;
    let reply_id = reply["id"].as_str().unwrap();

    let res = app
        .upload(
            &carol.access,
            id,
            "official-fix.exe",
            "application/octet-stream",
            b"MZ".to_vec(),
            Some(reply_id),
        )
        .await;
    res.assert_problem(403, "forbidden");
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    let detail = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    detail.assert_status(200);
    assert_eq!(detail.body["attachments"], serde_json::json!([]));
    assert_eq!(
        detail.body["messages"][0]["attachments"],
        serde_json::json!([])
    );

    // The author attaches to their own message; staff to anyone's.
    let own = app
        .message(&carol.access, id, "Here is the log", false)
        .await;
    let own_id = own["id"].as_str().unwrap();
    let res = app
        .upload(
            &carol.access,
            id,
            "log.txt",
            "text/plain",
            b"log".to_vec(),
            Some(own_id),
        )
        .await;
    res.assert_status(201);
    assert_eq!(res.body["uploaded_by"]["id"], carol.id.as_str());
    assert_eq!(res.body["uploaded_by"]["username"], "carol");
    app.upload(
        &agent.access,
        id,
        "fix.txt",
        "text/plain",
        b"fix".to_vec(),
        Some(own_id),
    )
    .await
    .assert_status(201);
    app.upload(
        &agent.access,
        id,
        "fix2.txt",
        "text/plain",
        b"fix".to_vec(),
        Some(reply_id),
    )
    .await
    .assert_status(201);
}

/// Defect 6: cursors hold values with the rules of the values they stand for. A ticket cursor
/// with a time no ticket can have (outside years 1..=9999; PostgreSQL refuses years before
/// 4713 BC) and a user cursor whose username key holds NUL answer 400, not 500.
async fn crafted_cursors_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let admin = app.staff("admin1", Role::Admin).await;
    app.ticket(&carol.access, "VPN").await;
    let id = uuid::Uuid::now_v7().simple().to_string();
    let encode = |plain: String| URL_SAFE_NO_PAD.encode(plain);

    for ordering in ["-created_at", "updated_at"] {
        for micros in [
            "-8000000000000000000",
            "253402300800000000",
            "-62135596800000001",
        ] {
            let cursor = encode(format!("1|{ordering}|t{micros}|{id}"));
            for list in ["my-tickets", "tickets"] {
                let res = app
                    .get(
                        &format!("/api/v1/{list}/?ordering={ordering}&cursor={cursor}"),
                        Some(&carol.access),
                    )
                    .await;
                res.assert_problem(400, "validation_failed");
                assert!(res.body["errors"]["cursor"].is_array(), "{}", res.text());
            }
        }
        // The extremes of the allowed range are fine.
        for micros in ["-62135596800000000", "253402300799999999"] {
            let cursor = encode(format!("1|{ordering}|t{micros}|{id}"));
            app.get(
                &format!("/api/v1/my-tickets/?ordering={ordering}&cursor={cursor}"),
                Some(&carol.access),
            )
            .await
            .assert_status(200);
        }
    }

    for key in ["a\0b", "\0", "carol\u{7}", "", "with space"] {
        let cursor = encode(format!("u1|{id}|{key}"));
        let res = app
            .get(
                &format!("/api/v1/users/?cursor={cursor}"),
                Some(&admin.access),
            )
            .await;
        res.assert_problem(400, "validation_failed");
        assert!(res.body["errors"]["cursor"].is_array(), "{}", res.text());
    }
    // A cursor the server made still works.
    let cursor = encode(format!("u1|{id}|carol"));
    app.get(
        &format!("/api/v1/users/?cursor={cursor}"),
        Some(&admin.access),
    )
    .await
    .assert_status(200);
}

/// What the customer observes of a ticket: ETag, version, updated_at.
async fn seen(app: &TestApp, token: &str, id: &str) -> (String, i64, String) {
    let res = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(token))
        .await;
    res.assert_status(200);
    (
        res.header("etag").unwrap().to_owned(),
        res.body["version"].as_i64().unwrap(),
        res.body["updated_at"].as_str().unwrap().to_owned(),
    )
}

/// The topics of a list, in order, following every `next` link.
async fn topics(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(path) = next.take() {
        let res = app.get(&path, Some(token)).await;
        res.assert_status(200);
        for t in res.body.as_array().unwrap() {
            out.push(t["topic"].as_str().unwrap().to_owned());
        }
        next = res.header("link").and_then(|l| {
            l.strip_prefix('<')
                .and_then(|l| l.split_once('>'))
                .map(|(u, _)| u.to_owned())
        });
    }
    out
}

/// Defect 5: staff-only changes (an internal note, a file attached to it) change nothing a
/// customer observes: ETag, version, updated_at, If-Match, ordering by updated_at. Staff keep
/// optimistic concurrency on every change.
async fn internal_notes_are_invisible_to_customers(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let agent = app.staff("agent1", Role::Agent).await;
    let older = app.ticket(&carol.access, "Older").await;
    let id = older["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.ticket(&carol.access, "Newer").await;
    let before = seen(&app, &carol.access, &id).await;
    assert_eq!(before.0, "\"1\"");
    let by_update = "/api/v1/my-tickets/?ordering=-updated_at&limit=1";
    let all_by_update = "/api/v1/tickets/?ordering=-updated_at&limit=1";
    assert_eq!(
        topics(&app, &carol.access, by_update).await,
        ["Newer", "Older"]
    );

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let note = app.message(&agent.access, &id, "Known outage", true).await;
    app.upload(
        &agent.access,
        &id,
        "trace.txt",
        "text/plain",
        b"trace".to_vec(),
        Some(note["id"].as_str().unwrap()),
    )
    .await
    .assert_status(201);

    // The customer sees nothing move.
    assert_eq!(seen(&app, &carol.access, &id).await, before);
    assert_eq!(
        topics(&app, &carol.access, by_update).await,
        ["Newer", "Older"]
    );
    assert_eq!(
        topics(&app, &carol.access, all_by_update).await,
        ["Newer", "Older"]
    );
    let listed = app.get("/api/v1/my-tickets/", Some(&carol.access)).await;
    let card = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(card["version"], before.1);
    assert_eq!(card["updated_at"], before.2.as_str());
    assert_eq!(card["message_count"], 0);
    // Staff see every change, and their list order follows it.
    let staff = seen(&app, &agent.access, &id).await;
    assert_eq!(staff.0, "\"3\"");
    assert_ne!(staff.2, before.2);
    assert_eq!(
        topics(&app, &agent.access, all_by_update).await,
        ["Older", "Newer"]
    );

    // The customer's old ETag still matches; the answer shows the customer's next version.
    let path = format!("/api/v1/tickets/{id}/");
    let res = fetch(
        app.request(reqwest::Method::PATCH, &path, Some(&carol.access))
            .header("if-match", before.0.as_str())
            .json(&serde_json::json!({"topic": "Older, edited"})),
    )
    .await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(res.body["version"], 2);
    // Staff keep optimistic concurrency on the full version.
    let res = fetch(
        app.request(reqwest::Method::PATCH, &path, Some(&agent.access))
            .header("if-match", staff.0.as_str())
            .json(&serde_json::json!({"priority": "high"})),
    )
    .await;
    res.assert_problem(412, "precondition_failed");
    assert!(
        res.body["detail"].as_str().unwrap().contains("version 4"),
        "{}",
        res.text()
    );
    // A stale customer ETag names the customer's version in the 412.
    let res = fetch(
        app.request(reqwest::Method::PATCH, &path, Some(&carol.access))
            .header("if-match", before.0.as_str())
            .json(&serde_json::json!({"topic": "Older, again"})),
    )
    .await;
    res.assert_problem(412, "precondition_failed");
    assert!(
        res.body["detail"]
            .as_str()
            .unwrap()
            .contains("version 2, not 1"),
        "{}",
        res.text()
    );
    // A public reply is a change the customer sees.
    app.message(&agent.access, &id, "Fixed now", false).await;
    let after = seen(&app, &carol.access, &id).await;
    assert_eq!(after.0, "\"3\"");
    assert_eq!(
        topics(&app, &carol.access, by_update).await,
        ["Older, edited", "Newer"]
    );
}

backend_tests!(
    attaching_to_another_persons_message,
    crafted_cursors_are_refused,
    internal_notes_are_invisible_to_customers
);
