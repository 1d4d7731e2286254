//! `/api/v1/users/auth/…`: register, login, refresh rotation, logout, the Origin check, the
//! refresh cookie's attributes.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::api::helpers::*;

const REGISTER: &str = "/api/v1/users/auth/register/";
pub(crate) const LOGIN: &str = "/api/v1/users/auth/login/";
pub(crate) const REFRESH: &str = "/api/v1/users/auth/refresh/";
const LOGOUT: &str = "/api/v1/users/auth/logout/";
pub(crate) const PROFILE: &str = "/api/v1/users/profile/";

/// The attributes of a `Set-Cookie` line (the first item is `name=value`), as a set.
fn cookie_attributes(line: &str) -> BTreeSet<String> {
    line.split(';').map(|p| p.trim().to_owned()).collect()
}

/// Asserts the refresh cookie set by `res`: exactly these attributes, with `Max-Age` = the
/// seconds left of a 7-day session (604 800, or a little less when the machine was slow between
/// creating the session and answering: at most 30 s).
#[track_caller]
pub(crate) fn assert_refresh_cookie(res: &Resp, secure: bool) -> String {
    let line = res.refresh_set_cookie().expect("a refresh_token cookie");
    let value = res.refresh_cookie().expect("a value");
    assert!(value.len() >= 32, "a long random token: {value}");
    let mut got = cookie_attributes(&line);
    let max_age = got
        .iter()
        .find_map(|a| a.strip_prefix("Max-Age=").map(str::to_owned))
        .expect("a Max-Age");
    let secs: i64 = max_age.parse().expect("Max-Age in seconds");
    assert!(
        (604_800 - 30..=604_800).contains(&secs),
        "Max-Age of a fresh 7-day session: {line}"
    );
    got.remove(&format!("Max-Age={max_age}"));
    let mut expected: BTreeSet<String> = [
        format!("refresh_token={value}"),
        "HttpOnly".to_owned(),
        "SameSite=Strict".to_owned(),
        "Path=/api/v1/users/auth/".to_owned(),
    ]
    .into_iter()
    .collect();
    if secure {
        expected.insert("Secure".to_owned());
    }
    assert_eq!(got, expected, "Set-Cookie: {line}");
    value
}

/// Asserts that `res` deletes the refresh cookie.
#[track_caller]
fn assert_cookie_cleared(res: &Resp, secure: bool) {
    let line = res.refresh_set_cookie().expect("a refresh_token cookie");
    let mut expected: BTreeSet<String> = [
        "refresh_token=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api/v1/users/auth/",
        "Max-Age=0",
        "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    if secure {
        expected.insert("Secure".to_owned());
    }
    assert_eq!(cookie_attributes(&line), expected, "Set-Cookie: {line}");
}

async fn register_signs_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .post(
            REGISTER,
            None,
            &json!({
                "email": "  Alice@Example.com ",
                "username": "alice",
                "password": PASSWORD,
                "password_confirmation": PASSWORD,
                "first_name": "  Alice ",
                "last_name": "Liddell",
            }),
        )
        .await;
    res.assert_status(201);
    assert_eq!(keys(&res.body), sorted(&["user", "access"]));
    let user = &res.body["user"];
    assert_eq!(keys(user), account_fields());
    assert_eq!(user["username"], "alice");
    assert_eq!(user["email"], "Alice@Example.com");
    assert_eq!(user["first_name"], "Alice");
    assert_eq!(user["last_name"], "Liddell");
    assert_eq!(user["role"], "customer");
    assert_eq!(user["is_staff"], false);
    assert_eq!(user["is_active"], true);
    user["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap();
    assert_refresh_cookie(&res, false);
    let access = res.body["access"].as_str().unwrap();
    assert_eq!(access.split('.').count(), 3, "a JWT");
    let me = app.get(PROFILE, Some(access)).await;
    me.assert_status(200);
    assert_eq!(&me.body, user);

    // Without a username, one is derived from the email; a taken one gets a numeric suffix.
    let derived = app
        .post(
            REGISTER,
            None,
            &json!({"email": "bob.smith@example.com", "password": PASSWORD}),
        )
        .await;
    derived.assert_status(201);
    assert_eq!(derived.body["user"]["username"], "bob.smith");
    assert_eq!(derived.body["user"]["first_name"], "");
    let again = app
        .post(
            REGISTER,
            None,
            &json!({"email": "bob.smith@example.org", "password": PASSWORD}),
        )
        .await;
    again.assert_status(201);
    let name = again.body["user"]["username"].as_str().unwrap();
    assert!(
        name.len() > "bob.smith".len()
            && name.starts_with("bob.smith")
            && name["bob.smith".len()..]
                .chars()
                .all(|c| c.is_ascii_digit()),
        "{name}"
    );

    // Taken email (case-insensitively) or username: 409 on the field.
    let taken = app
        .post(
            REGISTER,
            None,
            &json!({"email": "ALICE@example.com", "username": "alice2", "password": PASSWORD}),
        )
        .await;
    taken.assert_problem(409, "conflict");
    assert_eq!(
        taken.body["errors"],
        json!({"email": ["email is already taken"]})
    );
    let taken = app
        .post(
            REGISTER,
            None,
            &json!({"email": "other@example.com", "username": "ALICE", "password": PASSWORD}),
        )
        .await;
    taken.assert_problem(409, "conflict");
    assert_eq!(
        taken.body["errors"],
        json!({"username": ["username is already taken"]})
    );
}

async fn register_validation(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (
            json!({"email": "x@example.com", "password": "12345678"}),
            json!({"password": ["must not be entirely numeric", "is too common"]}),
        ),
        (
            json!({"email": "x@example.com", "password": "short"}),
            json!({"password": ["must be at least 8 characters"]}),
        ),
        (
            json!({"email": "carol@example.com", "username": "carol", "password": "Carol2024!"}),
            json!({"password": ["is too similar to the username or email"]}),
        ),
        (
            json!({"email": "x@example.com", "password": PASSWORD, "password_confirmation": "other password"}),
            json!({"password_confirmation": ["does not match the password"]}),
        ),
        (
            json!({"email": "not-an-email", "username": "a b", "password": PASSWORD, "first_name": "x".repeat(151)}),
            json!({
                "email": ["must be a valid email address"],
                "username": ["may contain only letters, digits and @ . + - _"],
                "first_name": ["must be at most 150 characters"],
            }),
        ),
    ];
    for (body, errors) in cases {
        let res = app.post(REGISTER, None, &body).await;
        res.assert_problem(400, "validation_failed");
        assert_eq!(res.body["errors"], errors, "for {body}");
        assert!(res.refresh_set_cookie().is_none());
    }
    // Unknown fields, missing fields, wrong types: 400 too.
    for body in [
        json!({"email": "x@example.com", "password": PASSWORD, "role": "admin"}),
        json!({"email": "x@example.com", "password": PASSWORD, "is_staff": true}),
        json!({"email": "x@example.com"}),
        json!({"email": 42, "password": PASSWORD}),
    ] {
        app.post(REGISTER, None, &body)
            .await
            .assert_problem(400, "validation_failed");
    }
}

async fn login_by_email_or_username(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.register("alice").await;

    let res = app.login("alice").await;
    res.assert_status(200);
    assert_eq!(keys(&res.body), sorted(&["user", "access"]));
    assert_account(&res.body["user"], &alice, "customer");
    assert_refresh_cookie(&res, false);
    let token = res.body["access"].as_str().unwrap();
    app.get(PROFILE, Some(token)).await.assert_status(200);

    let res = app.login("ALICE@example.COM").await;
    res.assert_status(200);
    assert_account(&res.body["user"], &alice, "customer");

    // One answer for a wrong password, an unknown user and a deactivated account.
    let wrong = app
        .post(
            LOGIN,
            None,
            &json!({"username": "alice", "password": "wrong password!"}),
        )
        .await;
    wrong.assert_problem(401, "unauthenticated");
    assert_eq!(wrong.header("www-authenticate"), Some("Bearer"));
    assert!(wrong.refresh_set_cookie().is_none());
    let unknown = app
        .post(
            LOGIN,
            None,
            &json!({"email": "nobody@example.com", "password": PASSWORD}),
        )
        .await;
    unknown.assert_problem(401, "unauthenticated");
    assert_eq!(unknown.body, wrong.body);
    app.app
        .operator_update_user(
            ticketing_domain::UserId::from_uuid(alice.id.parse().unwrap()),
            ticketing_app::UserUpdate {
                role: None,
                is_active: Some(false),
            },
        )
        .await
        .unwrap();
    let inactive = app.login("alice").await;
    inactive.assert_problem(401, "unauthenticated");
    assert_eq!(inactive.body, wrong.body);

    // An account made by the operator (staff) logs in the same way.
    let agent = app
        .app
        .create_user(ticketing_app::CreateUserInput {
            username: ticketing_domain::Username::parse("bob").unwrap(),
            email: ticketing_domain::Email::parse("bob@example.com").unwrap(),
            password: ticketing_domain::Password::new(PASSWORD),
            role: ticketing_domain::Role::Agent,
            first_name: ticketing_domain::PersonName::parse("Bob").unwrap(),
            last_name: ticketing_domain::PersonName::empty(),
        })
        .await
        .unwrap();
    let res = app.login("bob").await;
    res.assert_status(200);
    assert_eq!(res.body["user"]["id"], agent.id.to_string());
    assert_eq!(res.body["user"]["role"], "agent");
    assert_eq!(res.body["user"]["is_staff"], true);
    assert_eq!(res.body["user"]["first_name"], "Bob");

    // Malformed attempts are 400.
    for body in [
        json!({"password": PASSWORD}),
        json!({"username": "alice", "password": ""}),
        json!({"username": "alice"}),
        json!({"username": "alice", "password": PASSWORD, "remember": true}),
    ] {
        app.post(LOGIN, None, &body)
            .await
            .assert_problem(400, "validation_failed");
    }
}

async fn refresh_rotates_and_reuse_revokes_the_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.register("alice").await;
    let r0 = alice.refresh.clone();

    let res = app.post_cookie(REFRESH, Some(&r0)).await;
    res.assert_status(200);
    assert_eq!(keys(&res.body), sorted(&["access"]));
    let r1 = assert_refresh_cookie(&res, false);
    assert_ne!(r1, r0);
    let access = res.body["access"].as_str().unwrap().to_owned();
    let me = app.get(PROFILE, Some(&access)).await;
    me.assert_status(200);
    assert_eq!(me.body["id"], alice.id.as_str());

    let res = app.post_cookie(REFRESH, Some(&r1)).await;
    res.assert_status(200);
    let r2 = assert_refresh_cookie(&res, false);

    // The first token again: theft. 401, and the whole family dies (r2 too).
    let reused = app.post_cookie(REFRESH, Some(&r0)).await;
    reused.assert_problem(401, "unauthenticated");
    assert_eq!(reused.header("www-authenticate"), Some("Bearer"));
    assert_cookie_cleared(&reused, false);
    app.post_cookie(REFRESH, Some(&r2))
        .await
        .assert_problem(401, "unauthenticated");
    app.post_cookie(REFRESH, Some(&r1))
        .await
        .assert_problem(401, "unauthenticated");

    // No cookie, or a made-up one: 401.
    app.post_cookie(REFRESH, None)
        .await
        .assert_problem(401, "unauthenticated");
    app.post_cookie(REFRESH, Some("made-up-token"))
        .await
        .assert_problem(401, "unauthenticated");

    // Another login of the same user is another family: unaffected.
    let other = app.login("alice").await;
    other.assert_status(200);
    let s0 = other.refresh_cookie().unwrap();
    app.post_cookie(REFRESH, Some(&s0)).await.assert_status(200);
}

async fn browser_cookie_flow(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = fetch(browser.post(app.url(REGISTER)).json(&json!({
        "email": "carol@example.com", "password": PASSWORD,
    })))
    .await;
    res.assert_status(201);
    // The cookie store sends the cookie back by itself (Path matches, not Secure over http).
    let res = fetch(browser.post(app.url(REFRESH))).await;
    res.assert_status(200);
    let res = fetch(browser.post(app.url(REFRESH))).await;
    res.assert_status(200);
    let res = fetch(browser.post(app.url(LOGOUT))).await;
    res.assert_status(204);
    assert_cookie_cleared(&res, false);
    // The cookie is gone: refresh has nothing to present.
    fetch(browser.post(app.url(REFRESH)))
        .await
        .assert_problem(401, "unauthenticated");
}

async fn logout_revokes_even_with_an_expired_access_token(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.access_ttl = Duration::from_secs(1)).await;
    let carol = app.register("carol").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    let expired = app.get(PROFILE, Some(&carol.access)).await;
    expired.assert_problem(401, "token_expired");
    assert_eq!(expired.header("www-authenticate"), Some("Bearer"));

    let res = fetch(
        app.request(Method::POST, LOGOUT, Some(&carol.access))
            .header("cookie", format!("refresh_token={}", carol.refresh)),
    )
    .await;
    res.assert_status(204);
    assert!(res.bytes.is_empty());
    assert_cookie_cleared(&res, false);
    app.post_cookie(REFRESH, Some(&carol.refresh))
        .await
        .assert_problem(401, "unauthenticated");

    // Without cookie and token, or with a dead cookie: still 204.
    app.post_cookie(LOGOUT, None).await.assert_status(204);
    app.post_cookie(LOGOUT, Some(&carol.refresh))
        .await
        .assert_status(204);
    app.post_cookie(LOGOUT, Some("made-up-token"))
        .await
        .assert_status(204);
}

async fn origin_check_on_refresh_and_logout(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let with_origin = |path: &str, origin: &str, refresh: &str| {
        app.request(Method::POST, path, None)
            .header("origin", origin)
            .header("cookie", format!("refresh_token={refresh}"))
    };
    for origin in [
        "https://evil.example",
        "null",
        "http://127.0.0.1:1",
        "http://localhost",
    ] {
        fetch(with_origin(REFRESH, origin, &carol.refresh))
            .await
            .assert_problem(403, "forbidden");
        fetch(with_origin(LOGOUT, origin, &carol.refresh))
            .await
            .assert_problem(403, "forbidden");
    }
    // Nothing was rotated or revoked by the refused requests; the own origin passes.
    let own = format!("http://127.0.0.1:{}", app.port);
    let res = fetch(with_origin(REFRESH, &own, &carol.refresh)).await;
    res.assert_status(200);
    let r1 = res.refresh_cookie().unwrap();
    fetch(with_origin(LOGOUT, &own, &r1))
        .await
        .assert_status(204);
    app.post_cookie(REFRESH, Some(&r1))
        .await
        .assert_problem(401, "unauthenticated");
}

async fn cookie_is_secure_when_configured(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.auth.cookie_secure = true).await;
    let res = app
        .post(
            REGISTER,
            None,
            &json!({"email": "carol@example.com", "password": PASSWORD}),
        )
        .await;
    res.assert_status(201);
    let token = assert_refresh_cookie(&res, true);
    let res = app.post_cookie(REFRESH, Some(&token)).await;
    res.assert_status(200);
    let token = assert_refresh_cookie(&res, true);
    let res = app.post_cookie(LOGOUT, Some(&token)).await;
    res.assert_status(204);
    assert_cookie_cleared(&res, true);
}

backend_tests!(
    register_signs_in,
    register_validation,
    login_by_email_or_username,
    refresh_rotates_and_reuse_revokes_the_family,
    browser_cookie_flow,
    logout_revokes_even_with_an_expired_access_token,
    origin_check_on_refresh_and_logout,
    cookie_is_secure_when_configured,
);
