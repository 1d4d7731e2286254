//! Bounded responses and writes (issue 13, defect 4): the ticket detail embeds the latest 50
//! messages, attachments and activity entries and links to the rest; the messages and
//! activities lists page like the ticket lists; writes are limited per user; uploads count
//! against a per-user storage quota.

use serde_json::{Value, json};
use ticketing_domain::Role;
use ticketing_server::settings::ByteSize;

use crate::api::helpers::*;

#[track_caller]
fn retry_after(res: &Resp) -> u64 {
    res.header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds")
}

fn reversed(v: &[String]) -> Vec<String> {
    v.iter().rev().cloned().collect()
}

async fn detail_is_bounded_and_the_pagers_walk_everything_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let agent = app.staff("agent", Role::Agent).await;
    let t = app.ticket(&carol.access, "Flood").await;
    let id = t["id"].as_str().unwrap();
    let mut posted = Vec::new();
    for i in 0..200 {
        let m = app
            .message(&carol.access, id, &format!("message {i}"), false)
            .await;
        posted.push(m["id"].as_str().unwrap().to_owned());
    }
    let note = app.message(&agent.access, id, "staff only", true).await;
    let note = note["id"].as_str().unwrap().to_owned();

    // The detail: the latest 50 messages (oldest first) and activity entries (newest first).
    let res = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    res.assert_status(200);
    let d = &res.body;
    assert_eq!(keys(d), detail_fields());
    assert_eq!(d["message_count"], 200);
    assert_eq!(ids(&d["messages"]), posted[150..].to_vec());
    assert_eq!(d["messages_more"], true);
    assert_eq!(d["activities"].as_array().unwrap().len(), 50);
    assert_eq!(d["activities_more"], true);
    assert_eq!(d["attachments"], json!([]));
    assert_eq!(d["attachments_more"], false);
    assert_eq!(d["attachments_next"], Value::Null);

    // `messages_next` continues with the earlier ones, newest first.
    let next = d["messages_next"].as_str().expect("a messages_next URL");
    let earlier = walk_pages(&app, next, &carol.access, 200).await.concat();
    assert_eq!(earlier, reversed(&posted[..150]));

    // The full list, oldest first, in pages of `limit`, each message exactly once.
    let first = format!("/api/v1/tickets/{id}/messages/?limit=70");
    let pages = walk_pages(&app, &first, &carol.access, 200).await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![70, 70, 60]
    );
    assert_eq!(pages.concat(), posted);
    // Newest first, default page size 50.
    let first = format!("/api/v1/tickets/{id}/messages/?ordering=-created_at");
    let pages = walk_pages(&app, &first, &carol.access, 200).await;
    assert_eq!(pages.len(), 4);
    assert_eq!(pages.concat(), reversed(&posted));
    // Staff see the internal note too.
    let first = format!("/api/v1/tickets/{id}/messages/?limit=200");
    let all = walk_pages(&app, &first, &agent.access, 201).await.concat();
    assert_eq!(all.len(), 201);
    assert_eq!(all.last(), Some(&note));

    // Activities: `created` and 200 `message_added` for the customer, newest first.
    let embedded = ids(&d["activities"]);
    let next = d["activities_next"]
        .as_str()
        .expect("an activities_next URL");
    let rest = walk_pages(&app, next, &carol.access, 201).await.concat();
    let first = format!("/api/v1/tickets/{id}/activities/?limit=60");
    let pages = walk_pages(&app, &first, &carol.access, 201).await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![60, 60, 60, 21]
    );
    let all = pages.concat();
    assert_eq!(all, [embedded, rest].concat());
    let mut distinct = all.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 201);
    let staff_log = format!("/api/v1/tickets/{id}/activities/?limit=200");
    assert_eq!(
        walk_pages(&app, &staff_log, &agent.access, 202)
            .await
            .concat()
            .len(),
        202
    );

    // The same parameter rules as the ticket lists.
    for query in [
        "limit=0",
        "limit=201",
        "cursor=garbage",
        "ordering=priority",
        "status=open",
    ] {
        for list in ["messages", "activities"] {
            app.get(
                &format!("/api/v1/tickets/{id}/{list}/?{query}"),
                Some(&carol.access),
            )
            .await
            .assert_problem(400, "validation_failed");
        }
    }
    // Another customer's ticket stays invisible.
    for list in ["messages", "activities"] {
        app.get(&format!("/api/v1/tickets/{id}/{list}/"), Some(&dave.access))
            .await
            .assert_problem(404, "not_found");
    }
}

async fn detail_bounds_attachments(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let t = app.ticket(&carol.access, "Files").await;
    let id = t["id"].as_str().unwrap();
    let mut uploaded = Vec::new();
    for i in 0..55 {
        let res = app
            .upload(
                &carol.access,
                id,
                &format!("f{i}.txt"),
                "text/plain",
                b"x".to_vec(),
                None,
            )
            .await;
        res.assert_status(201);
        uploaded.push(res.body["id"].as_str().unwrap().to_owned());
    }
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    d.assert_status(200);
    assert_eq!(ids(&d.body["attachments"]), uploaded[5..].to_vec());
    assert_eq!(d.body["attachments_more"], true);
    let next = d.body["attachments_next"].as_str().expect("a URL");
    let earlier = walk_pages(&app, next, &carol.access, 55).await.concat();
    assert_eq!(earlier, reversed(&uploaded[..5]));
    let first = format!("/api/v1/tickets/{id}/attachments/?limit=20");
    let pages = walk_pages(&app, &first, &carol.access, 55).await;
    assert_eq!(pages.concat(), uploaded);
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
    detail_is_bounded_and_the_pagers_walk_everything_once,
    detail_bounds_attachments,
    writes_are_rate_limited_per_user,
    upload_quota_answers_413_and_stores_nothing,
);
