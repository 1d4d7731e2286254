//! The audit log (`GET /api/v1/audit/`) and the username rules of issue 13 (defect 7: no `@` in
//! new usernames, no look-alike usernames, no email that is another user's username).

use serde_json::{Value, json};
use ticketing_app::{AppError, CreateUserInput, UserUpdate};
use ticketing_domain::{Email, LoginName, Password, PersonName, Role, UserId, Username};

use super::helpers::*;

const REGISTER: &str = "/api/v1/users/auth/register/";
const AUDIT: &str = "/api/v1/audit/";

fn registration(username: &str, email: &str) -> Value {
    json!({
        "email": email,
        "username": username,
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
    })
}

fn uid(user: &TestUser) -> UserId {
    UserId::from_uuid(user.id.parse().unwrap())
}

fn cli_input(username: &str, email: &str) -> CreateUserInput {
    CreateUserInput {
        username: Username::parse(username).unwrap(),
        email: Email::parse(email).unwrap(),
        password: Password::new(PASSWORD),
        role: Role::Agent,
        first_name: PersonName::empty(),
        last_name: PersonName::empty(),
    }
}

/// The path and query of a `Link: <…>; rel="next"` header.
fn next_link(res: &Resp) -> Option<String> {
    let link = res.header("link")?;
    let start = link.find('<')? + 1;
    let end = link.find('>')?;
    Some(link[start..end].to_owned())
}

/// Defect 7: a username with `@` is refused wherever a username is chosen (registration, the
/// operator's create and rename), as 400 `validation_failed` on `username`.
async fn usernames_with_at_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .post(
            REGISTER,
            None,
            &registration("vic2@corp.example", "vic2@example.com"),
        )
        .await;
    res.assert_problem(400, "validation_failed");
    assert_eq!(
        res.body["errors"],
        json!({"username": ["must not contain @ (a username must not look like an email address)"]})
    );
    // Nothing was created: the email is still free.
    app.post(REGISTER, None, &registration("vic2", "vic2@example.com"))
        .await
        .assert_status(201);

    let err = app
        .app
        .create_user(cli_input("ops@corp.example", "ops@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Validation(f) if f.contains_key("username")),
        "{err:?}"
    );
    let vic = app
        .app
        .find_user(&LoginName::parse("vic2").unwrap())
        .await
        .unwrap();
    let err = app
        .app
        .operator_rename_user(vic.id, Username::parse("vic@corp.example").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Validation(f) if f.contains_key("username")),
        "{err:?}"
    );
}

/// Defect 7: a username that looks like another (Cyrillic `а` for Latin `a`) is refused at
/// registration (409 with a clear message), by the operator's create and by a rename.
async fn look_alike_usernames_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.register("agent1").await;
    let res = app
        .post(
            REGISTER,
            None,
            &registration("\u{0430}gent1", "impostor@example.com"),
        )
        .await;
    res.assert_problem(409, "conflict");
    let message = res.body["errors"]["username"][0].as_str().unwrap();
    assert!(message.contains("looks too much like"), "{message}");
    // The impostor's email is still free, and a distinct name is fine.
    app.post(
        REGISTER,
        None,
        &registration("agent2", "impostor@example.com"),
    )
    .await
    .assert_status(201);

    let err = app
        .app
        .create_user(cli_input("\u{0430}g\u{0435}nt1", "ops@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");
    let agent2 = app
        .app
        .find_user(&LoginName::parse("agent2").unwrap())
        .await
        .unwrap();
    let err = app
        .app
        .operator_rename_user(agent2.id, Username::parse("\u{0430}gent1").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Conflict { message, .. } if message.contains("looks too much like")),
        "{err:?}"
    );
}

/// Defect 7: an account stored with `@` in its username (before the rule) keeps its login name:
/// nobody can register or set an email equal to it (any case), its owner still logs in with it,
/// and the operator can rename it.
async fn an_email_cannot_take_a_username_login(backend: Backend) {
    let app = spawn_app(backend).await;
    let vic = app.register("vic2").await;
    app.execute_sql(
        "UPDATE users SET username = 'vic2@corp.example', username_key = 'vic2@corp.example' \
         WHERE username_key = 'vic2'",
    );
    let mallory = app.register("mallory").await;
    let res = app
        .patch(
            "/api/v1/users/profile/",
            Some(&mallory.access),
            &json!({"email": "VIC2@corp.example"}),
        )
        .await;
    res.assert_problem(409, "conflict");
    assert_eq!(
        res.body["errors"],
        json!({"email": ["email is already taken"]})
    );
    app.post(REGISTER, None, &registration("eve", "Vic2@Corp.Example"))
        .await
        .assert_problem(409, "conflict");

    // The username login still reaches vic, whatever field it is sent in.
    for body in [
        json!({"username": "vic2@corp.example", "password": PASSWORD}),
        json!({"email": "VIC2@corp.example", "password": PASSWORD}),
    ] {
        let login = app.post("/api/v1/users/auth/login/", None, &body).await;
        login.assert_status(200);
        assert_eq!(login.body["user"]["id"], vic.id.as_str(), "{body}");
    }
    let renamed = app
        .app
        .operator_rename_user(uid(&vic), Username::parse("vic2b").unwrap())
        .await
        .unwrap();
    assert_eq!(renamed.username.as_str(), "vic2b");
    app.login("vic2b").await.assert_status(200);
}

/// Role changes, deactivations and reactivations by an admin, and the operator's create,
/// password reset, role change and rename each leave one audit entry: who (the admin, or `cli`),
/// what, about whom, when and from which address; never the password.
async fn account_changes_are_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.staff("root", Role::Admin).await;
    let carol = app.register("carol").await;
    let carol_id = uid(&carol);

    app.patch(
        &format!("/api/v1/users/{}/", carol.id),
        Some(&root.access),
        &json!({"role": "agent"}),
    )
    .await
    .assert_status(200);
    app.patch(
        &format!("/api/v1/users/{}/", carol.id),
        Some(&root.access),
        &json!({"is_active": false}),
    )
    .await
    .assert_status(200);
    app.patch(
        &format!("/api/v1/users/{}/", carol.id),
        Some(&root.access),
        &json!({"is_active": true}),
    )
    .await
    .assert_status(200);
    // A refused change (the last admin) records nothing.
    app.patch(
        &format!("/api/v1/users/{}/", root.id),
        Some(&root.access),
        &json!({"role": "agent"}),
    )
    .await
    .assert_problem(409, "conflict");
    let secret = "a brand new secret phrase";
    app.app
        .operator_set_password(carol_id, Password::new(secret))
        .await
        .unwrap();
    let ops = app
        .app
        .create_user(cli_input("ops", "ops@example.com"))
        .await
        .unwrap();
    app.app
        .operator_rename_user(ops.id, Username::parse("ops2").unwrap())
        .await
        .unwrap();

    let res = app.get(AUDIT, Some(&root.access)).await;
    res.assert_status(200);
    assert!(!res.text().contains(secret));
    let entries = res.body.as_array().unwrap();
    let summary: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["target"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("cli", "user.renamed", "ops"),
            ("cli", "user.created", "ops"),
            ("cli", "user.password_reset", "carol"),
            ("root", "user.reactivated", "carol"),
            ("root", "user.deactivated", "carol"),
            ("root", "user.role_changed", "carol"),
            ("cli", "user.role_changed", "root"),
        ]
    );
    assert_eq!(res.header("x-total-count"), Some("7"));
    let role_change = &entries[5];
    assert_eq!(role_change["actor_id"], root.id.as_str());
    assert_eq!(role_change["target_id"], carol.id.as_str());
    assert_eq!(role_change["details"], "customer → agent");
    assert_eq!(role_change["address"], "127.0.0.1");
    assert!(role_change["at"].as_str().unwrap().ends_with('Z'));
    let reset = &entries[2];
    assert_eq!(reset["actor_id"], Value::Null);
    assert_eq!(reset["address"], Value::Null);
    assert_eq!(entries[0]["details"], "ops → ops2");

    // Filters: actor (an id or cli), target, action; together.
    let by_root = app
        .get(&format!("{AUDIT}?actor={}", root.id), Some(&root.access))
        .await;
    assert_eq!(by_root.body.as_array().unwrap().len(), 3);
    let by_cli = app
        .get(&format!("{AUDIT}?actor=cli"), Some(&root.access))
        .await;
    assert_eq!(by_cli.body.as_array().unwrap().len(), 4);
    let about_carol = app
        .get(
            &format!("{AUDIT}?target={}&action=user.deactivated", carol.id),
            Some(&root.access),
        )
        .await;
    assert_eq!(about_carol.body.as_array().unwrap().len(), 1);
    assert_eq!(about_carol.header("x-total-count"), Some("1"));

    // Pages of 3 with a Link to the next, newest first, without gaps or repeats.
    let mut seen = Vec::new();
    let mut next = Some(format!("{AUDIT}?limit=3"));
    while let Some(path) = next {
        let page = app.get(&path, Some(&root.access)).await;
        page.assert_status(200);
        assert_eq!(page.header("x-total-count"), Some("7"));
        seen.extend(
            page.body
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        next = next_link(&page);
    }
    let all: Vec<Value> = entries.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(seen, all);
}

/// Only admins read the audit log: customers and agents get 403, anonymous callers 401; bad
/// parameters are 400 `validation_failed`, crafted cursors included.
async fn only_admins_read_the_audit_log(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.staff("root", Role::Admin).await;
    let agent = app.staff("agent", Role::Agent).await;
    let carol = app.register("carol").await;
    app.get(AUDIT, Some(&carol.access))
        .await
        .assert_problem(403, "forbidden");
    app.get(AUDIT, Some(&agent.access))
        .await
        .assert_problem(403, "forbidden");
    app.get(AUDIT, None)
        .await
        .assert_problem(401, "unauthenticated");
    for query in [
        "actor=nobody",
        "target=cli",
        "action=user.deleted",
        "limit=0",
        "cursor=garbage",
        "cursor=a1.9223372036854775807.00000000000000000000000000000000",
        "cursor=a1.253402300800000000.00000000000000000000000000000000",
        "page=2",
    ] {
        app.get(&format!("{AUDIT}?{query}"), Some(&root.access))
            .await
            .assert_problem(400, "validation_failed");
    }
    // An admin demoted since their token was issued is refused at once.
    let second = app.staff("second", Role::Admin).await;
    app.app
        .operator_update_user(
            uid(&second),
            UserUpdate {
                role: Some(Role::Agent),
                is_active: None,
            },
        )
        .await
        .unwrap();
    app.get(AUDIT, Some(&second.access))
        .await
        .assert_problem(403, "forbidden");
}

backend_tests!(
    usernames_with_at_are_refused,
    look_alike_usernames_are_refused,
    an_email_cannot_take_a_username_login,
    account_changes_are_audited,
    only_admins_read_the_audit_log,
);
