//! The caller's account: profile reads and updates, password change (revokes the other
//! sessions and older access tokens), deactivation by an admin.

use reqwest::Method;
use serde_json::json;
use ticketing_domain::Role;

use crate::api::auth::{LOGIN, PROFILE, REFRESH, assert_refresh_cookie};
use crate::api::helpers::*;

async fn password_change_revokes_other_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let second = app.login("carol").await;
    second.assert_status(200);
    let a2 = second.body["access"].as_str().unwrap().to_owned();
    let r2 = second.refresh_cookie().unwrap();
    let path = "/api/v1/users/profile/change-password/";
    const NEW: &str = "a much better passphrase";

    let cases = [
        (
            json!({"old_password": "not my password", "new_password": NEW}),
            json!({"old_password": ["is not your current password"]}),
        ),
        (
            json!({"old_password": PASSWORD, "new_password": NEW, "new_password_confirmation": "typo"}),
            json!({"new_password_confirmation": ["does not match the new password"]}),
        ),
        (
            json!({"old_password": PASSWORD, "new_password": "password"}),
            json!({"new_password": ["is too common"]}),
        ),
    ];
    for (body, errors) in cases {
        let res = app.post(path, Some(&carol.access), &body).await;
        res.assert_problem(400, "validation_failed");
        assert_eq!(res.body["errors"], errors, "for {body}");
    }
    app.post(
        path,
        Some(&carol.access),
        &json!({"old_password": PASSWORD}),
    )
    .await
    .assert_problem(400, "validation_failed");
    app.post(
        path,
        None,
        &json!({"old_password": PASSWORD, "new_password": NEW}),
    )
    .await
    .assert_problem(401, "unauthenticated");

    let res = app
        .post(
            path,
            Some(&carol.access),
            &json!({"old_password": PASSWORD, "new_password": NEW, "new_password_confirmation": NEW}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(keys(&res.body), sorted(&["detail", "access"]));
    assert!(res.body["detail"].is_string());
    let r3 = assert_refresh_cookie(&res, false);
    let a3 = res.body["access"].as_str().unwrap().to_owned();

    // Old access tokens and every other session stop working; the new ones work.
    for old in [&carol.access, &a2] {
        app.get(PROFILE, Some(old))
            .await
            .assert_problem(401, "unauthenticated");
    }
    app.get(PROFILE, Some(&a3)).await.assert_status(200);
    for old in [&carol.refresh, &r2] {
        app.post_cookie(REFRESH, Some(old))
            .await
            .assert_problem(401, "unauthenticated");
    }
    app.post_cookie(REFRESH, Some(&r3)).await.assert_status(200);

    app.login("carol")
        .await
        .assert_problem(401, "unauthenticated");
    app.post(LOGIN, None, &json!({"username": "carol", "password": NEW}))
        .await
        .assert_status(200);
}

async fn deactivation_blocks_login_and_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let admin = app.staff("root", Role::Admin).await;
    let path = format!("/api/v1/users/{}/", carol.id);
    let wrong = app
        .post(
            LOGIN,
            None,
            &json!({"username": "carol", "password": "wrong password!"}),
        )
        .await;

    let res = app
        .patch(&path, Some(&admin.access), &json!({"is_active": false}))
        .await;
    res.assert_status(200);
    assert_eq!(keys(&res.body), account_fields());
    assert_eq!(res.body["is_active"], false);

    app.get(PROFILE, Some(&carol.access))
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/api/v1/tickets/", Some(&carol.access))
        .await
        .assert_problem(401, "unauthenticated");
    app.post_cookie(REFRESH, Some(&carol.refresh))
        .await
        .assert_problem(401, "unauthenticated");
    let login = app.login("carol").await;
    login.assert_problem(401, "unauthenticated");
    assert_eq!(login.body, wrong.body);

    let res = app
        .patch(&path, Some(&admin.access), &json!({"is_active": true}))
        .await;
    res.assert_status(200);
    assert_eq!(res.body["is_active"], true);
    // Tokens from before the deactivation stay dead; a new login works.
    app.get(PROFILE, Some(&carol.access))
        .await
        .assert_problem(401, "unauthenticated");
    app.login("carol").await.assert_status(200);
}

async fn profile_read_and_update(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let _dave = app.register("dave").await;

    let res = app.get(PROFILE, Some(&carol.access)).await;
    res.assert_status(200);
    assert_account(&res.body, &carol, "customer");
    let head = fetch(app.request(Method::HEAD, PROFILE, Some(&carol.access))).await;
    head.assert_status(200);
    assert!(head.bytes.is_empty());
    app.get(PROFILE, None)
        .await
        .assert_problem(401, "unauthenticated");
    app.get(PROFILE, Some("not.a.jwt"))
        .await
        .assert_problem(401, "unauthenticated");

    let res = app
        .patch(
            PROFILE,
            Some(&carol.access),
            &json!({"first_name": "  Caroline "}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.body["first_name"], "Caroline");
    assert_eq!(res.body["last_name"], "Last");
    let res = app
        .send_json(
            Method::PUT,
            PROFILE,
            Some(&carol.access),
            &json!({"email": "caroline@example.com", "last_name": "Smith"}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(keys(&res.body), account_fields());
    assert_eq!(res.body["email"], "caroline@example.com");
    assert_eq!(res.body["first_name"], "Caroline");
    assert_eq!(res.body["last_name"], "Smith");
    let again = app.get(PROFILE, Some(&carol.access)).await;
    assert_eq!(again.body, res.body);

    // Unknown and read-only fields are refused, not ignored.
    for body in [
        json!({"username": "caz"}),
        json!({"role": "admin"}),
        json!({"is_staff": true}),
        json!({"is_active": false}),
        json!({"id": carol.id}),
        json!({"nickname": "caz"}),
    ] {
        app.patch(PROFILE, Some(&carol.access), &body)
            .await
            .assert_problem(400, "validation_failed");
    }
    let res = app
        .patch(
            PROFILE,
            Some(&carol.access),
            &json!({"email": "nope", "last_name": "x".repeat(151)}),
        )
        .await;
    res.assert_problem(400, "validation_failed");
    assert_eq!(
        res.body["errors"],
        json!({"email": ["must be a valid email address"], "last_name": ["must be at most 150 characters"]})
    );
    let res = app
        .patch(
            PROFILE,
            Some(&carol.access),
            &json!({"email": "DAVE@example.com"}),
        )
        .await;
    res.assert_problem(409, "conflict");
    assert_eq!(
        res.body["errors"],
        json!({"email": ["email is already taken"]})
    );
    let unchanged = app.get(PROFILE, Some(&carol.access)).await;
    assert_eq!(unchanged.body["email"], "caroline@example.com");
}

backend_tests!(
    password_change_revokes_other_sessions,
    deactivation_blocks_login_and_tokens,
    profile_read_and_update,
);
