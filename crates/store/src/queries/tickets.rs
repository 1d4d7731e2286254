//! `TicketRepository` writes and reads, and the guarded ticket updates (`TicketEffect`) that the
//! message and attachment writes share.

use crate::kept::kept;
use async_trait::async_trait;
use diesel::dsl::case_when;
use diesel::prelude::*;
use ticketing_app::RepoError;
use ticketing_app::ports::{TicketEffect, TicketRepository, Timeline};
use ticketing_domain::listing::{Limit, Page, TicketQuery, TimelineQuery};
use ticketing_domain::{ActivityEntry, Event, Ticket, TicketId};

use super::events::{append_events, event_rows};
use super::messages::{activities_page, attachments_page, files_of_page, messages_page};
use super::{Conn, NUMBER_RETURNED, Store, batch, search};
use crate::error::{DbResult, corrupt, missing_or_stale};
use crate::rows::{ActivityRow, TicketRow};
use crate::schema::{activities, tickets};
use crate::sql_types::{DbId, DbTime};
use crate::words::{WordColumn, search_text};

/// Appends activity entries: with the write's `tail` (`batch.rs`).
pub(crate) fn append_activities<'a>(tail: &mut batch::Tail<'a>, entries: &'a [ActivityRow]) {
    if !entries.is_empty() {
        tail.push(diesel::insert_into(activities::table).values(entries));
    }
}

/// Writes every mutable column of `ticket` if the stored row is not deleted and still at
/// `expected_version`; the number of rows changed (0 or 1).
fn replace(c: &mut Conn, ticket: &Ticket, expected_version: i64) -> DbResult<usize> {
    Ok(diesel::update(replaced(ticket, expected_version))
        .set(TicketRow::changes(ticket))
        .execute(c)?)
}

/// The row [`replace`] writes.
fn replaced(ticket: &Ticket, expected_version: i64) -> ReplaceTarget {
    tickets::table
        .filter(tickets::id.eq(DbId::from(ticket.id)))
        .filter(tickets::version.eq(expected_version))
        .filter(tickets::deleted_at.is_null())
}

type ReplaceTarget = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<tickets::table, diesel::dsl::Eq<tickets::id, DbId>>,
        diesel::dsl::Eq<tickets::version, i64>,
    >,
    diesel::dsl::IsNull<tickets::deleted_at>,
>;

/// What a message adds to its ticket's row besides its [`TicketEffect`], written by the
/// effect's one `UPDATE` (see `messages::insert_message`): the words of the message added to
/// the stored conversation words (`conversation_text`, or `notes_text` for an internal note;
/// see [`crate::words`], which the search index reads; `search::new_words`) and, for a public
/// message, the ticket's last public message, unless a later one is stored (two replies
/// committed out of order keep the later). `None` leaves a column as it is; the default adds
/// nothing.
#[derive(Default)]
pub(crate) struct Additions {
    /// The words the message adds, and to which column.
    pub words: Option<(WordColumn, search::NewWords)>,
    /// The last public message: author, whether staff wrote it, when.
    pub last_public: Option<(DbId, bool, DbTime)>,
}

/// The SQL type of a column of `tickets`.
type SqlTypeOf<C> = <C as Expression>::SqlType;

/// `column` of the last public message set to `value`, unless the row holds a public message
/// later than `at` (the `CASE` reads the row as it was before the `UPDATE`).
macro_rules! unless_later {
    ($column:path, $value:expr, $at:expr) => {
        $column.eq(case_when::<_, _, SqlTypeOf<$column>>(
            tickets::last_public_at
                .is_null()
                .or(tickets::last_public_at.le($at)),
            Some($value),
        )
        .otherwise($column))
    };
}

/// Applies a `TicketEffect` and `add` in one `UPDATE` of the ticket's row, and runs the write's
/// `tail` with it (`batch.rs`: one statement on PostgreSQL, which writes nothing when the
/// `UPDATE` changes no row); `Stale` when the effect's guard fails or the ticket is gone.
pub(crate) fn apply_effect(
    c: &mut Conn,
    effect: &TicketEffect,
    add: Additions,
    tail: batch::Tail<'_>,
) -> DbResult<()> {
    let (conversation, notes) = match add.words {
        Some((WordColumn::Conversation, new)) => {
            (Some(search::set_words(WordColumn::Conversation, new)), None)
        }
        Some((WordColumn::Notes, new)) => (None, Some(search::set_words(WordColumn::Notes, new))),
        None => (None, None),
    };
    let added = (
        add.last_public.map(|(author, by_staff, at)| {
            (
                unless_later!(tickets::last_public_author_id, author, at),
                unless_later!(tickets::last_public_by_staff, by_staff, at),
                unless_later!(tickets::last_public_at, at, at),
            )
        }),
        notes.map(|w| tickets::notes_text.eq(w)),
        conversation.map(|w| tickets::conversation_text.eq(w)),
    );
    let changed = match effect {
        TicketEffect::Touch {
            ticket_id,
            status,
            at,
            messages,
            internal_notes,
            public,
        } => {
            let target = tickets::table
                .filter(tickets::id.eq(DbId::from(*ticket_id)))
                .filter(tickets::deleted_at.is_null())
                .filter(tickets::status.eq(status.as_str()));
            let touch = (
                tickets::version.eq(tickets::version + 1),
                tickets::updated_at.eq(DbTime::from(*at)),
                tickets::message_count.eq(tickets::message_count + i64::from(*messages)),
                tickets::internal_note_count
                    .eq(tickets::internal_note_count + i64::from(*internal_notes)),
            );
            let public = public.then(|| {
                (
                    tickets::public_version.eq(tickets::public_version + 1),
                    tickets::public_updated_at.eq(DbTime::from(*at)),
                )
            });
            tail.run_after(c, kept(diesel::update(target).set((touch, public, added))))
        }
        TicketEffect::Replace {
            ticket,
            expected_version,
        } => tail.run_after(
            c,
            kept(
                diesel::update(replaced(ticket, *expected_version))
                    .set((TicketRow::changes(ticket), added)),
            ),
        ),
    };
    if changed? == 0 {
        return Err(RepoError::Stale.into());
    }
    Ok(())
}

/// Inserts a new ticket (with its search text) and runs the write's `tail` (its `created` entry,
/// its events) with it: one statement on PostgreSQL (`batch.rs`). Answers the number the
/// database gave it in the INSERT (an identity column on PostgreSQL, read back from the INSERT;
/// a trigger on SQLite, read after it).
pub(crate) fn insert_ticket(
    c: &mut Conn,
    tail: batch::Tail<'_>,
    row: &TicketRow,
    search_text: String,
) -> DbResult<u64> {
    let insert =
        diesel::insert_into(tickets::table).values((row, tickets::search_text.eq(search_text)));
    let number: i64 = if NUMBER_RETURNED {
        tail.run_returning(c, insert.returning(tickets::number))?
    } else {
        insert.execute(c)?;
        let number = tickets::table
            .filter(tickets::id.eq(row.id))
            .select(tickets::number)
            .get_result(c)?;
        tail.run(c)?;
        number
    };
    u64::try_from(number).map_err(|e| corrupt("number", e))
}

pub(crate) fn activity_rows(entries: &[ActivityEntry]) -> Vec<ActivityRow> {
    entries.iter().map(ActivityRow::new).collect()
}

#[async_trait]
impl TicketRepository for Store {
    async fn create(
        &self,
        ticket: &Ticket,
        created: &ActivityEntry,
        events: &[Event],
    ) -> Result<u64, RepoError> {
        let row = TicketRow::new(ticket);
        let text = search_text(ticket.topic.as_str(), ticket.description.as_str());
        let activity = ActivityRow::new(created);
        let events = event_rows(events)?;
        // One statement on PostgreSQL (see `insert_ticket`).
        self.write_statement(move |c| {
            let mut tail = batch::Tail::default();
            append_activities(&mut tail, std::slice::from_ref(&activity));
            append_events(c, &mut tail, &events)?;
            insert_ticket(c, tail, &row, text)
        })
        .await
    }

    async fn get(&self, id: TicketId) -> Result<Ticket, RepoError> {
        self.read(move |c| {
            tickets::table
                .filter(tickets::id.eq(DbId::from(id)))
                .filter(tickets::deleted_at.is_null())
                .select(TicketRow::as_select())
                .get_result(c)?
                .into_domain()
        })
        .await
    }

    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket>, RepoError> {
        let q = query.clone();
        self.snapshot(move |c| super::listing::list(c, &q)).await
    }

    async fn timeline(
        &self,
        ticket: TicketId,
        include_internal: bool,
        limit: Limit,
    ) -> Result<Timeline, RepoError> {
        // One connection, one trip through the blocking pool: the detail's hot path.
        self.read(move |c| {
            let latest = TimelineQuery::newest_first(limit);
            Ok(Timeline {
                messages: messages_page(c, ticket, include_internal, &latest)?,
                files: files_of_page(c, ticket, include_internal, &latest)?,
                attachments: attachments_page(c, ticket, include_internal, &latest)?,
                activities: activities_page(c, ticket, include_internal, &latest)?,
            })
        })
        .await
    }

    async fn update(
        &self,
        ticket: &Ticket,
        expected_version: i64,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError> {
        let ticket = ticket.clone();
        let entries = activity_rows(activities);
        let events = event_rows(events)?;
        self.write(move |c| {
            if replace(c, &ticket, expected_version)? == 0 {
                let exists: i64 = tickets::table
                    .filter(tickets::id.eq(DbId::from(ticket.id)))
                    .count()
                    .get_result(c)?;
                return Err(missing_or_stale(exists));
            }
            let mut tail = batch::Tail::default();
            append_activities(&mut tail, &entries);
            append_events(c, &mut tail, &events)?;
            tail.run(c)
        })
        .await
    }
}
