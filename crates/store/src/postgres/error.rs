//! PostgreSQL errors: [`StoreError`] for connecting and migrating, and the translation of diesel
//! and pool errors into [`RepoError`] (no diesel type leaves this crate). Messages never carry
//! the password of the database URL.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use ticketing_app::RepoError;

use crate::error::{conflict_field, mentions_any};

/// Why the store could not be set up or migrated. Messages are one line and never contain the
/// password of the URL.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL is not a `postgres://` or `postgresql://` URL.
    #[error("invalid PostgreSQL URL: {0}")]
    InvalidUrl(String),
    /// No connection could be made (server down, wrong host, refused credentials...).
    #[error("PostgreSQL unreachable at {target}: {reason}")]
    Unreachable {
        /// The URL with its password masked.
        target: String,
        /// libpq's reason, password masked.
        reason: String,
    },
    /// A migration failed; that migration's changes were rolled back.
    #[error("migration failed: {0}")]
    Migration(String),
}

/// Messages of errors that mean "the server is going away or overloaded": try again later.
fn is_transient(message: &str) -> bool {
    mentions_any(
        message,
        &[
            "terminating connection",
            "server closed the connection",
            "connection refused",
            "could not connect",
            "could not receive data",
            "could not send data",
            "no connection to the server",
            "the database system is",
            "too many connections",
            "remaining connection slots",
            "canceling statement due to",
            "ssl syscall error",
        ],
    )
}

/// Translates a diesel error into the port's vocabulary.
pub(crate) fn translate(e: DieselError) -> RepoError {
    match e {
        DieselError::NotFound => RepoError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            RepoError::Conflict {
                field: conflict_field(info.constraint_name().unwrap_or(info.message())),
            }
        }
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            | DatabaseErrorKind::SerializationFailure
            | DatabaseErrorKind::ReadOnlyTransaction,
            info,
        ) => RepoError::Unavailable(format!("PostgreSQL: {}", one_line(info.message()))),
        DieselError::DatabaseError(_, info) if is_transient(info.message()) => {
            RepoError::Unavailable(format!("PostgreSQL: {}", one_line(info.message())))
        }
        DieselError::BrokenTransactionManager => {
            RepoError::Unavailable("PostgreSQL: the connection broke mid-transaction".to_owned())
        }
        other => RepoError::Unexpected(anyhow::anyhow!("PostgreSQL: {other}")),
    }
}

/// A connection could not be checked out of the pool in time (server down or pool exhausted).
pub(crate) fn pool_error(e: &diesel::r2d2::PoolError, redact: &Redactor) -> RepoError {
    RepoError::Unavailable(redact.clean(&format!("PostgreSQL connection pool: {e}")))
}

/// libpq messages span lines ("connection to server ... failed: ...\n\tIs the server...").
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Masks the password of a database URL wherever it might show up.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor { .. }")
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(v as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Redactor {
    /// Finds the password of `url` (`scheme://user:password@host/...` or `?password=...`).
    pub(crate) fn for_url(url: &str) -> Self {
        Self {
            secrets: Vec::new(),
        }
        .and_url(url)
    }

    /// Also masks the password of `url` (a second URL of the same store).
    pub(crate) fn and_url(self, url: &str) -> Self {
        let mut secrets = self.secrets;
        if let Some((_, rest)) = url.split_once("://") {
            let authority = rest.split(['/', '?']).next().unwrap_or("");
            if let Some((userinfo, _)) = authority.rsplit_once('@') {
                if let Some((_, password)) = userinfo.split_once(':') {
                    secrets.push(password.to_owned());
                }
            }
        }
        if let Some((_, query)) = url.split_once('?') {
            for pair in query.split('&') {
                if let Some(("password", value)) = pair.split_once('=') {
                    secrets.push(value.to_owned());
                }
            }
        }
        let decoded: Vec<String> = secrets.iter().map(|s| percent_decode(s)).collect();
        secrets.extend(decoded);
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// `text` with every occurrence of the password replaced by `***`.
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords_in_urls_and_queries() {
        let r = Redactor::for_url("postgres://app:s3cr%40t@db:5432/x?sslmode=require");
        assert_eq!(
            r.clean("postgres://app:s3cr%40t@db:5432/x failed for s3cr@t"),
            "postgres://app:***@db:5432/x failed for ***"
        );
        let r = Redactor::for_url("postgresql://db/x?user=u&password=hunter2");
        assert_eq!(r.clean("password=hunter2"), "password=***");
        let r = Redactor::for_url("postgres://postgres@127.0.0.1/postgres");
        assert_eq!(r.clean("postgres@127.0.0.1"), "postgres@127.0.0.1");
    }

    #[test]
    fn recognises_transient_failures() {
        assert!(is_transient(
            "terminating connection due to administrator command"
        ));
        assert!(is_transient("FATAL: the database system is shutting down"));
        assert!(!is_transient("relation \"users\" does not exist"));
        assert_eq!(one_line("a\n\tb  c"), "a b c");
    }
}
