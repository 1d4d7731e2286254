//! Every Bearer endpoint refuses anonymous callers, made-up tokens and the tokens of a
//! deactivated user, before doing anything.

use reqwest::Method;
use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

async fn every_endpoint_requires_a_live_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let root = app.staff("root", Role::Admin).await;
    let gone = app.staff("gone", Role::Admin).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let own = app.ticket(&gone.access, "Mine").await;
    let own_id = own["id"].as_str().unwrap();
    let upload = app
        .upload(
            &gone.access,
            own_id,
            "a.txt",
            "text/plain",
            b"abc".to_vec(),
            None,
        )
        .await;
    upload.assert_status(201);
    let aid = upload.body["id"].as_str().unwrap().to_owned();
    let file_url = upload.body["file_url"].as_str().unwrap().to_owned();
    app.patch(
        &format!("/api/v1/users/{}/", gone.id),
        Some(&root.access),
        &json!({"is_active": false}),
    )
    .await
    .assert_status(200);

    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/users/profile/".into(), None),
        (
            Method::PUT,
            "/api/v1/users/profile/".into(),
            Some(json!({"first_name": "X"})),
        ),
        (
            Method::PATCH,
            "/api/v1/users/profile/".into(),
            Some(json!({"first_name": "X"})),
        ),
        (
            Method::POST,
            "/api/v1/users/profile/change-password/".into(),
            Some(json!({"old_password": PASSWORD, "new_password": "another long passphrase"})),
        ),
        (Method::GET, "/api/v1/users/".into(), None),
        (
            Method::PATCH,
            format!("/api/v1/users/{}/", carol.id),
            Some(json!({"role": "agent"})),
        ),
        (Method::GET, "/api/v1/tickets/".into(), None),
        (
            Method::POST,
            "/api/v1/tickets/".into(),
            Some(json!({"topic": "t", "description": "d"})),
        ),
        (Method::GET, format!("/api/v1/tickets/{id}/"), None),
        (
            Method::PUT,
            format!("/api/v1/tickets/{id}/"),
            Some(json!({"topic": "x"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{id}/"),
            Some(json!({"topic": "x"})),
        ),
        (Method::DELETE, format!("/api/v1/tickets/{id}/"), None),
        (Method::GET, "/api/v1/my-tickets/".into(), None),
        (Method::GET, "/api/v1/assigned-tickets/".into(), None),
        (Method::GET, format!("/api/v1/tickets/{id}/messages/"), None),
        (
            Method::POST,
            format!("/api/v1/tickets/{id}/messages/"),
            Some(json!({"message": "hi"})),
        ),
        (
            Method::GET,
            format!("/api/v1/tickets/{id}/attachments/"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/tickets/{own_id}/attachments/{aid}/download/"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/tickets/{own_id}/attachments/{aid}/"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/tickets/{id}/activities/"),
            None,
        ),
    ];
    let tokens: [Option<&str>; 4] = [
        None,
        Some("garbage"),
        Some("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."),
        Some(&gone.access),
    ];
    for (method, path, body) in &endpoints {
        for token in tokens {
            let mut rb = app.request(method.clone(), path, token);
            if let Some(b) = body {
                rb = rb.json(b);
            }
            let res = fetch(rb).await;
            res.assert_problem(401, "unauthenticated");
            assert_eq!(
                res.header("www-authenticate"),
                Some("Bearer"),
                "{method} {path}"
            );
        }
    }
    // Uploads too.
    for token in tokens {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt"),
        );
        let mut rb = app
            .client
            .post(app.url(&format!("/api/v1/tickets/{id}/attachments/")));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        fetch(rb.multipart(form))
            .await
            .assert_problem(401, "unauthenticated");
    }
    // The deactivated user's signed download link is dead too.
    fetch(app.client.get(app.url(&file_url)))
        .await
        .assert_problem(401, "unauthenticated");
    // Nothing changed.
    let d = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&root.access))
        .await;
    assert_eq!(d.body["version"], 1);
    assert_eq!(d.body["topic"], "VPN");
    let d = app
        .get(&format!("/api/v1/tickets/{own_id}/"), Some(&root.access))
        .await;
    assert_eq!(d.body["attachments"].as_array().unwrap().len(), 1);
    let me = app.get("/api/v1/users/profile/", Some(&carol.access)).await;
    assert_eq!(me.body["role"], "customer");
    assert_eq!(me.body["first_name"], "First");
}

backend_tests!(every_endpoint_requires_a_live_token);
