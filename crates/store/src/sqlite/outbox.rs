//! The outbox's wake-ups on SQLite: one process writes the file, so waking this process's
//! readers after the commit (`SqliteStore::write`) is all there is; nothing to do in the
//! transaction.

use diesel::SqliteConnection;

use crate::error::DbResult;

/// A writing transaction numbers its own events: it is the only writer.
pub(crate) const NUMBERED_AFTER_COMMIT: bool = false;

/// Nothing: see the module.
pub(crate) fn notify(_c: &mut SqliteConnection) -> DbResult<()> {
    Ok(())
}

/// Nothing: see the module (the user cache of the one process sees its own writes).
pub(crate) fn notify_user(
    _c: &mut SqliteConnection,
    _user: ticketing_domain::UserId,
) -> DbResult<()> {
    Ok(())
}
