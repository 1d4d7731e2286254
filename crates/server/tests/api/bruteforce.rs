//! Security round 2 (issue 13): password guessing through every endpoint that checks a password,
//! lockout abuse, the parallel bypass of the account limit, download links after a password
//! change, and the refresh endpoint's Origin check behind forwarded headers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use ticketing_server::settings::Value as _;
use ticketing_server::settings::{BindAddress, Origins};

use crate::api::helpers::*;

const WRONG: &str = "not the password at all";
const NEW_PASSWORD: &str = "a brand new passphrase";

#[track_caller]
fn retry_after(res: &Resp) -> u64 {
    res.header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds")
}

fn change_body(old: &str) -> serde_json::Value {
    json!({
        "old_password": old,
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    })
}

const CHANGE_PASSWORD: &str = "/api/v1/users/profile/change-password/";
const LOGIN: &str = "/api/v1/users/auth/login/";
const REFRESH: &str = "/api/v1/users/auth/refresh/";

/// A login of `username` with `password`, as if from `address` (the test server trusts
/// `X-Forwarded-For`).
async fn login_from(app: &TestApp, username: &str, password: &str, address: &str) -> Resp {
    fetch(
        app.request(reqwest::Method::POST, LOGIN, None)
            .header("x-forwarded-for", address)
            .json(&json!({"username": username, "password": password})),
    )
    .await
}

/// Defect 1: change-password guesses are limited per user (429 with Retry-After, even for the
/// right password), and past a higher limit every session of the user ends (the stolen access
/// token and refresh cookie die); the owner signs in again.
async fn change_password_guesses_are_limited_then_end_the_sessions(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.limits.login_failures_per_account = 10;
        s.limits.password_failures_to_revoke = 20;
    })
    .await;
    let carol = app.register("carol").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let res = app
            .post(CHANGE_PASSWORD, Some(&carol.access), &change_body(WRONG))
            .await;
        statuses.push(res.status);
        if res.status == 429 {
            res.assert_problem(429, "rate_limited");
            let secs = retry_after(&res);
            assert!((1..=900).contains(&secs), "Retry-After {secs}");
        }
    }
    assert_eq!(statuses[..10], [400; 10], "{statuses:?}");
    assert_eq!(statuses[10..], [429; 2], "{statuses:?}");
    // The right password is refused while limited: guessing it gains nothing.
    app.post(CHANGE_PASSWORD, Some(&carol.access), &change_body(PASSWORD))
        .await
        .assert_problem(429, "rate_limited");
    // Guessing on ends every session of the user before the 60th guess.
    let mut ended_at = None;
    for i in 13..60 {
        let res = app
            .post(CHANGE_PASSWORD, Some(&carol.access), &change_body(WRONG))
            .await;
        if res.status == 401 {
            ended_at = Some(i);
            break;
        }
        res.assert_problem(429, "rate_limited");
    }
    assert!(ended_at.is_some(), "the sessions were never revoked");
    app.get("/api/v1/users/profile/", Some(&carol.access))
        .await
        .assert_problem(401, "unauthenticated");
    app.post_cookie(REFRESH, Some(&carol.refresh))
        .await
        .assert_problem(401, "unauthenticated");
    // The owner signs in again and may change the password.
    let res = app.login("carol").await;
    res.assert_status(200);
    let access = res.body["access"].as_str().unwrap().to_owned();
    app.post(CHANGE_PASSWORD, Some(&access), &change_body(PASSWORD))
        .await
        .assert_status(200);
}

/// The value of an unlabelled gauge on the metrics address.
async fn gauge(app: &TestApp, name: &str) -> f64 {
    let port = app.metrics_port.expect("a metrics address");
    let res = fetch(app.client.get(format!("http://127.0.0.1:{port}/metrics"))).await;
    res.assert_status(200);
    res.text()
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// Defect 1: a flood of wrong change-passwords cannot starve sign-ins: with one hashing thread
/// for each, a login started while many change-password checks wait for a hashing thread is
/// answered without waiting for them (it overtakes the queue).
async fn a_change_password_flood_does_not_starve_login(backend: Backend) {
    const FLOOD: usize = 30;
    let app = spawn_app_with(backend, |s| {
        s.metrics.bind = Some(BindAddress::parse("127.0.0.1:0").unwrap());
        s.auth.hash_concurrency = 1;
    })
    .await;
    let _admin = app.staff("admin", ticketing_domain::Role::Admin).await;
    let carol = app.register("carol").await;
    let checked = Arc::new(AtomicUsize::new(0));
    let flood: Vec<_> = (0..FLOOD)
        .map(|_| {
            let request = app
                .request(reqwest::Method::POST, CHANGE_PASSWORD, Some(&carol.access))
                .json(&change_body(WRONG));
            let checked = Arc::clone(&checked);
            tokio::spawn(async move {
                let status = request.send().await.unwrap().status().as_u16();
                // Checked (wrong password), not merely timed out in the queue (503).
                if status == 400 {
                    checked.fetch_add(1, Ordering::SeqCst);
                }
                status
            })
        })
        .collect();
    // Wait until at least 10 checks wait for a hashing thread (they are in flight).
    let mut waiting = 0.0;
    for _ in 0..2000 {
        waiting = gauge(&app, "ticketing_password_hash_queue_depth").await;
        if waiting >= 10.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(waiting >= 10.0, "the flood never queued ({waiting})");
    let before = checked.load(Ordering::SeqCst);
    app.login("admin").await.assert_status(200);
    let done_meanwhile = checked.load(Ordering::SeqCst) - before;
    // Sharing one queue, the login would have waited for every check ahead of it (and, on a
    // busy machine, timed out with 503 as it did before the fix).
    assert!(
        (done_meanwhile as f64) < waiting / 2.0,
        "the login waited for {done_meanwhile} of the {waiting} queued change-password checks"
    );
    // Each check is refused (wrong password), or the flood's own queue is full.
    for f in flood {
        let status = f.await.unwrap();
        assert!(status == 400 || status == 503, "{status}");
    }
}

/// Defect 2: wrong logins from one address limit that address only; the owner, from another
/// address, signs in with the right password.
async fn wrong_logins_from_one_address_do_not_lock_the_owner_out(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.limits.trust_forwarded_for = true;
        s.limits.login_failures_per_account = 10;
    })
    .await;
    app.register("victim").await;
    let attacker = "203.0.113.7";
    for i in 0..12 {
        let res = login_from(&app, "victim", WRONG, attacker).await;
        if i < 10 {
            res.assert_problem(401, "unauthenticated");
        } else {
            res.assert_problem(429, "rate_limited");
        }
    }
    // The attacker's address stays limited, even with the right password...
    login_from(&app, "victim", PASSWORD, attacker)
        .await
        .assert_problem(429, "rate_limited");
    // ...but the owner, elsewhere, gets in.
    login_from(&app, "victim", PASSWORD, "198.51.100.9")
        .await
        .assert_status(200);
}

/// Defect 3: the attempt is recorded before the hash is checked, so parallel guesses cannot
/// exceed the limit.
async fn parallel_wrong_logins_respect_the_limit(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.login_failures_per_account = 10).await;
    app.register("carol").await;
    let guesses: Vec<_> = (0..25)
        .map(|_| {
            let request = app
                .request(reqwest::Method::POST, LOGIN, None)
                .json(&json!({"username": "carol", "password": WRONG}));
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for g in guesses {
        statuses.push(g.await.unwrap());
    }
    let unauthorized = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    // At most 10 reach the check (401, or 503 on a machine too busy to hash in time); the 15
    // others are refused before it.
    assert!(
        unauthorized <= 10,
        "{unauthorized} guesses checked: {statuses:?}"
    );
    assert_eq!(limited, 15, "{statuses:?}");
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
    change_password_guesses_are_limited_then_end_the_sessions,
    a_change_password_flood_does_not_starve_login,
    wrong_logins_from_one_address_do_not_lock_the_owner_out,
    parallel_wrong_logins_respect_the_limit,
    download_links_die_with_a_password_change,
    origin_check_ignores_forwarded_hosts,
);
