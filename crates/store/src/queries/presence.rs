//! Presence (`EventRepository::set_presence` and its siblings): one row per staff member and
//! ticket, replaced at each refresh, read whole by each process's event hub. Each write wakes the
//! readers like an append to the outbox (`NOTIFY` on PostgreSQL, so other processes read it too).

use diesel::prelude::*;
use ticketing_domain::{Presence, TicketId, UserId};

use super::Conn;
use super::events::wake_readers;
use crate::error::DbResult;
use crate::rows::PresenceRow;
use crate::schema::presence;
use crate::sql_types::{DbId, DbTime};

/// Replaces the presence of its user on its ticket; deletes every presence expired by its time.
pub(super) fn set(c: &mut Conn, p: &Presence) -> DbResult<()> {
    let row = PresenceRow::new(p)?;
    diesel::delete(presence::table.filter(presence::expires_at.le(row.at))).execute(c)?;
    diesel::delete(
        presence::table
            .filter(presence::ticket_id.eq(row.ticket_id))
            .filter(presence::user_id.eq(row.user_id)),
    )
    .execute(c)?;
    diesel::insert_into(presence::table)
        .values(&row)
        .execute(c)?;
    wake_readers(c)
}

/// Deletes `user`'s presence on `ticket`; whether there was one.
pub(super) fn clear(c: &mut Conn, ticket: TicketId, user: UserId) -> DbResult<bool> {
    let removed = diesel::delete(
        presence::table
            .filter(presence::ticket_id.eq(DbId::from(ticket)))
            .filter(presence::user_id.eq(DbId::from(user))),
    )
    .execute(c)?;
    wake_readers(c)?;
    Ok(removed > 0)
}

/// The presence not expired at `now`, by ticket then user.
pub(super) fn current(c: &mut Conn, now: DbTime) -> DbResult<Vec<Presence>> {
    presence::table
        .filter(presence::expires_at.gt(now))
        .order_by((presence::ticket_id.asc(), presence::user_id.asc()))
        .select(PresenceRow::as_select())
        .load::<PresenceRow>(c)?
        .into_iter()
        .map(PresenceRow::into_domain)
        .collect()
}
