//! `/api/v1/tickets/{id}/attachments/…`: multipart uploads, lists, signed and Bearer downloads,
//! safe headers, the size limit, removal with the stored file.

use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

fn download_path(ticket: &str, attachment: &str) -> String {
    format!("/api/v1/tickets/{ticket}/attachments/{attachment}/download/")
}

async fn upload_list_and_download(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();

    let res = app
        .upload(
            &carol.access,
            id,
            "report.txt",
            "text/plain",
            b"hello".to_vec(),
            None,
        )
        .await;
    res.assert_status(201);
    let a = res.body.clone();
    assert_eq!(keys(&a), sorted(ATTACHMENT_FIELDS));
    let aid = a["id"].as_str().unwrap();
    assert_eq!(
        res.header("location"),
        Some(format!("/api/v1/tickets/{id}/attachments/{aid}/").as_str())
    );
    assert_eq!(a["ticket"], id);
    assert_eq!(a["message"], Value::Null);
    assert_eq!(a["filename"], "report.txt");
    assert_eq!(a["filesize"], 5);
    assert_eq!(a["content_type"], "text/plain");
    assert_user(&a["uploaded_by"], &carol, "customer");
    assert_timestamp(&a["uploaded_at"]);
    let file_url = a["file_url"].as_str().unwrap();
    let prefix = format!("{}?token=", download_path(id, aid));
    assert!(file_url.starts_with(&prefix), "{file_url}");
    assert!(file_url.len() > prefix.len() + 20);
    assert_eq!(app.stored_files().len(), 1);

    // A plain link, no header: the bytes, as an attachment, with safe headers.
    let res = fetch(app.client.get(app.url(file_url))).await;
    res.assert_status(200);
    assert_eq!(res.bytes, b"hello");
    assert_eq!(res.header("content-type"), Some("text/plain"));
    assert_eq!(
        res.header("content-disposition"),
        Some("attachment; filename=\"report.txt\"; filename*=UTF-8''report%2Etxt")
    );
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("content-length"), Some("5"));
    // With a Bearer header instead, for everyone who sees the ticket.
    for token in [&carol.access, &alice.access] {
        let res = app.get(&download_path(id, aid), Some(token)).await;
        res.assert_status(200);
        assert_eq!(res.bytes, b"hello");
    }
    app.get(&download_path(id, aid), Some(&dave.access))
        .await
        .assert_problem(404, "not_found");
    app.get(&download_path(id, aid), None)
        .await
        .assert_problem(401, "unauthenticated");
    app.get(&format!("{}?token=forged", download_path(id, aid)), None)
        .await
        .assert_problem(401, "unauthenticated");

    // A unicode name, a harmless type kept, an active type neutralised.
    let res = app
        .upload(
            &carol.access,
            id,
            "Résumé €.pdf",
            "application/pdf",
            b"%PDF-1.7".to_vec(),
            None,
        )
        .await;
    res.assert_status(201);
    let pdf = res.body.clone();
    assert_eq!(pdf["filename"], "Résumé €.pdf");
    let res = fetch(app.client.get(app.url(pdf["file_url"].as_str().unwrap()))).await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/pdf"));
    assert_eq!(
        res.header("content-disposition"),
        Some(
            "attachment; filename=\"R_sum_ _.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%E2%82%AC%2Epdf"
        )
    );
    let res = app
        .upload(
            &alice.access,
            id,
            "../../evil.html",
            "text/html",
            b"<script>alert(1)</script>".to_vec(),
            None,
        )
        .await;
    res.assert_status(201);
    let html = res.body.clone();
    assert_eq!(html["filename"], "evil.html");
    assert_eq!(html["content_type"], "text/html");
    let res = fetch(app.client.get(app.url(html["file_url"].as_str().unwrap()))).await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        res.header("content-disposition"),
        Some("attachment; filename=\"evil.html\"; filename*=UTF-8''evil%2Ehtml")
    );

    // One link opens one attachment only.
    let token = file_url.split_once("?token=").unwrap().1;
    let html_id = html["id"].as_str().unwrap();
    app.get(
        &format!("{}?token={token}", download_path(id, html_id)),
        None,
    )
    .await
    .assert_problem(401, "unauthenticated");

    // Lists, detail and log.
    let list_path = format!("/api/v1/tickets/{id}/attachments/");
    for token in [&carol.access, &alice.access] {
        let list = app.get(&list_path, Some(token)).await;
        list.assert_status(200);
        assert_eq!(ids(&list.body), ids(&json!([a, pdf, html])));
        for item in list.body.as_array().unwrap() {
            assert_eq!(keys(item), sorted(ATTACHMENT_FIELDS));
        }
        let d = app
            .get(&format!("/api/v1/tickets/{id}/"), Some(token))
            .await;
        assert_eq!(ids(&d.body["attachments"]), ids(&list.body));
        assert_eq!(d.body["version"], 4);
    }
    app.get(&list_path, Some(&dave.access))
        .await
        .assert_problem(404, "not_found");
    let log = app
        .get(
            &format!("/api/v1/tickets/{id}/activities/"),
            Some(&carol.access),
        )
        .await;
    assert_eq!(
        actions(&log.body),
        pairs(&[
            ("attachment_added", "Attachment \"evil.html\" added"),
            ("attachment_added", "Attachment \"Résumé €.pdf\" added"),
            ("attachment_added", "Attachment \"report.txt\" added"),
            ("created", "Ticket created"),
        ])
    );
    assert_eq!(app.stored_files().len(), 3);
}

async fn attachments_of_messages_and_internal_notes(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let m = app
        .message(&carol.access, id, "Screenshot attached", false)
        .await;
    let note = app.message(&alice.access, id, "Internal log", true).await;
    let mid = m["id"].as_str().unwrap();
    let nid = note["id"].as_str().unwrap();

    let res = app
        .upload(
            &carol.access,
            id,
            "shot.png",
            "image/png",
            vec![0x89, b'P', b'N', b'G'],
            Some(mid),
        )
        .await;
    res.assert_status(201);
    let shot = res.body.clone();
    assert_eq!(shot["message"], mid);
    let res = app
        .upload(
            &alice.access,
            id,
            "server.log",
            "text/plain",
            b"secret log".to_vec(),
            Some(nid),
        )
        .await;
    res.assert_status(201);
    let log_file = res.body.clone();
    assert_eq!(log_file["message"], nid);

    // The customer cannot attach to the note (it does not exist for her).
    let res = app
        .upload(
            &carol.access,
            id,
            "x.txt",
            "text/plain",
            b"x".to_vec(),
            Some(nid),
        )
        .await;
    res.assert_problem(400, "validation_failed");
    assert!(res.body["errors"]["message_id"].is_array());
    let res = app
        .upload(
            &carol.access,
            id,
            "x.txt",
            "text/plain",
            b"x".to_vec(),
            Some(&uuid::Uuid::now_v7().to_string()),
        )
        .await;
    res.assert_problem(400, "validation_failed");
    assert!(res.body["errors"]["message_id"].is_array());
    app.upload(
        &carol.access,
        id,
        "x.txt",
        "text/plain",
        b"x".to_vec(),
        Some("not-a-uuid"),
    )
    .await
    .assert_problem(400, "validation_failed");
    // A message of another ticket is not a message of this one.
    let other = app.ticket(&carol.access, "Other").await;
    let elsewhere = app
        .message(
            &carol.access,
            other["id"].as_str().unwrap(),
            "elsewhere",
            false,
        )
        .await;
    let res = app
        .upload(
            &carol.access,
            id,
            "x.txt",
            "text/plain",
            b"x".to_vec(),
            elsewhere["id"].as_str(),
        )
        .await;
    res.assert_problem(400, "validation_failed");
    assert!(res.body["errors"]["message_id"].is_array());

    // Messages carry their attachments; the note's file is staff-only everywhere.
    let msgs = app
        .get(
            &format!("/api/v1/tickets/{id}/messages/"),
            Some(&carol.access),
        )
        .await;
    assert_eq!(msgs.body.as_array().unwrap().len(), 1);
    assert_eq!(
        ids(&msgs.body[0]["attachments"]),
        vec![shot["id"].as_str().unwrap().to_owned()]
    );
    assert_eq!(
        keys(&msgs.body[0]["attachments"][0]),
        sorted(ATTACHMENT_FIELDS)
    );
    let msgs = app
        .get(
            &format!("/api/v1/tickets/{id}/messages/"),
            Some(&alice.access),
        )
        .await;
    assert_eq!(
        ids(&msgs.body[1]["attachments"]),
        vec![log_file["id"].as_str().unwrap().to_owned()]
    );

    let list = app
        .get(
            &format!("/api/v1/tickets/{id}/attachments/"),
            Some(&carol.access),
        )
        .await;
    assert_eq!(
        ids(&list.body),
        vec![shot["id"].as_str().unwrap().to_owned()]
    );
    let list = app
        .get(
            &format!("/api/v1/tickets/{id}/attachments/"),
            Some(&alice.access),
        )
        .await;
    assert_eq!(ids(&list.body), ids(&json!([shot, log_file])));
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    assert_eq!(
        ids(&d.body["attachments"]),
        vec![shot["id"].as_str().unwrap().to_owned()]
    );
    assert_eq!(d.body["message_count"], 1);
    assert_eq!(
        actions(&d.body["activities"]),
        pairs(&[
            ("attachment_added", "Attachment \"shot.png\" added"),
            ("message_added", "Message added"),
            ("created", "Ticket created"),
        ])
    );
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&alice.access))
        .await;
    assert_eq!(
        actions(&d.body["activities"])[0],
        (
            "attachment_added".to_owned(),
            "Attachment \"server.log\" added".to_owned()
        )
    );
    let log_id = log_file["id"].as_str().unwrap();
    app.get(&download_path(id, log_id), Some(&carol.access))
        .await
        .assert_problem(404, "not_found");
    app.delete(
        &format!("/api/v1/tickets/{id}/attachments/{log_id}/"),
        Some(&carol.access),
    )
    .await
    .assert_problem(404, "not_found");
    let res = app
        .get(&download_path(id, log_id), Some(&alice.access))
        .await;
    res.assert_status(200);
    assert_eq!(res.bytes, b"secret log");
}

async fn remove_attachments(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let mine = app
        .upload(
            &carol.access,
            id,
            "mine.txt",
            "text/plain",
            b"mine".to_vec(),
            None,
        )
        .await
        .body;
    let theirs = app
        .upload(
            &alice.access,
            id,
            "theirs.txt",
            "text/plain",
            b"theirs".to_vec(),
            None,
        )
        .await
        .body;
    let third = app
        .upload(
            &carol.access,
            id,
            "third.txt",
            "text/plain",
            b"third".to_vec(),
            None,
        )
        .await
        .body;
    assert_eq!(app.stored_files().len(), 3);
    let del = |a: &Value| {
        format!(
            "/api/v1/tickets/{id}/attachments/{}/",
            a["id"].as_str().unwrap()
        )
    };

    app.delete(&del(&mine), Some(&dave.access))
        .await
        .assert_problem(404, "not_found");
    app.delete(&del(&mine), None)
        .await
        .assert_problem(401, "unauthenticated");
    app.delete(&del(&theirs), Some(&carol.access))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.stored_files().len(), 3);

    // The uploader removes hers: the row and the stored file go.
    let res = app.delete(&del(&mine), Some(&carol.access)).await;
    res.assert_status(204);
    assert!(res.bytes.is_empty());
    assert_eq!(app.stored_files().len(), 2);
    app.get(
        &download_path(id, mine["id"].as_str().unwrap()),
        Some(&carol.access),
    )
    .await
    .assert_problem(404, "not_found");
    fetch(app.client.get(app.url(mine["file_url"].as_str().unwrap())))
        .await
        .assert_problem(404, "not_found");
    // Staff remove anyone's.
    app.delete(&del(&theirs), Some(&alice.access))
        .await
        .assert_status(204);
    app.delete(&del(&third), Some(&alice.access))
        .await
        .assert_status(204);
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    app.delete(&del(&third), Some(&alice.access))
        .await
        .assert_problem(404, "not_found");
    app.delete(
        &format!("/api/v1/tickets/{id}/attachments/nope/"),
        Some(&alice.access),
    )
    .await
    .assert_problem(404, "not_found");

    let list = app
        .get(
            &format!("/api/v1/tickets/{id}/attachments/"),
            Some(&carol.access),
        )
        .await;
    assert_eq!(list.body, json!([]));
    let log = app
        .get(
            &format!("/api/v1/tickets/{id}/activities/"),
            Some(&carol.access),
        )
        .await;
    assert_eq!(
        actions(&log.body)[..3].to_vec(),
        pairs(&[
            ("attachment_removed", "Attachment \"third.txt\" removed"),
            ("attachment_removed", "Attachment \"theirs.txt\" removed"),
            ("attachment_removed", "Attachment \"mine.txt\" removed"),
        ])
    );
    assert_eq!(log.body[0]["action_display"], "Attachment Removed");
    assert_user(&log.body[0]["performed_by"], &alice, "agent");
    assert_user(&log.body[2]["performed_by"], &carol, "customer");
}

backend_tests!(
    upload_list_and_download,
    attachments_of_messages_and_internal_notes,
    remove_attachments,
);
