//! `EventRepository`, and appending events inside other writes (the one place every change's
//! events are stored, called beside the appends of activity and audit entries).

use std::cell::Cell;

use crate::kept::kept;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use ticketing_app::RepoError;
use ticketing_app::ports::{EventRepository, StoredEvent};
use ticketing_domain::{Event, Presence, TicketId, UserId};

use super::{Conn, DATABASE, Store, batch, error, locking, outbox};
use crate::error::{DbResult, corrupt};
use crate::rows::{EventRow, StagedEventRow};
use crate::schema::{events, events_staged, outbox_state, tickets};
use crate::sql_types::DbTime;

/// The counter row of the last id handed out.
const LAST_EVENT_ID: &str = "last_event_id";

/// What the transaction running on this thread leaves to do once it committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum AfterCommit {
    Nothing,
    /// Wake this process's event readers (events appended, or only a wake-up asked for).
    Wake,
    /// Number the events it staged (PostgreSQL), then wake the readers.
    Number,
}

thread_local! {
    /// Raised by the transaction running on this thread (never lowered until taken); taken by
    /// the store's `write` once the transaction is over ([`after_commit`]).
    static AFTER_COMMIT: Cell<AfterCommit> = const { Cell::new(AfterCommit::Nothing) };
}

/// Raises what is left to do after the commit of the transaction on this thread to `to`.
fn leave(to: AfterCommit) {
    AFTER_COMMIT.with(|a| a.set(a.get().max(to)));
}

/// Once the transaction on this thread ended (`committed` or not): what is left to do, taken
/// (the next transaction on this thread starts from `Nothing`). Nothing after a rollback. The
/// store's `write` does it: numbers the staged events (PostgreSQL, `postgres/outbox.rs`), then
/// wakes this process's event readers.
pub(crate) fn after_commit(committed: bool) -> AfterCommit {
    let left = AFTER_COMMIT.with(|a| a.replace(AfterCommit::Nothing));
    if committed {
        left
    } else {
        AfterCommit::Nothing
    }
}

/// The rows of `events`, ids still to be given: built (payloads serialised) before the
/// transaction, so that it holds its locks for as short a time as possible.
pub(crate) fn event_rows(events: &[Event]) -> Result<Vec<EventRow>, RepoError> {
    events
        .iter()
        .map(EventRow::new)
        .collect::<DbResult<Vec<_>>>()
        .map_err(|e| e.into_repo(DATABASE, error::translate))
}

/// Appends `rows` to the outbox inside the caller's transaction: with the caller's `tail`, the
/// statements its transaction runs **last** (see `batch.rs`: on PostgreSQL they go with the
/// write's main statement, after its lock waits).
///
/// On SQLite (one writer at a time) the transaction numbers its rows itself, right here
/// ([`number`]). On PostgreSQL they are only staged (`events_staged`, in the tail): numbering
/// inside every writing transaction held the counter row, and the `NOTIFY`, from there to the
/// end of the commit, WAL flush included, so writers committed one at a time (with a slow disk,
/// half as many writes a second, see docs/architecture.md). The store's `write` has the staged
/// rows numbered right after the commit ([`after_commit`], `postgres/outbox.rs`), and returns
/// once they are, so a caller reads its own events once the write returned.
pub(crate) fn append_events(
    c: &mut Conn,
    tail: &mut batch::Tail<'_>,
    rows: &[EventRow],
) -> DbResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if outbox::NUMBERED_AFTER_COMMIT {
        let staged: Vec<StagedEventRow> = rows.iter().map(StagedEventRow::from).collect();
        tail.push(diesel::insert_into(events_staged::table).values(staged));
        leave(AfterCommit::Number);
    } else {
        number(c, rows)?;
        leave(AfterCommit::Wake);
    }
    Ok(())
}

/// Gives `rows` the next ids of the counter row and inserts them into `events` (SQLite; see
/// `postgres/outbox.rs` for PostgreSQL's numbering of staged rows). The counter row stays
/// locked until the transaction ends: the writers of ids commit one after the other, which is
/// what keeps ids in the order readers can see them.
fn number(c: &mut Conn, rows: &[EventRow]) -> DbResult<()> {
    let n = i64::try_from(rows.len()).map_err(|e| corrupt("event count", e))?;
    let last: i64 = kept(
        diesel::update(outbox_state::table.filter(outbox_state::name.eq(LAST_EVENT_ID)))
            .set(outbox_state::value.eq(outbox_state::value + n))
            .returning(outbox_state::value),
    )
    .get_result(c)?;
    let numbered: Vec<EventRow> = rows
        .iter()
        .zip(last - n + 1..)
        .map(|(row, id)| EventRow { id, ..row.clone() })
        .collect();
    diesel::insert_into(events::table)
        .values(&numbered)
        .execute(c)?;
    Ok(())
}

/// Reads the cursor row `name` of `outbox_state`, locked until the transaction ends (a durable
/// consumer of the outbox: another process planning the same events waits, then sees the moved
/// cursor; on SQLite the immediate transaction already excludes other writers).
pub(super) fn lock_outbox_cursor(c: &mut Conn, name: &str) -> DbResult<Option<i64>> {
    Ok(locking::row_lock!(
        outbox_state::table
            .filter(outbox_state::name.eq(name))
            .select(outbox_state::value)
    )
    .get_result(c)
    .optional()?)
}

/// Wakes the event readers of every process at the commit of the caller's transaction
/// (`NOTIFY` on PostgreSQL; this process's readers after the commit, see [`after_commit`]).
pub(super) fn wake_readers(c: &mut Conn) -> DbResult<()> {
    outbox::notify(c)?;
    leave(AfterCommit::Wake);
    Ok(())
}

#[async_trait]
impl EventRepository for Store {
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<StoredEvent>, RepoError> {
        self.read(move |c| {
            events::table
                .left_join(tickets::table.on(tickets::id.nullable().eq(events::ticket_id)))
                .filter(events::id.gt(after))
                .order_by(events::id.asc())
                .limit(i64::from(limit))
                .select((EventRow::as_select(), tickets::number.nullable()))
                .load::<(EventRow, Option<i64>)>(c)?
                .into_iter()
                .map(|(row, number)| row.into_domain(number))
                .collect()
        })
        .await
    }

    async fn last_event_id(&self) -> Result<i64, RepoError> {
        self.read(|c| {
            Ok(outbox_state::table
                .filter(outbox_state::name.eq(LAST_EVENT_ID))
                .select(outbox_state::value)
                .get_result(c)?)
        })
        .await
    }

    async fn prune_events(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        self.write(move |c| {
            let newest_old: Option<i64> = events::table
                .filter(events::at.lt(DbTime::from(before)))
                .select(max(events::id))
                .get_result(c)?;
            let Some(through) = newest_old else {
                return Ok(0);
            };
            let removed =
                diesel::delete(events::table.filter(events::id.le(through))).execute(c)?;
            Ok(u64::try_from(removed).unwrap_or(u64::MAX))
        })
        .await
    }

    async fn set_presence(&self, presence: Presence) -> Result<(), RepoError> {
        self.write(move |c| super::presence::set(c, &presence))
            .await
    }

    async fn clear_presence(&self, ticket: TicketId, user: UserId) -> Result<bool, RepoError> {
        self.write(move |c| super::presence::clear(c, ticket, user))
            .await
    }

    async fn current_presence(&self, now: DateTime<Utc>) -> Result<Vec<Presence>, RepoError> {
        self.read(move |c| super::presence::current(c, DbTime::from(now)))
            .await
    }

    fn event_wakeups(&self) -> tokio::sync::watch::Receiver<u64> {
        self.wakeups()
    }
}
