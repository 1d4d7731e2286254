//! Row locks on SQLite: none needed. Every write runs in a `BEGIN IMMEDIATE` transaction, which
//! holds the database's write lock from its first statement, so no other writer can change a row
//! between a read and the write that depends on it.

use diesel::prelude::*;

use super::Conn;
use crate::error::DbResult;
use crate::schema::{mail_jobs, outbox_state};
use crate::sql_types::{DbId, DbTime};

/// Nothing to lock (see above): the immediate transaction already excludes other writers.
pub(crate) fn lock_admins_and(_: &mut Conn, _: DbId) -> DbResult<()> {
    Ok(())
}

/// Nothing to lock (see above).
pub(crate) fn lock_user(_: &mut Conn, _: DbId) -> DbResult<()> {
    Ok(())
}

/// Reads the cursor row `name` of `outbox_state` (the immediate transaction already excludes
/// other writers).
pub(crate) fn lock_outbox_cursor(c: &mut Conn, name: &str) -> DbResult<Option<i64>> {
    Ok(outbox_state::table
        .filter(outbox_state::name.eq(name))
        .select(outbox_state::value)
        .first(c)
        .optional()?)
}

/// The ids of up to `limit` pending mail jobs due at `now`, oldest due first (the immediate
/// transaction keeps other senders out until the claim is written).
pub(crate) fn due_mail_jobs(c: &mut Conn, now: DbTime, limit: i64) -> DbResult<Vec<DbId>> {
    Ok(mail_jobs::table
        .filter(mail_jobs::status.eq("pending"))
        .filter(mail_jobs::next_attempt_at.le(now))
        .order_by(mail_jobs::next_attempt_at.asc())
        .limit(limit)
        .select(mail_jobs::id)
        .load(c)?)
}
