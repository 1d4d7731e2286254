//! Every `AppError` variant (and the port errors behind them) -> status, `code`, problem+json,
//! `Retry-After`, `WWW-Authenticate`; 5xx bodies that say nothing about the cause.

use std::collections::BTreeMap;

use actix_web::ResponseError;
use actix_web::body::to_bytes;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use ticketing_app::{AppError, AuthFailure, BlobError, CryptoError, RepoError};
use ticketing_domain::{ChangeError, ErrorCode, Refusal, Rule, Status};
use ticketing_http::testing::ApiError;

struct Mapped {
    status: u16,
    headers: actix_web::http::header::HeaderMap,
    body: Value,
    text: String,
}

async fn render(e: ApiError) -> Mapped {
    let res = e.error_response();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = to_bytes(res.into_body()).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    Mapped {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap(),
        text,
    }
}

fn header<'a>(m: &'a Mapped, name: &str) -> Option<&'a str> {
    m.headers.get(name).map(|v| v.to_str().unwrap())
}

/// Asserts status, code, content type and the headers that go with the status.
#[track_caller]
fn check(m: &Mapped, status: u16, code: &str) {
    assert_eq!(m.status, status, "{}", m.text);
    assert_eq!(header(m, "content-type"), Some("application/problem+json"));
    assert_eq!(m.body["code"], code);
    assert_eq!(m.body["status"], status);
    assert_eq!(m.body["type"], format!("urn:ticketing:problem:{code}"));
    assert!(m.body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(m.body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    let mut allowed = vec!["type", "title", "status", "code", "detail"];
    if m.body.get("errors").is_some() {
        allowed.push("errors");
    }
    assert_eq!(
        m.body.as_object().unwrap().len(),
        allowed.len(),
        "{}",
        m.text
    );
    assert_eq!(
        header(m, "www-authenticate"),
        (status == 401).then_some("Bearer"),
        "WWW-Authenticate on 401 only"
    );
    if status != 429 && status != 503 {
        assert_eq!(header(m, "retry-after"), None);
    }
}

#[actix_web::test]
async fn every_app_error_variant() {
    let errors = BTreeMap::from([("topic".to_owned(), vec!["must not be blank".to_owned()])]);
    let m = render(AppError::Validation(errors).into()).await;
    check(&m, 400, "validation_failed");
    assert_eq!(m.body["errors"], json!({"topic": ["must not be blank"]}));
    assert_eq!(m.body["detail"], "topic: must not be blank");

    for (failure, code) in [
        (AuthFailure::InvalidCredentials, "unauthenticated"),
        (AuthFailure::Missing, "unauthenticated"),
        (AuthFailure::TokenExpired, "token_expired"),
        (AuthFailure::TokenInvalid, "unauthenticated"),
        (AuthFailure::RefreshReused, "unauthenticated"),
    ] {
        let m = render(AppError::Unauthenticated(failure).into()).await;
        check(&m, 401, code);
        assert!(m.body.get("errors").is_none());
    }

    let m = render(AppError::NotFound("ticket").into()).await;
    check(&m, 404, "not_found");
    assert_eq!(m.body["detail"], "ticket not found");

    let m = render(
        AppError::Conflict {
            field: Some("email"),
            message: "email is already taken".to_owned(),
        }
        .into(),
    )
    .await;
    check(&m, 409, "conflict");
    assert_eq!(
        m.body["errors"],
        json!({"email": ["email is already taken"]})
    );
    let m = render(
        AppError::Conflict {
            field: None,
            message: "the last active admin cannot be demoted or deactivated".to_owned(),
        }
        .into(),
    )
    .await;
    check(&m, 409, "conflict");
    assert!(m.body.get("errors").is_none());

    let m = render(
        AppError::PreconditionFailed {
            expected: 2,
            current: 5,
        }
        .into(),
    )
    .await;
    check(&m, 412, "precondition_failed");
    let m = render(AppError::PayloadTooLarge { limit: 1024 }.into()).await;
    check(&m, 413, "payload_too_large");
    assert!(m.body["detail"].as_str().unwrap().contains("1024"));

    // 5xx: generic bodies; the cause goes to the log only.
    let m = render(
        AppError::Unavailable("connection refused: db.internal:5432 (password=hunter2)".to_owned())
            .into(),
    )
    .await;
    check(&m, 503, "unavailable");
    assert_eq!(header(&m, "retry-after"), Some("5"));
    for secret in ["db.internal", "5432", "hunter2", "refused"] {
        assert!(!m.text.contains(secret), "{}", m.text);
    }
    let m = render(
        AppError::Internal(anyhow::anyhow!(
            "panicked at store.rs:42: SELECT secret_column"
        ))
        .into(),
    )
    .await;
    check(&m, 500, "internal");
    for secret in ["store.rs", "secret_column", "SELECT", "panicked"] {
        assert!(!m.text.contains(secret), "{}", m.text);
    }
    assert_eq!(m.body["detail"], "an unexpected error occurred");
}

#[actix_web::test]
async fn port_errors_behind_app_errors() {
    let cases: Vec<(AppError, u16, &str)> = vec![
        (RepoError::NotFound.into(), 404, "not_found"),
        (
            RepoError::Conflict { field: "username" }.into(),
            409,
            "conflict",
        ),
        (RepoError::Stale.into(), 409, "conflict"),
        (
            RepoError::Unavailable("pool timed out after 5s on 10.1.2.3".to_owned()).into(),
            503,
            "unavailable",
        ),
        (
            RepoError::Unexpected(anyhow::anyhow!("constraint xyz_fkey violated")).into(),
            500,
            "internal",
        ),
        (CryptoError::Busy.into(), 503, "unavailable"),
        (
            CryptoError::Unexpected(anyhow::anyhow!("bad PHC string $argon2id$")).into(),
            500,
            "internal",
        ),
        (
            BlobError::TooLarge { limit: 10 }.into(),
            413,
            "payload_too_large",
        ),
        (BlobError::NotFound.into(), 500, "internal"),
        (
            BlobError::Io("No space left on device: /var/lib/ticketing".to_owned()).into(),
            503,
            "unavailable",
        ),
    ];
    for (error, status, code) in cases {
        let m = render(error.into()).await;
        check(&m, status, code);
        for secret in ["10.1.2.3", "xyz_fkey", "argon2id", "/var/lib", "No space"] {
            assert!(!m.text.contains(secret), "{}", m.text);
        }
    }
    let m = render(RepoError::Conflict { field: "username" }.into_app().into()).await;
    assert_eq!(
        m.body["errors"],
        json!({"username": ["username is already taken"]})
    );
}

#[actix_web::test]
async fn http_level_problems() {
    let m = render(ApiError::rate_limited(42)).await;
    check(&m, 429, "rate_limited");
    assert_eq!(header(&m, "retry-after"), Some("42"));
    let m = render(ApiError::rate_limited(0)).await;
    assert_eq!(header(&m, "retry-after"), Some("1"));
    let m = render(ApiError::method_not_allowed("GET, HEAD")).await;
    check(&m, 405, "method_not_allowed");
    assert_eq!(header(&m, "allow"), Some("GET, HEAD"));
    check(
        &render(ApiError::unsupported_media_type("json please")).await,
        415,
        "unsupported_media_type",
    );
    check(
        &render(ApiError::payload_too_large("too big")).await,
        413,
        "payload_too_large",
    );
    check(
        &render(ApiError::precondition_failed("stale")).await,
        412,
        "precondition_failed",
    );
    check(
        &render(ApiError::bad_request("malformed")).await,
        400,
        "validation_failed",
    );
    check(
        &render(ApiError::field("limit", "must be at most 200")).await,
        400,
        "validation_failed",
    );
}

trait IntoApp {
    fn into_app(self) -> AppError;
}

impl IntoApp for RepoError {
    fn into_app(self) -> AppError {
        self.into()
    }
}

/// The domain's refusals and change errors keep their own code, status and field.
#[actix_web::test]
async fn domain_errors_keep_their_code_status_and_field() {
    let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
    let cases: Vec<(ChangeError, u16, &str, &str, Option<Value>)> = vec![
        (
            Refusal::NotVisible.into(),
            404,
            "not_found",
            "ticket not found",
            None,
        ),
        (
            Refusal::Forbidden(Rule::DeletionIsStaffOnly).into(),
            403,
            "forbidden",
            "only staff may delete tickets",
            None,
        ),
        (
            Refusal::Closed.into(),
            409,
            "ticket_closed",
            "the ticket is closed; it can no longer be changed",
            None,
        ),
        (
            Refusal::InvalidTransition {
                from: Status::InProgress,
                to: Status::Open,
            }
            .into(),
            409,
            "conflict",
            "cannot move a ticket from in_progress to open",
            Some(json!({"status": ["cannot move a ticket from in_progress to open"]})),
        ),
        (
            ChangeError::AssigneeInactive,
            400,
            "validation_failed",
            "assigned_to: the assignee's account is deactivated",
            Some(json!({"assigned_to": ["the assignee's account is deactivated"]})),
        ),
        (
            ChangeError::RequesterInactive,
            400,
            "validation_failed",
            "requester: the requester's account is deactivated",
            Some(json!({"requester": ["the requester's account is deactivated"]})),
        ),
        (
            ChangeError::MessageNotOnTicket,
            400,
            "validation_failed",
            "message_id: no such message on this ticket",
            Some(json!({"message_id": ["no such message on this ticket"]})),
        ),
        (
            ChangeError::OutOfOrder {
                now: at,
                updated_at: at,
            },
            409,
            "conflict",
            "the change is dated 2024-05-01 09:00:00 UTC, before the ticket's last change at \
             2024-05-01 09:00:00 UTC",
            None,
        ),
    ];
    for (error, status, code, detail, errors) in cases {
        assert_eq!((error.http_status(), error.code().as_str()), (status, code));
        let m = render(AppError::from(error).into()).await;
        check(&m, status, code);
        assert_eq!(m.body["detail"], detail);
        assert_eq!(m.body.get("errors").cloned(), errors);
    }
}

/// The codes the OpenAPI document promises are exactly the codes of the one table, and every
/// code's problem has the table's status and title.
#[actix_web::test]
async fn the_documented_codes_are_the_code_table() {
    let doc: Value = serde_json::from_str(&ticketing_http::openapi_json()).unwrap();
    let description = doc["components"]["schemas"]["Problem"]["properties"]["code"]["description"]
        .as_str()
        .unwrap();
    let documented: Vec<&str> = description.split('`').skip(1).step_by(2).collect();
    let table: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(documented, table);
    for code in ErrorCode::ALL {
        let e = match code {
            ErrorCode::MethodNotAllowed => ApiError::method_not_allowed("GET"),
            ErrorCode::RateLimited => ApiError::rate_limited(3),
            ErrorCode::UnsupportedMediaType => ApiError::unsupported_media_type("no"),
            ErrorCode::PayloadTooLarge => ApiError::payload_too_large("big"),
            ErrorCode::PreconditionFailed => ApiError::precondition_failed("old"),
            ErrorCode::Forbidden => ApiError::forbidden("no"),
            ErrorCode::NotFound => ApiError::not_found("gone"),
            ErrorCode::ValidationFailed => ApiError::bad_request("bad"),
            ErrorCode::Unauthenticated => ApiError::unauthenticated("who"),
            ErrorCode::Unavailable => ApiError::unavailable("down"),
            ErrorCode::Internal => ApiError::internal(anyhow::anyhow!("bug")),
            ErrorCode::TokenExpired => AppError::Unauthenticated(AuthFailure::TokenExpired).into(),
            ErrorCode::TicketClosed => AppError::from(Refusal::Closed).into(),
            ErrorCode::PasswordChangeRequired => AppError::PasswordChangeRequired.into(),
            ErrorCode::Conflict => AppError::Conflict {
                field: None,
                message: "taken".to_owned(),
            }
            .into(),
            _ => panic!("a new code needs a case here: {code}"),
        };
        let m = render(e).await;
        check(&m, code.http_status(), code.as_str());
        assert_eq!(m.body["title"], code.title());
    }
}
