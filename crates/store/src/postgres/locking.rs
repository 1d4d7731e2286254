//! Row locks on PostgreSQL, where a write transaction is read committed: what the shared
//! queries lock before deciding.

use diesel::prelude::*;
use ticketing_domain::Role;

use super::Conn;
use crate::error::DbResult;
use crate::schema::users;
use crate::sql_types::DbId;

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

/// The lock a shared query takes on the rows it reads before deciding (`FOR UPDATE`): a
/// concurrent writer of those rows waits until this transaction ends. Used by the shared
/// queries as `locking::row_lock!(query)`.
macro_rules! row_lock {
    ($query:expr) => {
        $query.for_update()
    };
}

/// The lock a shared query takes on work it claims (`FOR UPDATE SKIP LOCKED`): rows another
/// transaction holds are skipped, so workers in several processes never wait for each other nor
/// claim the same row. Used as `locking::claim_lock!(query)`.
macro_rules! claim_lock {
    ($query:expr) => {
        $query.for_update().skip_locked()
    };
}

pub(crate) use {claim_lock, row_lock};

/// The integer 1, which also turns off the WAL flush at the commit of the transaction that
/// evaluates it (`set_config('synchronous_commit', 'off', true)`): a statement run outside a
/// transaction is its own transaction, so a write that may be lost in a crash (a limit
/// counter's hit) commits without waiting for the disk in one round trip, with no `BEGIN`,
/// `SET LOCAL` and `COMMIT` around it.
pub(crate) fn unflushed_one() -> diesel::expression::SqlLiteral<diesel::sql_types::Integer> {
    diesel::dsl::sql("CAST(set_config('synchronous_commit', 'off', true) IS NOT NULL AS integer)")
}
