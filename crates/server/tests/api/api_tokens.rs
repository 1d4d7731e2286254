//! Personal access tokens (API tokens) through the HTTP API and the `ticketing token create`
//! command: creation, listing and revocation; the `read` scope; that tokens never manage tokens
//! or change passwords; every way a token ends (revocation, expiry, deactivation, a role change,
//! a password change); never more than the owner may do; the limit per token; input checks.

use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

const TOKENS: &str = "/api/v1/users/profile/tokens/";
const PROFILE: &str = "/api/v1/users/profile/";
const CHANGE_PASSWORD: &str = "/api/v1/users/profile/change-password/";

fn token_path(id: &str) -> String {
    format!("{TOKENS}{id}/")
}

/// Creates a token of `user` (with their session), expecting 201; returns the answer's body.
async fn create_token(app: &TestApp, user: &TestUser, name: &str, scope: &str) -> Value {
    let res = app
        .post(
            TOKENS,
            Some(&user.access),
            &json!({"name": name, "scope": scope}),
        )
        .await;
    res.assert_status(201);
    res.body
}

/// The secret of a created token.
fn secret(created: &Value) -> String {
    created["token"].as_str().expect("a secret").to_owned()
}

/// Asserts the 401 a token that no longer works gets.
#[track_caller]
fn assert_refused(res: &Resp, what: &str) {
    assert_eq!(res.status, 401, "{what}: {}", res.text());
    res.assert_problem(401, "unauthenticated");
    assert_eq!(res.header("www-authenticate"), Some("Bearer"), "{what}");
}

/// The audit entries about `user` (as seen by the admin `root`), newest first:
/// (actor, action, details).
async fn audit_of(
    app: &TestApp,
    root: &TestUser,
    user: &TestUser,
) -> Vec<(String, String, String)> {
    let res = app
        .get(
            &format!("/api/v1/audit/?target={}", user.id),
            Some(&root.access),
        )
        .await;
    res.assert_status(200);
    res.body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["details"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A token is made (shown once, listed without its secret), used (recorded as
/// `last_used_at`), and revoked (401 at once); both are in the audit log.
async fn tokens_are_created_listed_used_and_revoked(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.staff("root", Role::Admin).await;
    let carol = app.register("carol").await;
    let res = app
        .post(
            TOKENS,
            Some(&carol.access),
            &json!({"name": "  nightly export ", "scope": "write", "expires_in_days": 30}),
        )
        .await;
    res.assert_status(201);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let created = res.body.clone();
    let token = secret(&created);
    assert!(token.starts_with("tkt_"), "{token}");
    assert_eq!(token.len(), 4 + 43, "{token}");
    assert!(
        token[4..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{token}"
    );
    assert_eq!(created["name"], "nightly export");
    assert_eq!(created["scope"], "write");
    assert_eq!(created["expired"], false);
    assert!(created["last_used_at"].is_null());
    let created_at =
        chrono::DateTime::parse_from_rfc3339(created["created_at"].as_str().unwrap()).unwrap();
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(created["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires_at - created_at, chrono::Duration::days(30));

    // Listed without the secret.
    let list = app.get(TOKENS, Some(&carol.access)).await;
    list.assert_status(200);
    let items = list.body.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        keys(&items[0]),
        sorted(&[
            "created_at",
            "expired",
            "expires_at",
            "id",
            "last_used_at",
            "name",
            "scope"
        ])
    );
    assert!(
        !list.text().contains(&token[4..]),
        "the secret is never listed"
    );
    assert!(items[0]["last_used_at"].is_null());

    // Used: it stands for carol, and the use is recorded.
    let me = app.get(PROFILE, Some(&token)).await;
    me.assert_status(200);
    assert_eq!(me.body["id"], carol.id.as_str());
    let ticket = app.ticket(&token, "Made by a script").await;
    assert_eq!(ticket["user"]["id"], carol.id.as_str());
    let list = app.get(TOKENS, Some(&carol.access)).await;
    assert!(list.body[0]["last_used_at"].is_string(), "{}", list.text());

    // A second token is listed first (newest first).
    let other = create_token(&app, &carol, "second", "read").await;
    let list = app.get(TOKENS, Some(&carol.access)).await;
    let names: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["second", "nightly export"]);

    // Revoked: refused at once; the other token still works.
    let res = app
        .delete(
            &token_path(created["id"].as_str().unwrap()),
            Some(&carol.access),
        )
        .await;
    res.assert_status(204);
    assert_refused(&app.get(PROFILE, Some(&token)).await, "revoked");
    assert_eq!(
        app.get(PROFILE, Some(&secret(&other))).await.status,
        200,
        "the other token"
    );
    app.delete(
        &token_path(created["id"].as_str().unwrap()),
        Some(&carol.access),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(
        app.get(TOKENS, Some(&carol.access))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The audit log: carol created two and revoked one; never a secret.
    let log = audit_of(&app, &root, &carol).await;
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|(actor, action, _)| (actor.as_str(), action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("carol", "token.revoked"),
            ("carol", "token.created"),
            ("carol", "token.created"),
        ]
    );
    assert!(log[0].2.contains("nightly export"), "{log:?}");
    assert!(log[2].2.contains("write"), "{log:?}");
    let all = app.get("/api/v1/audit/", Some(&root.access)).await;
    assert!(!all.text().contains(&token[4..]));
    assert!(!all.text().contains(&secret(&other)[4..]));
    let filtered = app
        .get("/api/v1/audit/?action=token.revoked", Some(&root.access))
        .await;
    filtered.assert_status(200);
    assert_eq!(filtered.body.as_array().unwrap().len(), 1);
}

/// A `read` token reads (GET and HEAD) and is refused every write with 403; nothing changes.
async fn read_tokens_only_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let ticket = app.ticket(&carol.access, "Printer").await;
    let id = ticket["id"].as_str().unwrap();
    let read = secret(&create_token(&app, &carol, "reader", "read").await);

    app.get("/api/v1/tickets/", Some(&read))
        .await
        .assert_status(200);
    app.get(&format!("/api/v1/tickets/{id}/"), Some(&read))
        .await
        .assert_status(200);
    let head = fetch(app.request(Method::HEAD, "/api/v1/tickets/", Some(&read))).await;
    head.assert_status(200);

    let path = format!("/api/v1/tickets/{id}/");
    let messages = format!("/api/v1/tickets/{id}/messages/");
    let writes = [
        (
            Method::POST,
            "/api/v1/tickets/",
            json!({"topic": "x", "description": "y"}),
        ),
        (Method::PATCH, path.as_str(), json!({"status": "closed"})),
        (Method::PUT, path.as_str(), json!({"topic": "renamed"})),
        (Method::DELETE, path.as_str(), json!({})),
        (Method::POST, messages.as_str(), json!({"message": "hello"})),
        (Method::PATCH, PROFILE, json!({"first_name": "Mallory"})),
    ];
    for (method, path, body) in writes {
        let res = app
            .send_json(method.clone(), path, Some(&read), &body)
            .await;
        res.assert_problem(403, "forbidden");
        assert!(
            res.body["detail"].as_str().unwrap().contains("read scope"),
            "{method} {path}: {}",
            res.text()
        );
    }
    let upload = app
        .upload(&read, id, "a.txt", "text/plain", b"hi".to_vec(), None)
        .await;
    upload.assert_problem(403, "forbidden");

    let after = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    assert_eq!(after.body["version"], ticket["version"], "nothing changed");
    assert_eq!(after.body["status"], "open");
    assert_eq!(after.body["topic"], "Printer");
    assert_eq!(after.body["message_count"], 0);
    let mine = app.get("/api/v1/tickets/", Some(&carol.access)).await;
    assert_eq!(mine.header("x-total-count"), Some("1"));
    assert_eq!(
        app.get(PROFILE, Some(&carol.access)).await.body["first_name"],
        "First"
    );
}

/// Tokens cannot list, create or revoke tokens, nor change the password (403, whatever their
/// scope), and a refused password change counts nothing and ends no session.
async fn tokens_cannot_manage_tokens_or_change_passwords(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.password_failures_to_revoke = 2).await;
    let carol = app.register("carol").await;
    let write = create_token(&app, &carol, "writer", "write").await;
    let write_secret = secret(&write);
    let read = secret(&create_token(&app, &carol, "reader", "read").await);
    for token in [&write_secret, &read] {
        app.get(TOKENS, Some(token))
            .await
            .assert_problem(403, "forbidden");
        let res = app
            .post(
                TOKENS,
                Some(token),
                &json!({"name": "minted", "scope": "write"}),
            )
            .await;
        res.assert_problem(403, "forbidden");
        app.delete(&token_path(write["id"].as_str().unwrap()), Some(token))
            .await
            .assert_problem(403, "forbidden");
    }
    let res = app
        .post(
            TOKENS,
            Some(&write_secret),
            &json!({"name": "minted", "scope": "write"}),
        )
        .await;
    assert!(
        res.body["detail"]
            .as_str()
            .unwrap()
            .contains("sign in with your password"),
        "{}",
        res.text()
    );
    for _ in 0..3 {
        let res = app
            .post(
                CHANGE_PASSWORD,
                Some(&write_secret),
                &json!({"old_password": "wrong wrong wrong", "new_password": "another good secret"}),
            )
            .await;
        res.assert_problem(403, "forbidden");
    }
    // Nothing was minted, revoked or ended; the password is unchanged.
    let list = app.get(TOKENS, Some(&carol.access)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    app.get(PROFILE, Some(&carol.access))
        .await
        .assert_status(200);
    app.get(PROFILE, Some(&write_secret))
        .await
        .assert_status(200);
    app.login("carol").await.assert_status(200);
}

/// Every way a token ends: expiry, the owner's deactivation (also after a reactivation), a role
/// change (also back to the role it had), a password change (the owner's or the operator's).
async fn every_revocation_path_ends_a_token(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let root = app.staff("root", Role::Admin).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;

    // Expiry: a token past its expiry is refused (and listed as expired).
    let expiring = create_token(&app, &carol, "expiring", "read").await;
    let expiring_secret = secret(&expiring);
    app.get(PROFILE, Some(&expiring_secret))
        .await
        .assert_status(200);
    let past = match backend {
        Backend::Sqlite => "1000000".to_owned(),
        Backend::Postgres(_) => "'2001-01-01T00:00:00Z'".to_owned(),
    };
    app.execute_sql(&format!(
        "UPDATE api_tokens SET expires_at = {past} WHERE name = 'expiring'"
    ));
    let res = app.get(PROFILE, Some(&expiring_secret)).await;
    assert_refused(&res, "expired");
    assert!(res.body["detail"].as_str().unwrap().contains("expired"));
    let list = app.get(TOKENS, Some(&carol.access)).await;
    assert_eq!(list.body[0]["expired"], true);

    // Deactivation, then reactivation: it stays dead (and is gone from the list).
    let token = secret(&create_token(&app, &carol, "deactivated", "write").await);
    app.get(PROFILE, Some(&token)).await.assert_status(200);
    let user_path = format!("/api/v1/users/{}/", carol.id);
    app.patch(&user_path, Some(&root.access), &json!({"is_active": false}))
        .await
        .assert_status(200);
    assert_refused(&app.get(PROFILE, Some(&token)).await, "deactivated");
    app.patch(&user_path, Some(&root.access), &json!({"is_active": true}))
        .await
        .assert_status(200);
    assert_refused(&app.get(PROFILE, Some(&token)).await, "reactivated");
    let carol = TestUser {
        access: app.login("carol").await.body["access"]
            .as_str()
            .unwrap()
            .to_owned(),
        ..carol
    };
    assert_eq!(
        app.get(TOKENS, Some(&carol.access)).await.body,
        json!([]),
        "every token of a deactivated user is gone"
    );

    // A role change, either way, and back: the token stays dead.
    let agent_token = secret(&create_token(&app, &alice, "agent", "write").await);
    app.get("/api/v1/assigned-tickets/", Some(&agent_token))
        .await
        .assert_status(200);
    let alice_path = format!("/api/v1/users/{}/", alice.id);
    app.patch(&alice_path, Some(&root.access), &json!({"role": "admin"}))
        .await
        .assert_status(200);
    assert_refused(
        &app.get("/api/v1/users/", Some(&agent_token)).await,
        "promoted",
    );
    app.patch(&alice_path, Some(&root.access), &json!({"role": "agent"}))
        .await
        .assert_status(200);
    assert_refused(
        &app.get("/api/v1/assigned-tickets/", Some(&agent_token))
            .await,
        "back to agent",
    );
    let demoted_token = secret(&create_token(&app, &alice, "demoted", "read").await);
    app.set_role(&alice, Role::Customer).await;
    assert_refused(&app.get(PROFILE, Some(&demoted_token)).await, "demoted");

    // The owner's password change.
    let token = secret(&create_token(&app, &carol, "password", "read").await);
    app.get(PROFILE, Some(&token)).await.assert_status(200);
    let changed = app
        .post(
            CHANGE_PASSWORD,
            Some(&carol.access),
            &json!({"old_password": PASSWORD, "new_password": "an entirely new secret"}),
        )
        .await;
    changed.assert_status(200);
    assert_refused(&app.get(PROFILE, Some(&token)).await, "password changed");
    let fresh = changed.body["access"].as_str().unwrap().to_owned();
    assert_eq!(app.get(TOKENS, Some(&fresh)).await.body, json!([]));

    // The operator's password reset.
    let token = secret(&create_token(&app, &root, "reset", "read").await);
    app.get(PROFILE, Some(&token)).await.assert_status(200);
    app.app
        .operator_set_password(
            ticketing_domain::UserId::from_uuid(root.id.parse().unwrap()),
            ticketing_domain::Password::new("the operator's new secret"),
        )
        .await
        .unwrap();
    assert_refused(&app.get(PROFILE, Some(&token)).await, "password reset");
}

/// A token never does more than its owner may: a customer's token cannot see another
/// customer's ticket (404), nor list users or read the audit log (403).
async fn a_token_never_does_more_than_its_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let theirs = app.ticket(&dave.access, "Dave's printer").await;
    let theirs = theirs["id"].as_str().unwrap();
    app.ticket(&carol.access, "Carol's printer").await;
    let token = secret(&create_token(&app, &carol, "script", "write").await);

    let path = format!("/api/v1/tickets/{theirs}/");
    app.get(&path, Some(&token))
        .await
        .assert_problem(404, "not_found");
    app.patch(&path, Some(&token), &json!({"status": "closed"}))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("{path}messages/"),
        Some(&token),
        &json!({"message": "mine now"}),
    )
    .await
    .assert_problem(404, "not_found");
    let list = app.get("/api/v1/tickets/", Some(&token)).await;
    list.assert_status(200);
    assert_eq!(list.header("x-total-count"), Some("1"));
    assert_eq!(list.body[0]["topic"], "Carol's printer");
    app.get("/api/v1/users/", Some(&token))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/audit/", Some(&token))
        .await
        .assert_problem(403, "forbidden");
    app.patch(
        &format!("/api/v1/users/{}/", carol.id),
        Some(&token),
        &json!({"role": "admin"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let still = app.get(&path, Some(&dave.access)).await;
    assert_eq!(still.body["status"], "open");
    assert_eq!(still.body["message_count"], 0);
}

/// Requests with one token are limited per token (429 with `Retry-After`); the owner's other
/// tokens and their session are not.
async fn tokens_are_rate_limited_per_token(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.limits.api_token_requests_per_minute = 3).await;
    let carol = app.register("carol").await;
    let first = secret(&create_token(&app, &carol, "first", "read").await);
    let second = secret(&create_token(&app, &carol, "second", "read").await);
    for _ in 0..3 {
        app.get(PROFILE, Some(&first)).await.assert_status(200);
    }
    let limited = app.get(PROFILE, Some(&first)).await;
    limited.assert_problem(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    app.get(PROFILE, Some(&second)).await.assert_status(200);
    for _ in 0..5 {
        app.get(PROFILE, Some(&carol.access))
            .await
            .assert_status(200);
    }
}

/// Bad input is a 400 naming the field, a taken name and the 51st token a 409; nothing is
/// stored. Unknown, malformed and oversized tokens are 401; another user's token id is 404.
async fn token_input_is_checked(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let cases = [
        (json!({"name": "", "scope": "read"}), "name"),
        (json!({"name": "   ", "scope": "read"}), "name"),
        (json!({"name": "x".repeat(101), "scope": "read"}), "name"),
        (json!({"name": "tab\there", "scope": "read"}), "name"),
        (json!({"name": "ok", "scope": "admin"}), "scope"),
        (json!({"name": "ok", "scope": "READ"}), "scope"),
        (
            json!({"name": "ok", "scope": "read", "expires_in_days": 0}),
            "expires_in_days",
        ),
        (
            json!({"name": "ok", "scope": "read", "expires_in_days": 3651}),
            "expires_in_days",
        ),
        (
            json!({"name": "ok", "scope": "read", "expires_in_days": -5}),
            "expires_in_days",
        ),
        (
            json!({"name": "ok", "scope": "read", "expires_in_days": "7"}),
            "expires_in_days",
        ),
        (
            json!({"name": "ok", "scope": "read", "expires_in_days": 1.5}),
            "expires_in_days",
        ),
        (json!({"name": "ok"}), ""),
        (json!({"scope": "read"}), ""),
        (json!({"name": "ok", "scope": "read", "role": "admin"}), ""),
    ];
    for (body, field) in cases {
        let res = app.post(TOKENS, Some(&carol.access), &body).await;
        res.assert_problem(400, "validation_failed");
        if !field.is_empty() {
            assert!(
                res.body["errors"][field].is_array(),
                "{body}: {}",
                res.text()
            );
        }
    }
    let res = app
        .post(
            TOKENS,
            Some(&carol.access),
            &json!({"name": "", "scope": "nope", "expires_in_days": 0}),
        )
        .await;
    let mut fields: Vec<&String> = res.body["errors"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        ["expires_in_days", "name", "scope"],
        "every field at once"
    );
    let array = fetch(
        app.request(Method::POST, TOKENS, Some(&carol.access))
            .json(&json!(["ok", "read"])),
    )
    .await;
    array.assert_problem(400, "validation_failed");
    assert_eq!(app.get(TOKENS, Some(&carol.access)).await.body, json!([]));

    // A name is unique per user; another user may use it.
    let first = create_token(&app, &carol, "deploy", "write").await;
    let res = app
        .post(
            TOKENS,
            Some(&carol.access),
            &json!({"name": " deploy ", "scope": "read"}),
        )
        .await;
    res.assert_problem(409, "conflict");
    assert!(res.body["errors"]["name"].is_array(), "{}", res.text());
    create_token(&app, &dave, "deploy", "write").await;

    // Another user's token: 404, and it keeps working.
    app.delete(
        &token_path(first["id"].as_str().unwrap()),
        Some(&dave.access),
    )
    .await
    .assert_problem(404, "not_found");
    app.delete(&token_path("not-a-uuid"), Some(&carol.access))
        .await
        .assert_problem(404, "not_found");
    app.get(PROFILE, Some(&secret(&first)))
        .await
        .assert_status(200);

    // At most 50 per user.
    for i in 1..50 {
        create_token(&app, &carol, &format!("token {i}"), "read").await;
    }
    let res = app
        .post(
            TOKENS,
            Some(&carol.access),
            &json!({"name": "one too many", "scope": "read"}),
        )
        .await;
    res.assert_problem(409, "conflict");
    assert!(res.body["detail"].as_str().unwrap().contains("50"));
    assert_eq!(
        app.get(TOKENS, Some(&carol.access))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        50
    );

    // Tokens that are none.
    let forged = format!("tkt_{}", "A".repeat(43));
    let long = format!("tkt_{}", "A".repeat(5000));
    for bad in ["tkt_", "tkt_x", forged.as_str(), long.as_str()] {
        assert_refused(&app.get(PROFILE, Some(bad)).await, bad);
    }
    let almost = format!("{}x", secret(&first));
    assert_refused(&app.get(PROFILE, Some(&almost)).await, "altered");
    app.get(TOKENS, None)
        .await
        .assert_problem(401, "unauthenticated");
}

/// Runs the `ticketing` binary against the test server's database.
async fn ticketing(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticketing"));
    command
        .env_clear()
        .env("TICKETING_LOG", "warn")
        .env("TICKETING_DATA_DIR", app.data_dir())
        .env("DATABASE_URL", app.database_url())
        .env("TICKETING_JWT_SECRET", JWT_SECRET)
        .args(args);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// `ticketing token create` prints a working token once (on standard output alone) and audits
/// it as `cli`; bad input stops it before anything is written.
async fn the_cli_creates_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.staff("root", Role::Admin).await;
    let carol = app.register("carol").await;
    let out = ticketing(
        &app,
        &[
            "token",
            "create",
            "--user",
            "carol",
            "--name",
            "backup job",
            "--scope",
            "read",
            "--expires",
            "7",
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stdout} {stderr}");
    let token = stdout.trim();
    assert!(token.starts_with("tkt_") && token.len() == 47, "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stderr.contains("backup job") && stderr.contains("only this once"),
        "{stderr}"
    );
    assert!(!stderr.contains(token), "{stderr}");

    let me = app.get(PROFILE, Some(token)).await;
    me.assert_status(200);
    assert_eq!(me.body["username"], "carol");
    app.post(
        "/api/v1/tickets/",
        Some(token),
        &json!({"topic": "x", "description": "y"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let list = app.get(TOKENS, Some(&carol.access)).await;
    assert_eq!(list.body[0]["name"], "backup job");
    assert_eq!(list.body[0]["scope"], "read");
    assert!(list.body[0]["expires_at"].is_string());
    let log = audit_of(&app, &root, &carol).await;
    assert_eq!(log[0].0, "cli");
    assert_eq!(log[0].1, "token.created");

    let refused = [
        (
            vec!["--user", "nobody", "--name", "x", "--scope", "read"],
            "not found",
        ),
        (
            vec!["--user", "carol", "--name", "x", "--scope", "admin"],
            "scope",
        ),
        (
            vec!["--user", "carol", "--name", "", "--scope", "read"],
            "name",
        ),
        (
            vec![
                "--user",
                "carol",
                "--name",
                "x",
                "--scope",
                "read",
                "--expires",
                "0",
            ],
            "--expires",
        ),
        (
            vec![
                "--user",
                "carol",
                "--name",
                "backup job",
                "--scope",
                "write",
            ],
            "name",
        ),
    ];
    for (args, says) in refused {
        let mut all = vec!["token", "create"];
        all.extend(args.iter().copied());
        let out = ticketing(&app, &all).await;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert_eq!(
        app.get(TOKENS, Some(&carol.access))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

backend_tests!(
    tokens_are_created_listed_used_and_revoked,
    read_tokens_only_read,
    tokens_cannot_manage_tokens_or_change_passwords,
    every_revocation_path_ends_a_token,
    a_token_never_does_more_than_its_owner,
    tokens_are_rate_limited_per_token,
    token_input_is_checked,
    the_cli_creates_a_token,
);
