//! `TicketRepository` writes and reads, and the guarded ticket updates (`TicketEffect`) that the
//! message and attachment writes share.

use crate::kept::kept;
use async_trait::async_trait;
use diesel::prelude::*;
use ticketing_app::RepoError;
use ticketing_app::ports::{TicketEffect, TicketRepository, Timeline};
use ticketing_domain::listing::{Limit, Page, TicketQuery, TimelineQuery};
use ticketing_domain::{ActivityEntry, Event, Ticket, TicketId};

use super::events::{append_events, event_rows};
use super::messages::{activities_page, attachments_page, files_of_page, messages_page};
use super::{Conn, NUMBER_RETURNED, Store};
use crate::error::{DbResult, corrupt, missing_or_stale};
use crate::rows::{ActivityRow, TicketRow};
use crate::run::Work;
use crate::schema::{activities, tickets};
use crate::sql_types::{DbId, DbTime};
use crate::words::search_text;

/// Appends activity entries.
pub(crate) fn append_activities(c: &mut Conn, entries: &[ActivityRow]) -> DbResult<()> {
    if !entries.is_empty() {
        diesel::insert_into(activities::table)
            .values(entries)
            .execute(c)?;
    }
    Ok(())
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
/// see [`crate::words`], which the search index reads) and, for a public message, the ticket's
/// last public message. `None` leaves a column as it is; the default adds nothing.
#[derive(Debug, Default)]
pub(crate) struct Additions {
    /// The new `conversation_text`.
    pub conversation_text: Option<String>,
    /// The new `notes_text`.
    pub notes_text: Option<String>,
    /// The last public message: author, whether staff wrote it, when.
    pub last_public: Option<(DbId, bool, DbTime)>,
}

/// Applies a `TicketEffect` and `add` in one `UPDATE` of the ticket's row; `Stale` when the
/// effect's guard fails (nothing is written by the caller's transaction then).
pub(crate) fn apply_effect(c: &mut Conn, effect: &TicketEffect, add: &Additions) -> DbResult<()> {
    let added = (
        add.last_public.map(|(author, by_staff, at)| {
            (
                tickets::last_public_author_id.eq(Some(author)),
                tickets::last_public_by_staff.eq(Some(by_staff)),
                tickets::last_public_at.eq(Some(at)),
            )
        }),
        add.notes_text.as_deref().map(|w| tickets::notes_text.eq(w)),
        add.conversation_text
            .as_deref()
            .map(|w| tickets::conversation_text.eq(w)),
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
            kept(diesel::update(target).set((touch, public, added))).execute(c)?
        }
        TicketEffect::Replace {
            ticket,
            expected_version,
        } => kept(
            diesel::update(replaced(ticket, *expected_version))
                .set((TicketRow::changes(ticket), added)),
        )
        .execute(c)?,
    };
    if changed == 0 {
        return Err(RepoError::Stale.into());
    }
    Ok(())
}

/// Inserts a new ticket (with its search text) and its `created` entry; answers the number the
/// database gave it in the INSERT (identity column / trigger). The caller appends the events.
pub(crate) fn insert_ticket(
    c: &mut Conn,
    row: &TicketRow,
    search_text: String,
    created: &ActivityRow,
) -> DbResult<u64> {
    let insert =
        diesel::insert_into(tickets::table).values((row, tickets::search_text.eq(search_text)));
    let number: i64 = if NUMBER_RETURNED {
        insert.returning(tickets::number).get_result(c)?
    } else {
        insert.execute(c)?;
        tickets::table
            .filter(tickets::id.eq(row.id))
            .select(tickets::number)
            .get_result(c)?
    };
    append_activities(c, std::slice::from_ref(created))?;
    u64::try_from(number).map_err(|e| corrupt("number", e))
}

pub(crate) fn activity_rows(entries: &[ActivityEntry]) -> Vec<ActivityRow> {
    entries.iter().map(ActivityRow::new).collect()
}

impl Store {
    /// One write transaction that adds to a ticket: applies `effect` (a failed guard makes the
    /// whole write `Stale`), runs `insert`, appends the activity entries and the events.
    pub(crate) async fn add_with_effect(
        &self,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
        insert: impl Work<Conn, usize>,
    ) -> Result<(), RepoError> {
        let effect = effect.clone();
        let entries = activity_rows(activities);
        let events = event_rows(events)?;
        self.write(move |c| {
            apply_effect(c, &effect, &Additions::default())?;
            insert(c)?;
            append_activities(c, &entries)?;
            append_events(c, &events)
        })
        .await
    }
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
        self.write(move |c| {
            let number = insert_ticket(c, &row, text, &activity)?;
            append_events(c, &events)?;
            Ok(number)
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
            append_activities(c, &entries)?;
            append_events(c, &events)
        })
        .await
    }
}
