//! Two servers (replicas) on one database, as behind a balancer: the limits that must hold
//! across replicas (failed logins, writes per user) count once for both, and on PostgreSQL a
//! change of a user's access made through one replica applies to the very next request through
//! the other, although both cache users (`LISTEN`/`NOTIFY`).

use serde_json::json;
use ticketing_domain::Role;
use ticketing_server::settings::Millis;

use crate::api::helpers::*;

/// A login of `name` with a wrong password.
async fn wrong_login(app: &TestApp, name: &str) -> Resp {
    app.post(
        "/api/v1/users/auth/login/",
        None,
        &json!({"username": name, "password": "wrong password!"}),
    )
    .await
}

async fn failed_logins_count_once_across_replicas(backend: Backend) {
    let a = spawn_app_with(backend, |s| s.limits.login_failures_per_account = 3).await;
    let b = a.replica(|s| s.limits.login_failures_per_account = 3).await;
    let _carol = a.register("carol").await;
    for app in [&a, &b, &a] {
        wrong_login(app, "carol")
            .await
            .assert_problem(401, "unauthenticated");
    }
    // Three failures in all, one of them on B: the fourth attempt is refused on both replicas,
    // even with the right password (each alone counted fewer than its limit).
    b.login("carol").await.assert_problem(429, "rate_limited");
    a.login("carol").await.assert_problem(429, "rate_limited");
}

async fn a_right_password_on_one_replica_takes_back_the_shared_count(backend: Backend) {
    let a = spawn_app_with(backend, |s| s.limits.login_failures_per_account = 2).await;
    let b = a.replica(|s| s.limits.login_failures_per_account = 2).await;
    let _carol = a.register("carol").await;
    wrong_login(&a, "carol")
        .await
        .assert_problem(401, "unauthenticated");
    // The right password on B: this account's count from this address starts afresh, for A too.
    b.login("carol").await.assert_status(200);
    wrong_login(&a, "carol")
        .await
        .assert_problem(401, "unauthenticated");
    // A counted two failures of its own, the shared count one: the next check is allowed (a
    // count per replica would refuse it as the third).
    a.login("carol").await.assert_status(200);
}

async fn writes_count_once_across_replicas(backend: Backend) {
    let a = spawn_app_with(backend, |s| s.limits.writes_per_minute = 2).await;
    let b = a.replica(|s| s.limits.writes_per_minute = 2).await;
    let carol = a.register("carol").await;
    let dave = b.register("dave").await;
    a.ticket(&carol.access, "First").await;
    b.ticket(&carol.access, "Second").await;
    for app in [&a, &b] {
        let res = app
            .post(
                "/api/v1/tickets/",
                Some(&carol.access),
                &json!({"topic": "Third", "description": "One too many"}),
            )
            .await;
        res.assert_problem(429, "rate_limited");
        let secs: u64 = res
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert!((1..=60).contains(&secs), "Retry-After {secs}");
    }
    // Per user: another one writes on.
    b.ticket(&dave.access, "Dave's").await;
}

backend_tests!(
    failed_logins_count_once_across_replicas,
    a_right_password_on_one_replica_takes_back_the_shared_count,
    writes_count_once_across_replicas,
);

/// A user cache far longer than the test: only the change feed can make a replica see a change
/// made through the other.
fn long_cache(s: &mut ticketing_server::Settings) {
    s.auth.user_cache_ms = Millis(std::time::Duration::from_secs(600));
}

/// Deactivation, role change and password change through A apply to the next request through
/// B, which had the user cached.
#[tokio::test]
async fn postgres_access_changes_apply_on_every_replica_at_once() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let a = spawn_app_with(backend, long_cache).await;
    let b = a.replica(long_cache).await;
    let root = a.staff("root", Role::Admin).await;
    let carol = a.register("carol").await;
    let alice = a.staff("alice", Role::Agent).await;
    let dave = a.register("dave").await;
    for _ in 0..2 {
        b.get("/api/v1/users/profile/", Some(&carol.access))
            .await
            .assert_status(200);
        b.get("/api/v1/users/", Some(&alice.access))
            .await
            .assert_status(200);
        b.get("/api/v1/users/profile/", Some(&dave.access))
            .await
            .assert_status(200);
    }

    a.patch(
        &format!("/api/v1/users/{}/", carol.id),
        Some(&root.access),
        &json!({"is_active": false}),
    )
    .await
    .assert_status(200);
    b.get("/api/v1/users/profile/", Some(&carol.access))
        .await
        .assert_problem(401, "unauthenticated");

    a.patch(
        &format!("/api/v1/users/{}/", alice.id),
        Some(&root.access),
        &json!({"role": "customer"}),
    )
    .await
    .assert_status(200);
    let res = b.get("/api/v1/users/", Some(&alice.access)).await;
    assert!(
        [401, 403].contains(&res.status),
        "a demoted agent is refused the staff list on the other replica: {}",
        res.status
    );

    // A password change through A ends dave's other access tokens on B at once.
    let second = a.login("dave").await;
    second.assert_status(200);
    let other_access = second.body["access"].as_str().unwrap().to_owned();
    b.get("/api/v1/users/profile/", Some(&other_access))
        .await
        .assert_status(200);
    a.post(
        "/api/v1/users/profile/change-password/",
        Some(&dave.access),
        &json!({
            "old_password": PASSWORD,
            "new_password": "another correct horse battery",
            "new_password_confirmation": "another correct horse battery",
        }),
    )
    .await
    .assert_status(200);
    b.get("/api/v1/users/profile/", Some(&other_access))
        .await
        .assert_problem(401, "unauthenticated");
}
