//! RFC 9457 `application/problem+json` errors with a stable machine-readable `code`.
//!
//! Every code, with its status and title, comes from `ticketing_domain::ErrorCode` (the one
//! table of codes); an `AppError` names its own with `AppError::code()`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use ticketing_app::{AppError, AuthFailure};
use ticketing_domain::ErrorCode;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:ticketing:problem:validation_failed", "title": "Invalid request", "status": 400,
    "code": "validation_failed", "detail": "topic: must not be blank",
    "errors": {"topic": ["must not be blank"]}
}))]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:ticketing:problem:<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable machine-readable code: `validation_failed`, `unauthenticated`, `token_expired`,
    /// `forbidden`, `password_change_required`, `not_found`, `method_not_allowed`, `conflict`, `ticket_closed`,
    /// `precondition_failed`, `payload_too_large`, `unsupported_media_type`, `rate_limited`,
    /// `unavailable`, `internal`.
    pub code: String,
    /// A sentence about this occurrence.
    pub detail: String,
    /// Validation failures by field (only for `validation_failed` and field conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

/// An error answered as problem+json (boxed: handlers return it by value a lot).
#[derive(Debug)]
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    code: ErrorCode,
    detail: String,
    errors: Option<BTreeMap<String, Vec<String>>>,
    retry_after: Option<u64>,
    allow: Option<String>,
    source: Option<anyhow::Error>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.0.code.http_status(),
            self.0.code,
            self.0.detail
        )
    }
}

impl ApiError {
    pub(crate) fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            code,
            detail: detail.into(),
            errors: None,
            retry_after: None,
            allow: None,
            source: None,
        }))
    }

    /// 400 `validation_failed` with per-field messages.
    pub fn validation(errors: BTreeMap<String, Vec<String>>) -> Self {
        let detail = errors
            .iter()
            .map(|(field, msgs)| format!("{field}: {}", msgs.join("; ")))
            .collect::<Vec<_>>()
            .join(" / ");
        let mut e = Self::new(ErrorCode::ValidationFailed, detail);
        e.0.errors = Some(errors);
        e
    }

    /// 400 `validation_failed` on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(field.to_owned(), vec![message.into()]);
        Self::validation(errors)
    }

    /// 400 `validation_failed` about the request as a whole (malformed JSON, ...).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, detail)
    }

    /// 401 `unauthenticated`.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated, detail)
    }

    /// 403 `forbidden`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, detail)
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, detail)
    }

    /// 405 `method_not_allowed`, with the methods the resource allows.
    pub fn method_not_allowed(allow: impl Into<String>) -> Self {
        let allow = allow.into();
        let mut e = Self::new(
            ErrorCode::MethodNotAllowed,
            format!("this resource allows {allow}"),
        );
        e.0.allow = Some(allow);
        e
    }

    /// 412 `precondition_failed`.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::PreconditionFailed, detail)
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::PayloadTooLarge, detail)
    }

    /// 415 `unsupported_media_type`.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnsupportedMediaType, detail)
    }

    /// 429 `rate_limited` with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            ErrorCode::RateLimited,
            format!("too many attempts; retry in {retry_after_secs} s"),
        );
        e.0.retry_after = Some(retry_after_secs.max(1));
        e
    }

    /// 429 `rate_limited` saying why.
    pub fn rate_limited_with(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut e = Self::new(ErrorCode::RateLimited, detail);
        e.0.retry_after = Some(retry_after_secs.max(1));
        e
    }

    /// 503 `unavailable`.
    pub fn unavailable(cause: impl Into<String>) -> Self {
        let mut e = Self::new(
            ErrorCode::Unavailable,
            "the service is temporarily unavailable; try again shortly",
        );
        e.0.source = Some(anyhow::anyhow!(cause.into()));
        e.0.retry_after = Some(5);
        e
    }

    /// 503 `unavailable` with this detail and `Retry-After` (a condition that an operator, not
    /// time, ends, such as a feature that is not configured: the pause says how often to look).
    pub fn unavailable_with(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut e = Self::new(ErrorCode::Unavailable, detail);
        e.0.retry_after = Some(retry_after_secs.max(1));
        e
    }

    /// 500 `internal`; the cause goes to the log, never to the client.
    pub fn internal(cause: anyhow::Error) -> Self {
        let mut e = Self::new(ErrorCode::Internal, "an unexpected error occurred");
        e.0.source = Some(cause);
        e
    }

    /// The HTTP status (the code's).
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.0.code.as_str()
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("urn:ticketing:problem:{}", self.0.code),
            title: self.0.code.title().to_owned(),
            status: self.0.code.http_status(),
            code: self.0.code.as_str().to_owned(),
            detail: self.0.detail.clone(),
            errors: self.0.errors.clone(),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let code = e.code();
        match e {
            AppError::Validation(errors) => ApiError::validation(errors),
            AppError::Unauthenticated(failure) => ApiError::new(
                code,
                match failure {
                    AuthFailure::InvalidCredentials => "invalid credentials or inactive account",
                    AuthFailure::Missing => "authentication is required",
                    AuthFailure::TokenExpired => "the access token has expired; refresh it",
                    AuthFailure::TokenInvalid => "the token is invalid or has been revoked",
                    AuthFailure::RefreshReused => {
                        "this refresh token was already used; the session has been revoked"
                    }
                    AuthFailure::ApiTokenExpired => {
                        "the API token has expired; create a new one in your profile"
                    }
                },
            ),
            AppError::Domain(change) => {
                let message = change.to_string();
                match change.field() {
                    Some(f) if code == ErrorCode::ValidationFailed => ApiError::field(f, message),
                    field => ApiError::new(code, message.clone()).with_field(field, message),
                }
            }
            AppError::NotFound(what) => ApiError::new(code, format!("{what} not found")),
            AppError::PasswordChangeRequired => ApiError::new(
                code,
                "your password is a temporary one: change it \
                 (POST /api/v1/users/profile/change-password/) before anything else",
            ),
            AppError::Conflict { field, message } => {
                ApiError::new(code, message.clone()).with_field(field, message)
            }
            AppError::PreconditionFailed { expected, current } => ApiError::new(
                code,
                format!("the ticket is at version {current}, not {expected}; reload it and retry"),
            ),
            AppError::PayloadTooLarge { limit } => {
                ApiError::new(code, format!("the file exceeds the limit of {limit} bytes"))
            }
            AppError::QuotaExceeded { used, quota } => ApiError::new(
                code,
                format!(
                    "this upload would exceed your storage quota: {used} of {quota} bytes are \
                     used by the attachments you uploaded; remove some to free space"
                ),
            ),
            AppError::Unavailable(cause) => ApiError::unavailable(cause),
            AppError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

impl ApiError {
    /// The problem body of an error answered inside a success (one result of a bulk change),
    /// with a server error's cause logged as for an error response.
    pub(crate) fn logged_problem(&self) -> Problem {
        self.log_server_error();
        self.problem()
    }

    /// Logs the cause of a 5xx (the client learns nothing of it).
    fn log_server_error(&self) {
        if !self.status().is_server_error() {
            return;
        }
        match &self.0.source {
            // The messages of the cause and its chain on one line (`{:#}`), never its debug
            // form: that holds a backtrace whenever RUST_BACKTRACE or RUST_LIB_BACKTRACE is
            // set, megabytes of log under a flood of failing requests.
            Some(cause) => tracing::error!(
                code = self.0.code.as_str(),
                error = %format_args!("{cause:#}"),
                "request failed"
            ),
            None => tracing::error!(code = self.0.code.as_str(), "request failed"),
        }
    }

    /// Lists `message` under `field` too, when there is a field.
    fn with_field(mut self, field: Option<&str>, message: String) -> Self {
        if let Some(f) = field {
            let mut errors = BTreeMap::new();
            errors.insert(f.to_owned(), vec![message]);
            self.0.errors = Some(errors);
        }
        self
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status();
        self.log_server_error();
        let mut res = HttpResponse::build(status);
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(secs) = self.0.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(allow) = &self.0.allow {
            res.insert_header((header::ALLOW, allow.as_str()));
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_else(|_| "{}".to_owned()))
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};

    use super::*;

    /// Keeps every event's fields as one text line per event.
    struct Capture(Arc<Mutex<Vec<String>>>);

    struct Fields<'a>(&'a mut String);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.push_str(&format!("{}={:?} ", field.name(), value));
        }
    }

    impl tracing::Subscriber for Capture {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            let mut line = String::new();
            event.record(&mut Fields(&mut line));
            self.0.lock().unwrap().push(line);
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    /// Issue 13, defect 6: a 5xx cause is logged as its messages on one line (the chain joined
    /// by `: `), never as the error's debug form, which holds a backtrace whenever
    /// `RUST_BACKTRACE`/`RUST_LIB_BACKTRACE` is set (and "Caused by:" lines always).
    #[test]
    fn server_errors_log_the_cause_by_its_messages_without_a_backtrace() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let cause = anyhow::anyhow!("timestamp out of range").context("listing tickets");
        tracing::subscriber::with_default(Capture(lines.clone()), || {
            let _ = ApiError::internal(cause).error_response();
            let _ = ApiError::unavailable("pool timed out").error_response();
        });
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].contains("listing tickets: timestamp out of range"),
            "{lines:?}"
        );
        assert!(lines[1].contains("pool timed out"), "{lines:?}");
        for line in lines.iter() {
            assert!(!line.contains('\n'), "{line}");
            assert!(!line.contains("Caused by"), "{line}");
            assert!(!line.to_lowercase().contains("backtrace"), "{line}");
        }
    }
}
