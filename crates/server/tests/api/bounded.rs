//! Bounded responses and writes (issue 13, defect 4): the ticket detail embeds the latest 50
//! messages, attachments and activity entries and links to the rest; the messages and
//! activities lists page like the ticket lists; writes are limited per user; uploads count
//! against a per-user storage quota.

use serde_json::json;
use ticketing_server::settings::ByteSize;

use crate::api::helpers::*;

#[track_caller]
fn retry_after(res: &Resp) -> u64 {
    res.header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds")
}

async fn writes_are_rate_limited_per_user(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.writes_per_minute = 3).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    // A ticket, a message and an upload: three writes...
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    app.message(&carol.access, id, "hello", false).await;
    app.upload(
        &carol.access,
        id,
        "a.txt",
        "text/plain",
        b"a".to_vec(),
        None,
    )
    .await
    .assert_status(201);
    // ...then every kind of write answers 429 with Retry-After.
    let res = app
        .post(
            &format!("/api/v1/tickets/{id}/messages/"),
            Some(&carol.access),
            &json!({"message": "again"}),
        )
        .await;
    res.assert_problem(429, "rate_limited");
    let secs = retry_after(&res);
    assert!((1..=60).contains(&secs), "Retry-After {secs}");
    let res = app
        .post(
            "/api/v1/tickets/",
            Some(&carol.access),
            &json!({"topic": "More", "description": "More"}),
        )
        .await;
    res.assert_problem(429, "rate_limited");
    assert!((1..=60).contains(&retry_after(&res)));
    let res = app
        .upload(
            &carol.access,
            id,
            "b.txt",
            "text/plain",
            b"b".to_vec(),
            None,
        )
        .await;
    res.assert_problem(429, "rate_limited");
    assert!((1..=60).contains(&retry_after(&res)));
    assert_eq!(app.stored_files().len(), 1);
    // Nothing was written; reads are not limited.
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    d.assert_status(200);
    assert_eq!(d.body["message_count"], 1);
    assert_eq!(d.body["attachments"].as_array().unwrap().len(), 1);
    // Another user has their own budget.
    app.ticket(&dave.access, "Printer").await;
}

async fn upload_quota_answers_413_and_stores_nothing(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.attachments.upload_quota = ByteSize(1000)).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let first = app
        .upload(&carol.access, id, "a.bin", "text/plain", vec![1; 600], None)
        .await;
    first.assert_status(201);
    // 600 + 500 > 1000: refused while streaming, nothing kept.
    let res = app
        .upload(&carol.access, id, "b.bin", "text/plain", vec![2; 500], None)
        .await;
    res.assert_problem(413, "payload_too_large");
    let detail = res.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("600") && detail.contains("1000") && detail.contains("quota"),
        "{detail}"
    );
    assert_eq!(app.stored_files().len(), 1, "{:?}", app.stored_files());
    // Up to the quota exactly is fine.
    app.upload(&carol.access, id, "c.bin", "text/plain", vec![3; 400], None)
        .await
        .assert_status(201);
    // A full quota refuses at once.
    let res = app
        .upload(&carol.access, id, "d.bin", "text/plain", vec![4], None)
        .await;
    res.assert_problem(413, "payload_too_large");
    let detail = res.body["detail"].as_str().unwrap();
    assert!(detail.contains("1000"), "{detail}");
    assert_eq!(app.stored_files().len(), 2);
    let list = app
        .get(
            &format!("/api/v1/tickets/{id}/attachments/"),
            Some(&carol.access),
        )
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    assert_eq!(d.body["version"], 3);
    // Another user has their own quota; removing a file frees it.
    let other = app.ticket(&dave.access, "Printer").await;
    app.upload(
        &dave.access,
        other["id"].as_str().unwrap(),
        "e.bin",
        "text/plain",
        vec![5; 900],
        None,
    )
    .await
    .assert_status(201);
    let aid = first.body["id"].as_str().unwrap();
    app.delete(
        &format!("/api/v1/tickets/{id}/attachments/{aid}/"),
        Some(&carol.access),
    )
    .await
    .assert_status(204);
    app.upload(&carol.access, id, "f.bin", "text/plain", vec![6; 600], None)
        .await
        .assert_status(201);
}

backend_tests!(
    writes_are_rate_limited_per_user,
    upload_quota_answers_413_and_stores_nothing,
);
