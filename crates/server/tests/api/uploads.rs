//! Refused uploads: wrong content type, missing or extra parts, invisible tickets, the size
//! limit; none of them leaves a file behind.

use reqwest::Method;
use serde_json::json;
use ticketing_server::settings::ByteSize;

use crate::api::helpers::*;

async fn upload_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let path = format!("/api/v1/tickets/{id}/attachments/");

    app.post(&path, Some(&carol.access), &json!({"file": "aGVsbG8="}))
        .await
        .assert_problem(415, "unsupported_media_type");
    let form = reqwest::multipart::Form::new().text("comment", "hi");
    fetch(
        app.request(Method::POST, &path, Some(&carol.access))
            .multipart(form),
    )
    .await
    .assert_problem(400, "validation_failed");
    let form = reqwest::multipart::Form::new();
    fetch(
        app.request(Method::POST, &path, Some(&carol.access))
            .multipart(form),
    )
    .await
    .assert_problem(400, "validation_failed");
    let form = reqwest::multipart::Form::new().text("message_id", uuid::Uuid::now_v7().to_string());
    let res = fetch(
        app.request(Method::POST, &path, Some(&carol.access))
            .multipart(form),
    )
    .await;
    res.assert_problem(400, "validation_failed");
    assert_eq!(res.body["errors"], json!({"file": ["a file is required"]}));
    let two = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"a".to_vec()).file_name("a.txt"),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"b".to_vec()).file_name("b.txt"),
        );
    fetch(
        app.request(Method::POST, &path, Some(&carol.access))
            .multipart(two),
    )
    .await
    .assert_problem(400, "validation_failed");
    app.upload(&dave.access, id, "a.txt", "text/plain", b"a".to_vec(), None)
        .await
        .assert_problem(404, "not_found");
    let anonymous = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"a".to_vec()).file_name("a.txt"),
    );
    fetch(app.request(Method::POST, &path, None).multipart(anonymous))
        .await
        .assert_problem(401, "unauthenticated");
    let unknown = uuid::Uuid::now_v7().to_string();
    app.upload(
        &carol.access,
        &unknown,
        "a.txt",
        "text/plain",
        b"a".to_vec(),
        None,
    )
    .await
    .assert_problem(404, "not_found");

    // Nothing was stored by any of them.
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    let list = app.get(&path, Some(&carol.access)).await;
    assert_eq!(list.body, json!([]));
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    assert_eq!(d.body["version"], 1);
}

async fn upload_size_limit(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.attachments.max_upload = ByteSize(1024)).await;
    let carol = app.register("carol").await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();

    // Over the limit while streaming (the declared length is within the framing allowance).
    let res = app
        .upload(
            &carol.access,
            id,
            "big.bin",
            "application/octet-stream",
            vec![7; 1025],
            None,
        )
        .await;
    res.assert_problem(413, "payload_too_large");
    // Declared far above the limit: refused before reading.
    let res = app
        .upload(
            &carol.access,
            id,
            "huge.bin",
            "application/octet-stream",
            vec![7; 64 * 1024],
            None,
        )
        .await;
    res.assert_problem(413, "payload_too_large");
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    let list = app
        .get(
            &format!("/api/v1/tickets/{id}/attachments/"),
            Some(&carol.access),
        )
        .await;
    assert_eq!(list.body, json!([]));
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    assert_eq!(d.body["version"], 1);
    assert_eq!(d.body["activities"].as_array().unwrap().len(), 1);

    // Exactly the limit is fine.
    let res = app
        .upload(
            &carol.access,
            id,
            "ok.bin",
            "application/octet-stream",
            vec![7; 1024],
            None,
        )
        .await;
    res.assert_status(201);
    assert_eq!(res.body["filesize"], 1024);
    assert_eq!(app.stored_files().len(), 1);
}

backend_tests!(upload_errors, upload_size_limit,);
