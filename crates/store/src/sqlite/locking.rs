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
