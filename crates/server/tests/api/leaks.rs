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

backend_tests!(
    attaching_to_another_persons_message,
    crafted_cursors_are_refused
);
