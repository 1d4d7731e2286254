//! What a store operation fails with before it leaves the crate: a diesel error still to
//! translate, an outcome already decided, or a stored row the domain refuses. Each backend's
//! `error.rs` translates diesel errors (their messages and codes differ) and names itself.

use diesel::result::Error as DieselError;
use ticketing_app::RepoError;

/// A failure inside a store operation.
#[derive(Debug)]
pub(crate) enum Fail {
    /// A diesel error, translated by the backend.
    Db(DieselError),
    /// An outcome already decided (`Stale`, `NotFound`...).
    Repo(RepoError),
    /// A stored row that the domain refuses (corrupt data or a bug).
    Corrupt(String),
}

impl From<DieselError> for Fail {
    fn from(e: DieselError) -> Self {
        Fail::Db(e)
    }
}

impl From<RepoError> for Fail {
    fn from(e: RepoError) -> Self {
        Fail::Repo(e)
    }
}

pub(crate) type DbResult<T> = Result<T, Fail>;

impl Fail {
    /// The port error for this failure: diesel errors through the backend's `translate`, a
    /// corrupt row as `Unexpected` naming the database.
    pub(crate) fn into_repo(
        self,
        database: &str,
        translate: fn(DieselError) -> RepoError,
    ) -> RepoError {
        match self {
            Fail::Repo(e) => e,
            Fail::Db(e) => translate(e),
            Fail::Corrupt(what) => {
                RepoError::Unexpected(anyhow::anyhow!("corrupt row in {database}: {what}"))
            }
        }
    }
}

/// What a guarded write that changed nothing means: `NotFound` when no row has the id
/// (`rows_with_id` is 0), else `Stale` (the guard failed).
pub(crate) fn missing_or_stale(rows_with_id: i64) -> Fail {
    Fail::Repo(if rows_with_id == 0 {
        RepoError::NotFound
    } else {
        RepoError::Stale
    })
}

/// A stored row that the domain refuses.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> Fail {
    Fail::Corrupt(format!("{what}: {detail}"))
}

/// Whether `message` mentions any of `needles` (ASCII case ignored).
pub(crate) fn mentions_any(message: &str, needles: &[&str]) -> bool {
    let m = message.to_ascii_lowercase();
    needles.iter().any(|needle| m.contains(needle))
}

/// Names the unique column a violated constraint is about, from its name (PostgreSQL) or from
/// the message that names the column (SQLite: `UNIQUE constraint failed: table.column`).
pub(crate) fn conflict_field(constraint: &str) -> &'static str {
    if constraint.contains("api_tokens_user_name") || constraint.contains("api_tokens.name") {
        "name"
    } else if constraint.contains("username_skeleton") {
        "username_skeleton"
    } else if constraint.contains("username") {
        "username"
    } else if constraint.contains("email") {
        "email"
    } else if constraint.contains("storage_key") {
        "storage_key"
    } else if constraint.contains("token_hash") {
        "token_hash"
    } else {
        "id"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_conflicting_field() {
        for (text, field) in [
            ("users_username_key_uq", "username"),
            ("users_email_key_uq", "email"),
            ("users_username_skeleton_uq", "username_skeleton"),
            (
                "UNIQUE constraint failed: users.username_skeleton",
                "username_skeleton",
            ),
            ("attachments_storage_key_key", "storage_key"),
            ("refresh_sessions_token_hash_key", "token_hash"),
            ("tickets_pkey", "id"),
            ("api_tokens_user_name_uq", "name"),
            (
                "UNIQUE constraint failed: api_tokens.user_id, api_tokens.name",
                "name",
            ),
            ("api_tokens_token_hash_key", "token_hash"),
            ("UNIQUE constraint failed: users.username_key", "username"),
            ("UNIQUE constraint failed: users.email_key", "email"),
            ("UNIQUE constraint failed: tickets.id", "id"),
        ] {
            assert_eq!(conflict_field(text), field, "{text}");
        }
    }
}
