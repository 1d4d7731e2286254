//! Row locks on SQLite: none needed. Every write runs in a `BEGIN IMMEDIATE` transaction, which
//! holds the database's write lock from its first statement, so no other writer can change a row
//! between a read and the write that depends on it.

use super::Conn;
use crate::error::DbResult;
use crate::sql_types::DbId;

/// Nothing to lock (see above): the immediate transaction already excludes other writers.
pub(crate) fn lock_admins_and(_: &mut Conn, _: DbId) -> DbResult<()> {
    Ok(())
}

/// Nothing to lock (see above).
pub(crate) fn lock_user(_: &mut Conn, _: DbId) -> DbResult<()> {
    Ok(())
}

/// No row lock (see above): the query as it is. PostgreSQL's takes `FOR UPDATE`.
macro_rules! row_lock {
    ($query:expr) => {
        $query
    };
}

/// No claim lock (see above): the query as it is. PostgreSQL's takes `FOR UPDATE SKIP LOCKED`.
macro_rules! claim_lock {
    ($query:expr) => {
        $query
    };
}

pub(crate) use {claim_lock, row_lock};

/// The integer 1 (PostgreSQL's also turns off the WAL flush of its transaction; SQLite counts
/// limits in memory, see `local_counters.rs`).
pub(crate) fn unflushed_one() -> diesel::expression::SqlLiteral<diesel::sql_types::Integer> {
    diesel::dsl::sql("1")
}
