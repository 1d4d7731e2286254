//! The stable, machine-readable error codes of the ticketing system.
//!
//! This is the one table of codes: the domain's errors ([`crate::Refusal`], [`crate::ChangeError`])
//! name theirs with `code()`, the application layer names the rest, and the HTTP API answers each
//! as the `code` of an RFC 9457 problem (`application/problem+json`) with the status given here.
//! A service that reuses the domain alone can report refusals with the same codes and statuses.

use std::fmt;

/// A stable error code, with the HTTP status and title it is answered with.
///
/// The text form ([`ErrorCode::as_str`]) never changes within a major version; new codes may be
/// added in minor versions (the enum is `#[non_exhaustive]`).
///
/// ```
/// use ticketing_domain::ErrorCode;
/// assert_eq!(ErrorCode::TicketClosed.as_str(), "ticket_closed");
/// assert_eq!(ErrorCode::TicketClosed.http_status(), 409);
/// assert_eq!(ErrorCode::TicketClosed.title(), "Ticket closed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: a value or the request as a whole is invalid.
    ValidationFailed,
    /// 401: no valid credentials or token.
    Unauthenticated,
    /// 401: the access token expired (refresh it).
    TokenExpired,
    /// 403: the caller sees the resource but may not do this.
    Forbidden,
    /// 403: the caller signed in with a temporary password and must change it before anything
    /// else.
    PasswordChangeRequired,
    /// 404: no such resource, or one the caller may not know exists.
    NotFound,
    /// 405: the resource does not answer this method.
    MethodNotAllowed,
    /// 409: the request conflicts with the current state (a taken name, an invalid status move).
    Conflict,
    /// 409: the ticket is closed and can no longer change.
    TicketClosed,
    /// 412: the resource changed since the version the caller named.
    PreconditionFailed,
    /// 413: the body or file is too large.
    PayloadTooLarge,
    /// 415: the body's content type is not accepted.
    UnsupportedMediaType,
    /// 429: too many attempts; retry later.
    RateLimited,
    /// 503: a dependency is down or overloaded; nothing was changed.
    Unavailable,
    /// 500: a bug; nothing is said about it.
    Internal,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::ValidationFailed,
        ErrorCode::Unauthenticated,
        ErrorCode::TokenExpired,
        ErrorCode::Forbidden,
        ErrorCode::PasswordChangeRequired,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::TicketClosed,
        ErrorCode::PreconditionFailed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    /// The stable text form, e.g. `ticket_closed`.
    pub fn as_str(self) -> &'static str {
        self.row().0
    }

    /// The HTTP status this code is answered with (a hint for other transports).
    pub fn http_status(self) -> u16 {
        self.row().1
    }

    /// A short summary of the kind of problem (the `title` of a problem document).
    pub fn title(self) -> &'static str {
        self.row().2
    }

    fn row(self) -> (&'static str, u16, &'static str) {
        match self {
            ErrorCode::ValidationFailed => ("validation_failed", 400, "Invalid request"),
            ErrorCode::Unauthenticated => ("unauthenticated", 401, "Authentication required"),
            ErrorCode::TokenExpired => ("token_expired", 401, "Token expired"),
            ErrorCode::Forbidden => ("forbidden", 403, "Forbidden"),
            ErrorCode::PasswordChangeRequired => {
                ("password_change_required", 403, "Password change required")
            }
            ErrorCode::NotFound => ("not_found", 404, "Not found"),
            ErrorCode::MethodNotAllowed => ("method_not_allowed", 405, "Method not allowed"),
            ErrorCode::Conflict => ("conflict", 409, "Conflict"),
            ErrorCode::TicketClosed => ("ticket_closed", 409, "Ticket closed"),
            ErrorCode::PreconditionFailed => ("precondition_failed", 412, "Precondition failed"),
            ErrorCode::PayloadTooLarge => ("payload_too_large", 413, "Payload too large"),
            ErrorCode::UnsupportedMediaType => {
                ("unsupported_media_type", 415, "Unsupported media type")
            }
            ErrorCode::RateLimited => ("rate_limited", 429, "Too many requests"),
            ErrorCode::Unavailable => ("unavailable", 503, "Service unavailable"),
            ErrorCode::Internal => ("internal", 500, "Internal error"),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_are_distinct_snake_case_and_statuses_are_errors() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
            assert!((400..600).contains(&code.http_status()), "{s}");
            assert!(!code.title().is_empty(), "{s}");
            assert_eq!(code.to_string(), s);
        }
    }
}
