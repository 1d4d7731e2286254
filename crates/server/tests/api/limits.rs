//! Rate limits: per client address on register/login/refresh, and failed logins per account.

use serde_json::json;

use crate::api::helpers::*;

#[track_caller]
fn retry_after(res: &Resp) -> u64 {
    res.header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds")
}

async fn per_address_limit_on_auth_endpoints(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.auth_requests_per_minute = 3).await;
    // Three requests to the limited endpoints, whatever their outcome...
    let carol = app.register("carol").await;
    app.post(
        "/api/v1/users/auth/login/",
        None,
        &json!({"username": "carol", "password": ""}),
    )
    .await
    .assert_problem(400, "validation_failed");
    app.post_cookie("/api/v1/users/auth/refresh/", Some(&carol.refresh))
        .await
        .assert_status(200);
    // ...then every one of them answers 429 from this address.
    let res = app.login("carol").await;
    res.assert_problem(429, "rate_limited");
    let secs = retry_after(&res);
    assert!((1..=60).contains(&secs), "Retry-After {secs}");
    app.post(
        "/api/v1/users/auth/register/",
        None,
        &json!({"email": "dave@example.com", "password": PASSWORD}),
    )
    .await
    .assert_problem(429, "rate_limited");
    let res = app
        .post_cookie("/api/v1/users/auth/refresh/", Some(&carol.refresh))
        .await;
    res.assert_problem(429, "rate_limited");
    assert!((1..=60).contains(&retry_after(&res)));
    // Other endpoints are not limited.
    app.get("/api/v1/users/profile/", Some(&carol.access))
        .await
        .assert_status(200);
}

async fn failed_logins_per_account(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.login_failures_per_account = 3).await;
    let _carol = app.register("carol").await;
    let _dave = app.register("dave").await;
    for _ in 0..3 {
        app.post(
            "/api/v1/users/auth/login/",
            None,
            &json!({"username": "carol", "password": "wrong password!"}),
        )
        .await
        .assert_problem(401, "unauthenticated");
    }
    // Even the right password is refused now, for the whole window (15 minutes).
    let res = app.login("carol").await;
    res.assert_problem(429, "rate_limited");
    let secs = retry_after(&res);
    assert!((61..=900).contains(&secs), "Retry-After {secs}");
    // The account, not the typed name: its email and other spellings share the budget.
    app.login("CAROL").await.assert_problem(429, "rate_limited");
    app.login("carol@example.com")
        .await
        .assert_problem(429, "rate_limited");
    // Another account from the same address is not affected.
    app.login("dave").await.assert_status(200);
}

#[test]
fn default_limits() {
    let config = ticketing_server::http_config(&ticketing_server::Settings::default());
    assert_eq!(config.auth_rate_per_minute, 30);
    assert_eq!(config.login_failures_per_account, 10);
    assert_eq!(config.writes_per_minute, 60);
    assert_eq!(
        config.login_failure_window,
        std::time::Duration::from_secs(15 * 60)
    );
    assert!(config.cookie_secure);
    assert_eq!(config.refresh_ttl_secs, 7 * 24 * 3600);
    assert_eq!(config.max_upload_bytes, 25 * 1024 * 1024);
}

backend_tests!(
    per_address_limit_on_auth_endpoints,
    failed_logins_per_account
);
