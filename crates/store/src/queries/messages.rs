//! `MessageRepository`, `AttachmentRepository` and `ActivityRepository`.

use std::collections::HashSet;

use async_trait::async_trait;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use ticketing_app::RepoError;
use ticketing_app::ports::{
    ActivityRepository, AttachmentRepository, MessageRepository, TicketEffect,
};
use ticketing_domain::listing::{Page, TimelineQuery};
use ticketing_domain::{
    ActivityEntry, Attachment, AttachmentId, Event, Message, MessageId, TicketId, UserId,
};

use super::events::{append_events, event_rows};
use super::listing::{keyset, timeline_after, timeline_page};
use super::tickets::{Additions, activity_rows, append_activities, apply_effect};
use super::{Conn, DATABASE, Db, Store, batch, error, search};
use crate::error::{DbResult, Fail};
use crate::rows::{ActivityRow, AttachmentRow, MessageRow};
use crate::schema::{activities, attachments, messages, tickets};
use crate::sql_types::DbId;
use crate::words::{WordColumn, conversation_text};

/// A ticket's messages, internal ones only when asked (no order: also what `total` counts).
fn messages_of(ticket: TicketId, include_internal: bool) -> messages::BoxedQuery<'static, Db> {
    let mut q = messages::table
        .filter(messages::ticket_id.eq(DbId::from(ticket)))
        .into_boxed();
    if !include_internal {
        q = q.filter(messages::internal.eq(false));
    }
    q
}

/// A page of a ticket's messages in the order of `page` (no limit).
pub(crate) fn messages_query(
    ticket: TicketId,
    include_internal: bool,
    page: &TimelineQuery,
) -> DbResult<messages::BoxedQuery<'static, Db>> {
    let after = timeline_after(page)?;
    Ok(keyset!(
        messages_of(ticket, include_internal),
        messages::created_at,
        messages::id,
        after,
        page.descending
    ))
}

/// Stores `row` on its ticket with the ticket's `effect`, in one `UPDATE` of the ticket's row
/// ([`Additions`]): its words added to the conversation words (or to the notes' words for an
/// internal note: `search::new_words`, merged by the `UPDATE` itself on PostgreSQL, read and
/// merged first on SQLite, whose immediate transaction excludes other writers) and, for a public
/// message, the ticket's last public message unless a later one is stored; the message goes with
/// the write's `tail`, run with that `UPDATE` (`batch.rs`). On PostgreSQL that is the write's
/// only statement (`Store::write_statement`); a concurrent message on the same ticket waits for
/// the row lock, then merges its words into these. `Stale` when the ticket is gone or the
/// effect's guard fails.
pub(crate) fn insert_message<'a>(
    c: &mut Conn,
    effect: &TicketEffect,
    row: &'a MessageRow,
    mut tail: batch::Tail<'a>,
) -> DbResult<()> {
    let column = if row.internal {
        WordColumn::Notes
    } else {
        WordColumn::Conversation
    };
    let add = Additions {
        words: search::new_words(c, row.ticket_id, column, &row.body)?.map(|w| (column, w)),
        last_public: (!row.internal).then_some((
            row.author_id,
            row.is_staff_message,
            row.created_at,
        )),
    };
    tail.push(diesel::insert_into(messages::table).values(row));
    apply_effect(c, effect, add, tail)
}

/// Tickets backfilled per transaction by [`backfill_conversation_words`].
const BACKFILL_BATCH: i64 = 500;

/// Fills in the conversation words of the tickets marked `search_pending`: tickets that had
/// messages before search covered them (the `conversation_search` migration marks them; the
/// words come from the domain's tokenizer, not SQL). At start-up, after the migrations, in
/// transactions of [`BACKFILL_BATCH`] tickets; each ticket's row is updated (locked) before its
/// messages are read, so a message added meanwhile is either read here or appended after.
/// Returns how many tickets were filled in.
pub(crate) fn backfill_conversation_words(c: &mut Conn) -> DbResult<u64> {
    let mut filled = 0;
    loop {
        let batch: Vec<DbId> = tickets::table
            .filter(tickets::search_pending.eq(true))
            .select(tickets::id)
            .order(tickets::id)
            .limit(BACKFILL_BATCH)
            .load(c)?;
        if batch.is_empty() {
            return Ok(filled);
        }
        filled += c.transaction(|c| {
            let mut n = 0;
            for id in batch {
                let row = tickets::table.filter(tickets::id.eq(id));
                let claimed = diesel::update(row.filter(tickets::search_pending.eq(true)))
                    .set(tickets::search_pending.eq(false))
                    .execute(c)?;
                if claimed == 0 {
                    continue;
                }
                let bodies: Vec<(String, bool)> = messages::table
                    .filter(messages::ticket_id.eq(id))
                    .order((messages::created_at, messages::id))
                    .select((messages::body, messages::internal))
                    .load(c)?;
                let of = |internal: bool| {
                    conversation_text(
                        bodies
                            .iter()
                            .filter(|(_, i)| *i == internal)
                            .map(|(b, _)| b.as_str()),
                    )
                };
                diesel::update(row)
                    .set((
                        tickets::conversation_text.eq(of(false)),
                        tickets::notes_text.eq(of(true)),
                    ))
                    .execute(c)?;
                n += 1;
            }
            Ok::<u64, Fail>(n)
        })?;
    }
}

#[async_trait]
impl MessageRepository for Store {
    async fn add(
        &self,
        message: &Message,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError> {
        let row = MessageRow::new(message);
        let effect = effect.clone();
        let entries = activity_rows(activities);
        let events = event_rows(events)?;
        // One statement on PostgreSQL (see `insert_message`).
        self.write_statement(move |c| {
            let mut tail = batch::Tail::default();
            append_activities(&mut tail, &entries);
            append_events(c, &mut tail, &events)?;
            insert_message(c, &effect, &row, tail)
        })
        .await
    }

    async fn get(&self, id: MessageId) -> Result<Message, RepoError> {
        self.read(move |c| {
            messages::table
                .filter(messages::id.eq(DbId::from(id)))
                .select(MessageRow::as_select())
                .get_result(c)?
                .into_domain()
        })
        .await
    }

    async fn list(
        &self,
        ticket: TicketId,
        include_internal: bool,
        page: &TimelineQuery,
    ) -> Result<Page<Message>, RepoError> {
        let page = *page;
        self.read(move |c| messages_page(c, ticket, include_internal, &page))
            .await
    }
}

#[async_trait]
impl AttachmentRepository for Store {
    async fn add(
        &self,
        attachment: &Attachment,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError> {
        let row =
            AttachmentRow::new(attachment).map_err(|e| e.into_repo(DATABASE, error::translate))?;
        let effect = effect.clone();
        let entries = activity_rows(activities);
        let events = event_rows(events)?;
        // One statement on PostgreSQL: the ticket's `UPDATE` and the tail.
        self.write_statement(move |c| {
            let mut tail = batch::Tail::default();
            tail.push(diesel::insert_into(attachments::table).values(&row));
            append_activities(&mut tail, &entries);
            append_events(c, &mut tail, &events)?;
            apply_effect(c, &effect, Additions::default(), tail)
        })
        .await
    }

    async fn get(&self, id: AttachmentId) -> Result<Attachment, RepoError> {
        self.read(move |c| {
            attachments::table
                .filter(attachments::id.eq(DbId::from(id)))
                .select(AttachmentRow::as_select())
                .get_result(c)?
                .into_domain()
        })
        .await
    }

    async fn list(
        &self,
        ticket: TicketId,
        include_internal: bool,
        page: &TimelineQuery,
    ) -> Result<Page<Attachment>, RepoError> {
        let page = *page;
        self.read(move |c| attachments_page(c, ticket, include_internal, &page))
            .await
    }

    async fn of_messages(
        &self,
        messages: &[MessageId],
        include_internal: bool,
    ) -> Result<Vec<Attachment>, RepoError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<DbId> = messages.iter().map(|m| DbId::from(*m)).collect();
        self.read(move |c| {
            let mut q = attachments::table
                .filter(attachments::message_id.eq_any(ids))
                .into_boxed();
            if !include_internal {
                q = q.filter(attachments::internal.eq(false));
            }
            q.order_by((attachments::uploaded_at.asc(), attachments::id.asc()))
                .select(AttachmentRow::as_select())
                .load(c)?
                .into_iter()
                .map(AttachmentRow::into_domain)
                .collect::<DbResult<Vec<_>>>()
        })
        .await
    }

    async fn remove(
        &self,
        id: AttachmentId,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError> {
        let effect = effect.clone();
        let entries = activity_rows(activities);
        let events = event_rows(events)?;
        self.write(move |c| {
            let n = diesel::delete(attachments::table.filter(attachments::id.eq(DbId::from(id))))
                .execute(c)?;
            if n == 0 {
                return Err(RepoError::NotFound.into());
            }
            let mut tail = batch::Tail::default();
            append_activities(&mut tail, &entries);
            append_events(c, &mut tail, &events)?;
            apply_effect(c, &effect, Additions::default(), tail)
        })
        .await
    }

    async fn bytes_uploaded_by(&self, user: UserId) -> Result<u64, RepoError> {
        self.read(move |c| {
            let total: i64 = attachments::table
                .filter(attachments::uploaded_by.eq(DbId::from(user)))
                .select(sql::<BigInt>("CAST(COALESCE(SUM(size), 0) AS BIGINT)"))
                .get_result(c)?;
            Ok(u64::try_from(total).unwrap_or_default())
        })
        .await
    }

    async fn storage_keys(&self) -> Result<HashSet<String>, RepoError> {
        self.read(move |c| {
            let keys: Vec<String> = attachments::table
                .select(attachments::storage_key)
                .load(c)?;
            Ok(keys.into_iter().collect())
        })
        .await
    }
}

/// A ticket's activities, internal ones only when asked (no order: also what `total` counts).
fn activities_of(ticket: TicketId, include_internal: bool) -> activities::BoxedQuery<'static, Db> {
    let mut q = activities::table
        .filter(activities::ticket_id.eq(DbId::from(ticket)))
        .into_boxed();
    if !include_internal {
        q = q.filter(activities::internal.eq(false));
    }
    q
}

/// A page of a ticket's activities in the order of `page` (no limit).
pub(crate) fn activities_query(
    ticket: TicketId,
    include_internal: bool,
    page: &TimelineQuery,
) -> DbResult<activities::BoxedQuery<'static, Db>> {
    let after = timeline_after(page)?;
    Ok(keyset!(
        activities_of(ticket, include_internal),
        activities::created_at,
        activities::id,
        after,
        page.descending
    ))
}

#[async_trait]
impl ActivityRepository for Store {
    async fn list(
        &self,
        ticket: TicketId,
        include_internal: bool,
        page: &TimelineQuery,
    ) -> Result<Page<ActivityEntry>, RepoError> {
        let page = *page;
        self.read(move |c| activities_page(c, ticket, include_internal, &page))
            .await
    }
}

/// A page of a ticket's messages (`MessageRepository::list`).
pub(crate) fn messages_page(
    c: &mut Conn,
    ticket: TicketId,
    include_internal: bool,
    page: &TimelineQuery,
) -> DbResult<Page<Message>> {
    let items = messages_query(ticket, include_internal, page)?
        .limit(i64::from(page.limit.get()) + 1)
        .select(MessageRow::as_select())
        .load(c)?
        .into_iter()
        .map(MessageRow::into_domain)
        .collect::<DbResult<Vec<_>>>()?;
    timeline_page(
        page,
        items,
        |m: &Message| (m.created_at, m.id.as_uuid()),
        || {
            Ok(messages_of(ticket, include_internal)
                .count()
                .get_result(c)?)
        },
    )
}

/// A ticket's attachments, internal ones only when asked (no order: also what `total` counts).
fn attachments_of(
    ticket: TicketId,
    include_internal: bool,
) -> attachments::BoxedQuery<'static, Db> {
    let q = attachments::table
        .filter(attachments::ticket_id.eq(DbId::from(ticket)))
        .into_boxed();
    if include_internal {
        q
    } else {
        q.filter(attachments::internal.eq(false))
    }
}

/// A page of a ticket's attachments (`AttachmentRepository::list`).
pub(crate) fn attachments_page(
    c: &mut Conn,
    ticket: TicketId,
    include_internal: bool,
    page: &TimelineQuery,
) -> DbResult<Page<Attachment>> {
    let after = timeline_after(page)?;
    let items = keyset!(
        attachments_of(ticket, include_internal),
        attachments::uploaded_at,
        attachments::id,
        after,
        page.descending
    )
    .limit(i64::from(page.limit.get()) + 1)
    .select(AttachmentRow::as_select())
    .load(c)?
    .into_iter()
    .map(AttachmentRow::into_domain)
    .collect::<DbResult<Vec<_>>>()?;
    timeline_page(
        page,
        items,
        |a: &Attachment| (a.uploaded_at, a.id.as_uuid()),
        || {
            Ok(attachments_of(ticket, include_internal)
                .count()
                .get_result(c)?)
        },
    )
}

/// The attachments of the messages of a page (`page` as given to [`messages_page`]), oldest
/// first. The page's message ids are a subquery rather than an `IN` list of values, so the
/// statement has one shape and stays in diesel's statement cache on both databases.
pub(crate) fn files_of_page(
    c: &mut Conn,
    ticket: TicketId,
    include_internal: bool,
    page: &TimelineQuery,
) -> DbResult<Vec<Attachment>> {
    let page_ids = messages_query(ticket, include_internal, page)?
        .select(messages::id)
        .limit(i64::from(page.limit.get()));
    let mut q = attachments::table
        .filter(attachments::ticket_id.eq(DbId::from(ticket)))
        .filter(attachments::message_id.assume_not_null().eq_any(page_ids))
        .into_boxed();
    if !include_internal {
        q = q.filter(attachments::internal.eq(false));
    }
    q.order_by((attachments::uploaded_at.asc(), attachments::id.asc()))
        .select(AttachmentRow::as_select())
        .load(c)?
        .into_iter()
        .map(AttachmentRow::into_domain)
        .collect()
}

/// A page of a ticket's activity log (`ActivityRepository::list`).
pub(crate) fn activities_page(
    c: &mut Conn,
    ticket: TicketId,
    include_internal: bool,
    page: &TimelineQuery,
) -> DbResult<Page<ActivityEntry>> {
    let items = activities_query(ticket, include_internal, page)?
        .limit(i64::from(page.limit.get()) + 1)
        .select(ActivityRow::as_select())
        .load(c)?
        .into_iter()
        .map(ActivityRow::into_domain)
        .collect::<DbResult<Vec<_>>>()?;
    timeline_page(
        page,
        items,
        |e: &ActivityEntry| (e.created_at, e.id.as_uuid()),
        || {
            Ok(activities_of(ticket, include_internal)
                .count()
                .get_result(c)?)
        },
    )
}
