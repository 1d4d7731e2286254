//! Security round 2 (issue 13): password guessing through every endpoint that checks a password,
//! lockout abuse, the parallel bypass of the account limit, download links after a password
//! change, and the refresh endpoint's Origin check behind forwarded headers.

use ticketing_server::settings::Origins;
use ticketing_server::settings::Value as _;

use serde_json::json;

use crate::api::helpers::*;

const CHANGE_PASSWORD: &str = "/api/v1/users/profile/change-password/";
const NEW_PASSWORD: &str = "a brand new passphrase";
const REFRESH: &str = "/api/v1/users/auth/refresh/";

fn change_body(old: &str) -> serde_json::Value {
    json!({
        "old_password": old,
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    })
}

/// Defect 9: a download link issued before a password change no longer works after it (401,
/// like any invalid link); a fresh link does.
async fn download_links_die_with_a_password_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let ticket = app.ticket(&carol.access, "Printer").await;
    let id = ticket["id"].as_str().unwrap();
    let res = app
        .upload(
            &carol.access,
            id,
            "a.txt",
            "text/plain",
            b"hello".to_vec(),
            None,
        )
        .await;
    res.assert_status(201);
    let old_url = res.body["file_url"].as_str().unwrap().to_owned();
    fetch(app.client.get(app.url(&old_url)))
        .await
        .assert_status(200);
    let changed = app
        .post(CHANGE_PASSWORD, Some(&carol.access), &change_body(PASSWORD))
        .await;
    changed.assert_status(200);
    fetch(app.client.get(app.url(&old_url)))
        .await
        .assert_problem(401, "unauthenticated");
    let access = changed.body["access"].as_str().unwrap();
    let list = app
        .get(&format!("/api/v1/tickets/{id}/attachments/"), Some(access))
        .await;
    list.assert_status(200);
    let new_url = list.body[0]["file_url"].as_str().unwrap();
    let res = fetch(app.client.get(app.url(new_url))).await;
    res.assert_status(200);
    assert_eq!(res.bytes, b"hello");
}

/// Defect 10: forwarded host headers do not make a foreign Origin look like the server's own,
/// unless the operator trusts the proxy.
async fn origin_check_ignores_forwarded_hosts(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let carol = app.register("carol").await;
    let refresh = |headers: &[(&str, &str)]| {
        let mut rb = app
            .request(reqwest::Method::POST, REFRESH, None)
            .header("cookie", format!("refresh_token={}", carol.refresh));
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        fetch(rb)
    };
    refresh(&[
        ("origin", "https://evil.example"),
        ("x-forwarded-host", "evil.example"),
    ])
    .await
    .assert_problem(403, "forbidden");
    refresh(&[
        ("origin", "https://evil.example"),
        ("forwarded", "host=evil.example;proto=https"),
    ])
    .await
    .assert_problem(403, "forbidden");
    // The server's own origin passes.
    let own = format!("http://127.0.0.1:{}", app.port);
    refresh(&[("origin", own.as_str())])
        .await
        .assert_status(200);

    // Configured origins: only those, whatever the headers say.
    let app = spawn_app_with(backend.clone(), |s| {
        s.auth.allowed_origins = Origins::parse("https://help.example").unwrap();
    })
    .await;
    let dave = app.register("dave").await;
    let res = fetch(
        app.request(reqwest::Method::POST, REFRESH, None)
            .header("cookie", format!("refresh_token={}", dave.refresh))
            .header("origin", "https://evil.example")
            .header("x-forwarded-host", "evil.example"),
    )
    .await;
    res.assert_problem(403, "forbidden");

    // Behind a trusted proxy, its forwarded host is the server's host.
    let app = spawn_app_with(backend, |s| s.limits.trust_forwarded_for = true).await;
    let erin = app.register("erin").await;
    let res = fetch(
        app.request(reqwest::Method::POST, REFRESH, None)
            .header("cookie", format!("refresh_token={}", erin.refresh))
            .header("origin", "https://help.example")
            .header("x-forwarded-host", "help.example"),
    )
    .await;
    res.assert_status(200);
}

backend_tests!(
    download_links_die_with_a_password_change,
    origin_check_ignores_forwarded_hosts,
);
