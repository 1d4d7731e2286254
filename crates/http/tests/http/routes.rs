//! Route-level error mapping over `build_app` with mocked ports: authentication never reaches a
//! use case when it fails; use-case and port errors become the documented problems.

use actix_web::test::TestRequest;
use serde_json::json;
use ticketing_app::error::TokenError;
use ticketing_app::ports::RefreshSession;
use ticketing_app::testing::{
    Harness, alice, carol, claims, earlier, other_ticket_id, ticket_id, ticket_in,
};
use ticketing_app::{CryptoError, RepoError};
use ticketing_domain::{FamilyId, SessionId, Status};
use ticketing_http::HttpConfig;
use uuid::Uuid;

use crate::support::*;

fn ticket_path() -> String {
    format!("/api/v1/tickets/{}/", ticket_id())
}

#[actix_web::test]
async fn missing_or_invalid_bearer_never_reaches_the_use_case() {
    // No expectation on any repository but the user lookup of `authenticate`: a use case that
    // ran would panic the test.
    let mut m = Harness::default();
    m.bad_token("garbage", TokenError::Invalid);
    m.bad_token("stale", TokenError::Expired);
    let mut gone = carol();
    gone.username = ticketing_domain::Username::parse("gone").unwrap();
    gone.id = ticketing_domain::UserId::from_uuid(Uuid::from_u128(0x60_4E));
    gone.is_active = false;
    m.caller(&gone);
    let mut old = carol();
    old.username = ticketing_domain::Username::parse("old").unwrap();
    old.id = ticketing_domain::UserId::from_uuid(Uuid::from_u128(0x01D));
    m.tokens
        .expect_verify_access()
        .withf(|t, _| t == "old")
        .returning({
            let old = old.clone();
            move |_, _| Ok(claims(&old))
        });
    old.token_epoch = 1; // the password changed after the token was issued
    m.users
        .expect_get()
        .withf({
            let id = old.id;
            move |u| *u == id
        })
        .returning(move |_| Ok(old.clone()));
    let svc = service!(m.build());

    let requests = || {
        vec![
            TestRequest::get().uri("/api/v1/tickets/"),
            TestRequest::post()
                .uri("/api/v1/tickets/")
                .set_json(json!({"topic": "t", "description": "d"})),
            TestRequest::get().uri(&ticket_path()),
            TestRequest::patch()
                .uri(&ticket_path())
                .set_json(json!({"status": "closed"})),
            TestRequest::delete().uri(&ticket_path()),
            TestRequest::post()
                .uri(&format!("{}messages/", ticket_path()))
                .set_json(json!({"message": "hi"})),
            TestRequest::get().uri("/api/v1/users/"),
            TestRequest::get().uri("/api/v1/users/profile/"),
            TestRequest::get().uri(&format!(
                "{}attachments/{}/download/",
                ticket_path(),
                Uuid::nil()
            )),
        ]
    };
    for req in requests() {
        call(&svc, req.to_request())
            .await
            .problem(401, "unauthenticated");
    }
    for authorization in [
        "Basic Y2Fyb2w6cGFzc3dvcmQ=",
        "Bearer",
        "Bearer   ",
        "Token carol",
    ] {
        for req in requests() {
            let req = req.insert_header(("authorization", authorization));
            call(&svc, req.to_request())
                .await
                .problem(401, "unauthenticated");
        }
    }
    for (token, code) in [
        ("garbage", "unauthenticated"),
        ("stale", "token_expired"),
        ("gone", "unauthenticated"),
        ("old", "unauthenticated"),
    ] {
        for req in requests() {
            call(&svc, bearer(req, token).to_request())
                .await
                .problem(401, code);
        }
    }
}

/// A user whose password is a temporary one reaches only what the OpenAPI document says: every
/// operation a Bearer token opens answers 403 `password_change_required` (documented on each),
/// except reading the profile and changing the password; no use case runs for the others.
#[actix_web::test]
async fn a_temporary_password_opens_only_the_profile_and_its_change() {
    let mut m = Harness::default();
    let mut temp = carol();
    temp.must_change_password = true;
    m.caller(&temp);
    let svc = service!(m.build());
    let doc: serde_json::Value = serde_json::from_str(&ticketing_http::openapi_json()).unwrap();
    let mut refused = 0;
    let mut open = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !op["security"].to_string().contains("\"bearer\"") {
                continue;
            }
            let uri = path
                .replace("{id}", &Uuid::nil().to_string())
                .replace("{aid}", &Uuid::nil().to_string());
            let req = TestRequest::default()
                .method(method.to_uppercase().parse().unwrap())
                .uri(&uri);
            let req = if method == "get" || method == "delete" {
                req
            } else {
                req.set_json(json!({}))
            };
            let answer = call(&svc, bearer(req, "carol").to_request()).await;
            let documented = op["responses"]["403"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("password_change_required"));
            if documented {
                answer.problem(403, "password_change_required");
                refused += 1;
            } else {
                assert_ne!(answer.status, 403, "{method} {path}: {}", answer.text);
                open.push(format!("{method} {path}"));
            }
        }
    }
    open.sort();
    assert_eq!(
        open,
        [
            "get /api/v1/users/profile/",
            "post /api/v1/users/profile/change-password/"
        ]
    );
    assert!(refused >= 20, "{refused}");
}

/// A storage failure during a bulk change is that ticket's 503 problem, saying nothing of the
/// cause; the tickets after it are not tried (one `get`) and answered 503 too.
#[actix_web::test]
async fn a_storage_failure_in_a_bulk_change_is_a_generic_503_per_ticket() {
    let secret = "could not connect to server: 10.0.0.7:5432 (user=ticketing password=hunter2)";
    let mut m = Harness::default();
    m.caller(&alice());
    m.tickets
        .expect_get()
        .times(1)
        .returning(move |_| Err(RepoError::Unavailable(secret.to_owned())));
    m.tickets.expect_update().never();
    let svc = service!(m.build());
    let (first, second) = (ticket_id().to_string(), other_ticket_id().to_string());
    let req = TestRequest::post()
        .uri("/api/v1/tickets/bulk/")
        .set_json(json!({"ids": [first, second], "changes": {"status": "resolved"}}));
    let a = call(&svc, bearer(req, "alice").to_request()).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let results = a.body.as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (r, id) in results.iter().zip([&first, &second]) {
        assert_eq!(r["id"], id.as_str());
        assert_eq!(r["problem"]["status"], 503, "{r}");
        assert_eq!(r["problem"]["code"], "unavailable");
    }
    for leak in ["10.0.0.7", "5432", "hunter2", "connect", "user="] {
        assert!(!a.text.contains(leak), "{}", a.text);
    }
}

#[actix_web::test]
async fn unavailable_storage_is_a_generic_503() {
    let secret = "could not connect to server: 10.0.0.7:5432 (user=ticketing password=hunter2)";
    let mut m = Harness::default();
    m.caller(&carol());
    m.tickets
        .expect_get()
        .times(1)
        .returning(move |_| Err(RepoError::Unavailable(secret.to_owned())));
    let svc = service!(m.build());
    let a = call(
        &svc,
        bearer(TestRequest::get().uri(&ticket_path()), "carol").to_request(),
    )
    .await;
    a.problem(503, "unavailable");
    assert_eq!(a.header("retry-after"), Some("5"));
    for leak in ["10.0.0.7", "5432", "hunter2", "connect", "user="] {
        assert!(!a.text.contains(leak), "{}", a.text);
    }

    // The store failing while authenticating is a 503 too, not a 401.
    let mut m = Harness::default();
    let user = carol();
    m.tokens
        .expect_verify_access()
        .returning(move |_, _| Ok(claims(&user)));
    m.users
        .expect_get()
        .returning(move |_| Err(RepoError::Unavailable(secret.to_owned())));
    let svc = service!(m.build());
    let a = call(
        &svc,
        bearer(TestRequest::get().uri("/api/v1/tickets/"), "carol").to_request(),
    )
    .await;
    a.problem(503, "unavailable");
    assert!(!a.text.contains("hunter2"));
}

#[actix_web::test]
async fn unexpected_errors_are_a_generic_500() {
    let mut m = Harness::default();
    m.caller(&carol());
    m.tickets.expect_list().times(1).returning(|_| {
        Err(RepoError::Unexpected(anyhow::anyhow!(
            "column tickets.secret_column does not exist"
        )))
    });
    m.tickets.expect_create().times(1).returning(|_, _, _| {
        Err(RepoError::Unexpected(anyhow::anyhow!(
            "disk image is malformed"
        )))
    });
    let svc = service!(m.build());
    let a = call(
        &svc,
        bearer(TestRequest::get().uri("/api/v1/tickets/"), "carol").to_request(),
    )
    .await;
    a.problem(500, "internal");
    assert!(!a.text.contains("secret_column"), "{}", a.text);
    assert_eq!(a.body["detail"], "an unexpected error occurred");
    let req = TestRequest::post()
        .uri("/api/v1/tickets/")
        .set_json(json!({"topic": "t", "description": "d"}));
    let a = call(&svc, bearer(req, "carol").to_request()).await;
    a.problem(500, "internal");
    assert!(!a.text.contains("malformed"), "{}", a.text);
}

#[actix_web::test]
async fn ticket_use_case_errors() {
    let mut m = Harness::default();
    let carol = carol();
    m.caller(&carol);
    let closed = ticket_in(&carol, Status::Closed);
    let open = ticket_in(&carol, Status::Open);
    let closed_id = closed.id;
    m.tickets
        .expect_get()
        .withf(move |id| *id == closed_id)
        .returning(move |_| Ok(closed.clone()));
    let open_id = ticketing_domain::TicketId::from_uuid(Uuid::from_u128(0x7002));
    let mut open = open;
    open.id = open_id;
    m.tickets
        .expect_get()
        .withf(move |id| *id == open_id)
        .returning(move |_| Ok(open.clone()));
    m.tickets
        .expect_get()
        .returning(|_| Err(RepoError::NotFound));
    let svc = service!(m.build());
    let open_path = format!("/api/v1/tickets/{open_id}/");

    // NotFound.
    let missing = format!("/api/v1/tickets/{}/", Uuid::now_v7());
    let a = call(
        &svc,
        bearer(TestRequest::get().uri(&missing), "carol").to_request(),
    )
    .await;
    a.problem(404, "not_found");
    assert_eq!(a.body["detail"], "ticket not found");
    // Forbidden: the owner may not delete, customers have no assigned tickets.
    call(
        &svc,
        bearer(TestRequest::delete().uri(&open_path), "carol").to_request(),
    )
    .await
    .problem(403, "forbidden");
    call(
        &svc,
        bearer(TestRequest::get().uri("/api/v1/assigned-tickets/"), "carol").to_request(),
    )
    .await
    .problem(403, "forbidden");
    let req = TestRequest::patch()
        .uri(&open_path)
        .set_json(json!({"priority": "high"}));
    call(&svc, bearer(req, "carol").to_request())
        .await
        .problem(403, "forbidden");
    // TicketClosed: no message, no change.
    let req = TestRequest::post()
        .uri(&format!("{}messages/", ticket_path()))
        .set_json(json!({"message": "hello?"}));
    call(&svc, bearer(req, "carol").to_request())
        .await
        .problem(409, "ticket_closed");
    let req = TestRequest::patch()
        .uri(&ticket_path())
        .set_json(json!({"topic": "again"}));
    call(&svc, bearer(req, "carol").to_request())
        .await
        .problem(409, "ticket_closed");
    let req = TestRequest::patch()
        .uri(&open_path)
        .insert_header(("if-match", "\"1\""))
        .set_json(json!({"topic": "again"}));
    // PreconditionFailed: the ticket is at version 3.
    let a = call(&svc, bearer(req, "carol").to_request()).await;
    a.problem(412, "precondition_failed");
    let req = TestRequest::patch()
        .uri(&open_path)
        .insert_header(("if-match", "garbage"))
        .set_json(json!({"topic": "again"}));
    call(&svc, bearer(req, "carol").to_request())
        .await
        .problem(412, "precondition_failed");
    // Validation at the edge: every field error at once; never reaches the store.
    let req = TestRequest::patch()
        .uri(&open_path)
        .set_json(json!({"topic": " ", "status": "done", "priority": "urgent"}));
    let a = call(&svc, bearer(req, "carol").to_request()).await;
    a.problem(400, "validation_failed");
    assert_eq!(
        a.body["errors"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["priority", "status", "topic"]
    );
    // PayloadTooLarge: an upload declared above the limit is refused before any lookup.
    let req = TestRequest::post()
        .uri(&format!("{open_path}attachments/"))
        .insert_header(("content-type", "multipart/form-data; boundary=xyz"))
        .set_payload("--xyz--\r\n")
        .insert_header(("content-length", "999999999"));
    call(&svc, bearer(req, "carol").to_request())
        .await
        .problem(413, "payload_too_large");
    let req = TestRequest::post()
        .uri(&format!("{open_path}attachments/"))
        .set_json(json!({"file": "x"}));
    call(&svc, bearer(req, "carol").to_request())
        .await
        .problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn conflict_on_a_lifecycle_move() {
    let mut m = Harness::default();
    let carol = carol();
    m.caller(&carol);
    let t = ticket_in(&carol, Status::InProgress);
    m.tickets.expect_get().returning(move |_| Ok(t.clone()));
    let svc = service!(m.build());
    let req = TestRequest::patch()
        .uri(&ticket_path())
        .set_json(json!({"status": "open"}));
    let a = call(&svc, bearer(req, "carol").to_request()).await;
    a.problem(409, "conflict");
    assert_eq!(
        a.body["errors"],
        json!({"status": ["cannot move a ticket from in_progress to open"]})
    );
}

#[actix_web::test]
async fn auth_use_case_errors() {
    // Validation by the password policy: nothing is hashed or stored.
    let svc = service!(Harness::default().build());
    let req = TestRequest::post()
        .uri("/api/v1/users/auth/register/")
        .set_json(json!({"email": "x@example.com", "password": "12345678"}));
    let a = call(&svc, req.to_request()).await;
    a.problem(400, "validation_failed");
    assert_eq!(
        a.body["errors"],
        json!({"password": ["must not be entirely numeric", "is too common"]})
    );

    // Conflict from the store.
    let mut m = Harness::default();
    m.hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok("$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA".to_owned()));
    m.users
        .expect_insert()
        .times(1)
        .returning(|_, _, _| Err(RepoError::Conflict { field: "email" }));
    m.sessions.expect_create().never();
    let svc = service!(m.build());
    let req = TestRequest::post()
        .uri("/api/v1/users/auth/register/")
        .set_json(json!({"email": "x@example.com", "password": "correct horse battery"}));
    let a = call(&svc, req.to_request()).await;
    a.problem(409, "conflict");
    assert_eq!(
        a.body["errors"],
        json!({"email": ["email is already taken"]})
    );
    assert!(a.header("set-cookie").is_none());

    // A busy hasher is a 503 with Retry-After.
    let mut m = Harness::default();
    m.hasher
        .expect_hash()
        .times(1)
        .returning(|_| Err(CryptoError::Busy));
    m.users.expect_insert().never();
    let svc = service!(m.build());
    let req = TestRequest::post()
        .uri("/api/v1/users/auth/register/")
        .set_json(json!({"email": "x@example.com", "password": "correct horse battery"}));
    call(&svc, req.to_request())
        .await
        .problem(503, "unavailable");

    // Invalid credentials: the same answer, no session.
    let mut m = Harness::default();
    m.users.expect_find_credentials().returning(|_| Ok(None));
    m.hasher.expect_verify().times(1).returning(|_, hash| {
        assert!(hash.is_none());
        Ok(false)
    });
    m.sessions.expect_create().never();
    let svc = service!(m.build());
    let req = TestRequest::post()
        .uri("/api/v1/users/auth/login/")
        .set_json(json!({"username": "nobody", "password": "whatever it is"}));
    let a = call(&svc, req.to_request()).await;
    a.problem(401, "unauthenticated");
    assert!(a.header("set-cookie").is_none());

    // A reused refresh token revokes its family; the cookie is cleared.
    let mut m = Harness::default();
    m.tokens
        .expect_hash_refresh_token()
        .returning(|t| format!("hash-of-{t}"));
    let family = FamilyId::from_uuid(Uuid::from_u128(0xFA));
    m.sessions
        .expect_find_by_hash()
        .withf(|h| h == "hash-of-old")
        .times(1)
        .returning(move |_| {
            Ok(Some(RefreshSession {
                id: SessionId::from_uuid(Uuid::from_u128(0x5E)),
                family,
                user_id: carol().id,
                token_hash: "hash-of-old".to_owned(),
                created_at: earlier(),
                expires_at: chrono::Utc::now() + chrono::Duration::days(1),
                rotated_at: Some(earlier()),
                revoked_at: None,
            }))
        });
    m.sessions
        .expect_revoke_family()
        .withf(move |f, _| *f == family)
        .times(1)
        .returning(|_, _| Ok(()));
    m.sessions.expect_rotate().never();
    let svc = service!(m.build());
    let req = TestRequest::post()
        .uri("/api/v1/users/auth/refresh/")
        .insert_header(("cookie", "refresh_token=old"));
    let a = call(&svc, req.to_request()).await;
    a.problem(401, "unauthenticated");
    let cookie = a.header("set-cookie").unwrap();
    assert!(cookie.starts_with("refresh_token=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
}

#[actix_web::test]
async fn rate_limits_answer_429() {
    let config = HttpConfig {
        auth_rate_per_minute: 2,
        ..HttpConfig::default()
    };
    let svc = service!(Harness::default().build(), config);
    let register = || {
        TestRequest::post()
            .uri("/api/v1/users/auth/register/")
            .set_json(json!({"email": "x@example.com", "password": "1"}))
            .to_request()
    };
    call(&svc, register())
        .await
        .problem(400, "validation_failed");
    call(&svc, register())
        .await
        .problem(400, "validation_failed");
    let a = call(&svc, register()).await;
    a.problem(429, "rate_limited");
    let secs: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs));
    let refresh = TestRequest::post().uri("/api/v1/users/auth/refresh/");
    call(&svc, refresh.to_request())
        .await
        .problem(429, "rate_limited");

    // Failed logins per account: the hasher is not even asked once the account is over.
    let config = HttpConfig {
        login_failures_per_account: 1,
        ..HttpConfig::default()
    };
    let mut m = Harness::default();
    m.users.expect_find_credentials().returning(|_| Ok(None));
    m.hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(false));
    let svc = service!(m.build(), config);
    let login = || {
        TestRequest::post()
            .uri("/api/v1/users/auth/login/")
            .set_json(json!({"username": "nobody", "password": "whatever it is"}))
            .to_request()
    };
    call(&svc, login()).await.problem(401, "unauthenticated");
    let a = call(&svc, login()).await;
    a.problem(429, "rate_limited");
    let secs: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((61..=900).contains(&secs), "{secs}");
}

#[actix_web::test]
async fn readiness_follows_the_store() {
    let mut m = Harness::default();
    m.health
        .expect_ping()
        .times(1)
        .returning(|| Err(RepoError::Unavailable("db down at 10.0.0.7".to_owned())));
    let svc = service!(m.build());
    let a = call(&svc, TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.body, json!({"status": "unavailable"}));
    assert!(!a.text.contains("10.0.0.7"));
    let a = call(&svc, TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, json!({"status": "ok"}));

    let mut m = Harness::default();
    m.health.expect_ping().times(1).returning(|| Ok(()));
    let svc = service!(m.build());
    let a = call(&svc, TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, json!({"status": "ok"}));
}
