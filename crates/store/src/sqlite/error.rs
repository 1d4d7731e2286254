//! SQLite errors: [`StoreError`] for opening and migrating, and the translation of diesel and
//! pool errors into [`RepoError`] (no diesel type leaves this crate).

use std::path::PathBuf;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use ticketing_app::RepoError;

use crate::error::{conflict_field, mentions_any};

/// Why the store could not be opened or migrated. Messages are one line.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `:memory:` (or a `mode=memory` URI) was given: every pooled connection would see its own
    /// empty database.
    #[error(
        "an in-memory SQLite database cannot be used behind a connection pool; give a file path"
    )]
    InMemoryRefused,
    /// The path cannot be used (not UTF-8, parent directory cannot be created, not a database).
    #[error("cannot use SQLite database {path}: {reason}")]
    BadPath {
        /// The path given.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The connection pool could not be built or handed out no connection in time.
    #[error("SQLite database unavailable: {0}")]
    Unavailable(String),
    /// A migration failed; nothing of it was applied.
    #[error("migration failed: {0}")]
    Migration(String),
}

fn is_busy(message: &str) -> bool {
    mentions_any(
        message,
        &[
            "database is locked",
            "database table is locked",
            "database is busy",
            "unable to open database",
            "disk i/o error",
        ],
    )
}

/// The storage under the database refuses writes for now (a full disk, a read-only mount): the
/// request cannot be served, but nothing is wrong with the data, and it works again once an
/// operator makes room. A 503 says so; a 500 would hide it.
fn is_storage_refusal(message: &str) -> bool {
    mentions_any(message, &["database or disk is full", "readonly database"])
}

/// Translates a diesel error into the port's vocabulary.
pub(crate) fn translate(e: DieselError) -> RepoError {
    match e {
        DieselError::NotFound => RepoError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            RepoError::Conflict {
                field: conflict_field(info.message()),
            }
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
            RepoError::Unavailable(format!("SQLite: {}", info.message()))
        }
        DieselError::DatabaseError(_, info)
            if is_busy(info.message()) || is_storage_refusal(info.message()) =>
        {
            RepoError::Unavailable(format!("SQLite: {}", info.message()))
        }
        other => RepoError::Unexpected(anyhow::anyhow!("SQLite: {other}")),
    }
}

/// A connection could not be checked out of the pool in time.
pub(crate) fn pool_error(e: &diesel::r2d2::PoolError) -> RepoError {
    RepoError::Unavailable(format!("SQLite connection pool: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_database_is_unavailable() {
        assert!(is_busy("database is locked"));
        assert!(!is_busy("no such table: users"));
    }

    #[test]
    fn full_or_read_only_storage_is_unavailable() {
        assert!(is_storage_refusal("database or disk is full"));
        assert!(is_storage_refusal("attempt to write a readonly database"));
        assert!(!is_storage_refusal("no such table: users"));
    }
}
