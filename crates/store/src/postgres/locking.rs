//! Row locks on PostgreSQL, where a write transaction is read committed: what the shared
//! queries lock before deciding.

use diesel::prelude::*;
use ticketing_domain::Role;

use super::Conn;
use crate::error::DbResult;
use crate::schema::{mail_jobs, outbox_state, users};
use crate::sql_types::{DbId, DbTime};

/// Locks every active admin row and the row of `user`, in one statement and in id order (so two
/// of these transactions never deadlock), for `update_access`: a concurrent change that could
/// take away an admin waits until this transaction commits, and a fresh count (a new statement
/// sees every committed change) cannot be invalidated before the commit.
pub(crate) fn lock_admins_and(c: &mut Conn, user: DbId) -> DbResult<()> {
    let _locked: Vec<DbId> = users::table
        .filter(
            users::role
                .eq(Role::Admin.as_str())
                .and(users::is_active.eq(true))
                .or(users::id.eq(user)),
        )
        .order_by(users::id.asc())
        .select(users::id)
        .for_update()
        .load(c)?;
    Ok(())
}

/// Locks the row of `user` until the transaction ends, for a count of the user's rows that must
/// not change before the commit (the API tokens a user holds).
pub(crate) fn lock_user(c: &mut Conn, user: DbId) -> DbResult<()> {
    let _locked: Vec<DbId> = users::table
        .filter(users::id.eq(user))
        .select(users::id)
        .for_update()
        .load(c)?;
    Ok(())
}

/// Locks the cursor row `name` of `outbox_state` until the transaction ends and reads it (a
/// durable consumer of the outbox: another process planning the same events waits, then sees
/// the moved cursor).
pub(crate) fn lock_outbox_cursor(c: &mut Conn, name: &str) -> DbResult<Option<i64>> {
    Ok(outbox_state::table
        .filter(outbox_state::name.eq(name))
        .select(outbox_state::value)
        .for_update()
        .first(c)
        .optional()?)
}

/// The ids of up to `limit` pending mail jobs due at `now`, oldest due first, locked; rows
/// another transaction holds are skipped (`SKIP LOCKED`), so senders in several processes never
/// claim the same job.
pub(crate) fn due_mail_jobs(c: &mut Conn, now: DbTime, limit: i64) -> DbResult<Vec<DbId>> {
    Ok(mail_jobs::table
        .filter(mail_jobs::status.eq("pending"))
        .filter(mail_jobs::next_attempt_at.le(now))
        .order_by(mail_jobs::next_attempt_at.asc())
        .limit(limit)
        .select(mail_jobs::id)
        .for_update()
        .skip_locked()
        .load(c)?)
}
