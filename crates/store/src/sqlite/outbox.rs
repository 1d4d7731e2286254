//! The outbox's wake-ups on SQLite: one process writes the file, so waking this process's
//! readers after the commit (`SqliteStore::write`) is all there is; nothing to do in the
//! transaction.

use diesel::SqliteConnection;
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::sql_types::Bool;

use crate::error::DbResult;

/// Nothing: see the module.
pub(crate) fn notify(_c: &mut SqliteConnection) -> DbResult<()> {
    Ok(())
}

/// Nothing (a constant): see the module and the PostgreSQL [`notify_expr`].
pub(crate) fn notify_expr() -> SqlLiteral<Bool> {
    sql::<Bool>("1")
}

/// Nothing: see the module (the user cache of the one process sees its own writes).
pub(crate) fn notify_user(
    _c: &mut SqliteConnection,
    _user: ticketing_domain::UserId,
) -> DbResult<()> {
    Ok(())
}
