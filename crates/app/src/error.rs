//! Errors of ports and use cases.

use std::collections::BTreeMap;

use ticketing_domain::{ChangeError, ErrorCode, Refusal};

/// What a repository port reports. Adapters translate their database errors into these; no
/// database error type ever leaves an adapter.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The row does not exist (or is soft-deleted, for tickets).
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; `field` names the column (`username`, `email`).
    #[error("{field} is already taken")]
    Conflict {
        /// The conflicting field.
        field: &'static str,
    },
    /// The row changed since it was read (optimistic concurrency), or a guarded write found the
    /// ticket closed or deleted, or a refresh session already rotated.
    #[error("the record changed since it was read")]
    Stale,
    /// The database cannot be reached or is overloaded (pool timeout, refused connection, locked
    /// too long). Nothing was written.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else (a bug, corrupt data). Nothing was written.
    #[error("unexpected storage error")]
    Unexpected(#[source] anyhow::Error),
}

/// What the password hasher and token service report.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Too many hashes are running or queued; try again shortly.
    #[error("password hashing is busy")]
    Busy,
    /// A bug or a malformed stored hash.
    #[error("crypto failure")]
    Unexpected(#[source] anyhow::Error),
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Well-formed and correctly signed, but past its expiry.
    #[error("token expired")]
    Expired,
    /// Anything else: bad signature, wrong algorithm, malformed, not yet valid, wrong kind.
    #[error("token invalid")]
    Invalid,
}

/// What the attachment (blob) store reports.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The upload exceeded the size limit; nothing was kept.
    #[error("the file exceeds {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// No stored file has this key.
    #[error("stored file not found")]
    NotFound,
    /// The disk is full or read-only, or another I/O failure; nothing was kept.
    #[error("file storage failed: {0}")]
    Io(String),
}

/// Field name -> messages, for validation failures.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Why a login, refresh or token check failed (all HTTP 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// Unknown user, wrong password or inactive account (one message for all three).
    InvalidCredentials,
    /// No token or session was presented.
    Missing,
    /// The access token expired (code `token_expired`).
    TokenExpired,
    /// The token is invalid, revoked, or belongs to a deactivated user or an older password.
    TokenInvalid,
    /// A refresh token that was already rotated away was presented: the family is revoked.
    RefreshReused,
    /// The API token expired (code `unauthenticated`: there is nothing to refresh).
    ApiTokenExpired,
}

/// The error of every use case. [`AppError::code`] gives its stable code (and with it the HTTP
/// status); a refusal or a failed change of the domain keeps the domain's own code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400 `validation_failed`.
    #[error("invalid request")]
    Validation(FieldErrors),
    /// 401 `unauthenticated` or `token_expired`.
    #[error("authentication failed: {0:?}")]
    Unauthenticated(AuthFailure),
    /// The domain refused (a [`Refusal`] of the policy) or a change failed: its
    /// [`ChangeError::code`] says how (404, 403, 409 `ticket_closed`, 409 `conflict`, 400).
    #[error(transparent)]
    Domain(#[from] ChangeError),
    /// 403 `password_change_required`: the caller's password is a temporary one an admin set;
    /// only reading the profile, changing the password and signing out work until it is changed.
    #[error("change your temporary password first")]
    PasswordChangeRequired,
    /// 404 `not_found`; the text names the kind of thing.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409 `conflict` (a taken username or email, an invalid status move, the last admin).
    #[error("{message}")]
    Conflict {
        /// The field concerned, when there is one.
        field: Option<&'static str>,
        /// A sentence for the user.
        message: String,
    },
    /// 412 `precondition_failed`: `If-Match` names an older version.
    #[error("the ticket changed since version {expected}; reload it")]
    PreconditionFailed {
        /// The version the client had.
        expected: i64,
        /// The current version.
        current: i64,
    },
    /// 413 `payload_too_large`.
    #[error("the file exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// 413 `payload_too_large`: the upload would take the uploader past their storage quota.
    #[error("the upload quota of {quota} bytes would be exceeded ({used} bytes used)")]
    QuotaExceeded {
        /// Bytes the uploader's stored attachments take.
        used: u64,
        /// The quota in bytes.
        quota: u64,
    },
    /// 503 `unavailable`: a dependency is down or overloaded; nothing was written.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500 `internal`.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// The stable code of this error (the `code` of the API's problem documents); its
    /// [`ErrorCode::http_status`] is the status the API answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Validation(_) => ErrorCode::ValidationFailed,
            AppError::Unauthenticated(AuthFailure::TokenExpired) => ErrorCode::TokenExpired,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Domain(e) => e.code(),
            AppError::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::PreconditionFailed { .. } => ErrorCode::PreconditionFailed,
            AppError::PayloadTooLarge { .. } | AppError::QuotaExceeded { .. } => {
                ErrorCode::PayloadTooLarge
            }
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status of [`AppError::code`].
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }

    /// A validation failure on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
        AppError::Validation(errors)
    }
}

impl From<RepoError> for AppError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => AppError::NotFound("resource"),
            RepoError::Conflict {
                field: "username_skeleton",
            } => AppError::Conflict {
                field: Some("username"),
                message: "username looks too much like an existing username (letters from \
                          other scripts or look-alike characters); choose another"
                    .to_owned(),
            },
            RepoError::Conflict { field } => AppError::Conflict {
                field: Some(field),
                message: format!("{field} is already taken"),
            },
            RepoError::Stale => AppError::Conflict {
                field: None,
                message: "the record was changed concurrently; try again".to_owned(),
            },
            RepoError::Unavailable(m) => AppError::Unavailable(m),
            RepoError::Unexpected(e) => AppError::Internal(e),
        }
    }
}

impl From<CryptoError> for AppError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::Busy => AppError::Unavailable("password hashing is busy".to_owned()),
            CryptoError::Unexpected(e) => AppError::Internal(e),
        }
    }
}

impl From<BlobError> for AppError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::TooLarge { limit } => AppError::PayloadTooLarge { limit },
            BlobError::NotFound => AppError::Internal(anyhow::anyhow!("stored file is missing")),
            BlobError::Io(m) => AppError::Unavailable(format!("file storage: {m}")),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Domain(ChangeError::Refused(r))
    }
}
