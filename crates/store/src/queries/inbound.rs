//! Inbound mail (`MailRepository::reply_token`, `inbound_seen`, `store_inbound`): what one
//! received message writes, in one transaction, with the same row writes as the ticket, message,
//! attachment and user repositories.

use diesel::prelude::*;
use ticketing_app::RepoError;
use ticketing_app::inbound::{InboundTarget, InboundWrite, ReplyTokenOwner};

use super::audit::insert_audit;
use super::events::{append_events, event_rows};
use super::messages::insert_message;
use super::tickets::{Additions, activity_rows, append_activities, apply_effect, insert_ticket};
use super::users::{check_email_namespace, check_username_namespace};
use super::{Conn, DATABASE, batch, error};
use crate::error::DbResult;
use crate::rows::{ActivityRow, AttachmentRow, MessageRow, TicketRow, UserRow};
use crate::schema::{attachments, inbound_messages as i, mail_reply_tokens as r, users};
use crate::sql_types::{DbId, DbTime};
use crate::words::search_text;

pub(crate) fn reply_token(c: &mut Conn, hash: &str) -> DbResult<Option<ReplyTokenOwner>> {
    let row: Option<(DbId, DbId, DbTime)> = r::table
        .filter(r::token_hash.eq(hash))
        .select((r::ticket_id, r::user_id, r::created_at))
        .get_result(c)
        .optional()?;
    Ok(row.map(|(ticket, user, at)| ReplyTokenOwner {
        ticket_id: ticket.get(),
        user_id: user.get(),
        created_at: at.get(),
    }))
}

pub(crate) fn seen(c: &mut Conn, key_hash: &str) -> DbResult<bool> {
    let n: i64 = i::table
        .filter(i::key_hash.eq(key_hash))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// The rows of an [`InboundWrite`], built before the transaction.
pub(crate) struct Rows {
    key_hash: String,
    ticket_id: DbId,
    received_at: DbTime,
    user: Option<(UserRow, ticketing_app::AuditEntry)>,
    target: Target,
    files: Vec<(
        ticketing_app::ports::TicketEffect,
        AttachmentRow,
        Vec<ActivityRow>,
    )>,
    events: Vec<crate::rows::EventRow>,
}

enum Target {
    Ticket {
        row: TicketRow,
        text: String,
        created: ActivityRow,
    },
    Message {
        row: MessageRow,
        effect: ticketing_app::ports::TicketEffect,
        activities: Vec<ActivityRow>,
        number: u64,
    },
}

pub(crate) fn rows(write: &InboundWrite) -> Result<Rows, RepoError> {
    let mut events = Vec::new();
    let (target, ticket_id) = match &write.target {
        InboundTarget::Ticket {
            ticket,
            created,
            events: e,
        } => {
            events.extend(event_rows(e)?);
            (
                Target::Ticket {
                    row: TicketRow::new(ticket),
                    text: search_text(ticket.topic.as_str(), ticket.description.as_str()),
                    created: ActivityRow::new(created),
                },
                ticket.id,
            )
        }
        InboundTarget::Message {
            message,
            effect,
            activities,
            events: e,
            ticket_number,
        } => {
            events.extend(event_rows(e)?);
            (
                Target::Message {
                    row: MessageRow::new(message),
                    effect: effect.clone(),
                    activities: activity_rows(activities),
                    number: *ticket_number,
                },
                message.ticket_id,
            )
        }
    };
    let mut files = Vec::with_capacity(write.files.len());
    for f in &write.files {
        let row = AttachmentRow::new(&f.attachment)
            .map_err(|e| e.into_repo(DATABASE, error::translate))?;
        files.push((f.effect.clone(), row, activity_rows(&f.activities)));
        events.extend(event_rows(&f.events)?);
    }
    Ok(Rows {
        key_hash: write.key_hash.clone(),
        ticket_id: DbId::from(ticket_id),
        received_at: write.received_at.into(),
        user: write
            .new_user
            .as_ref()
            .map(|(user, hash, audit)| (UserRow::new(user, hash), audit.clone())),
        target,
        files,
        events,
    })
}

/// The transaction of `MailRepository::store_inbound`.
pub(crate) fn store(c: &mut Conn, rows: &Rows) -> DbResult<u64> {
    let recorded = diesel::insert_into(i::table)
        .values((
            i::key_hash.eq(&rows.key_hash),
            i::ticket_id.eq(rows.ticket_id),
            i::received_at.eq(rows.received_at),
        ))
        .on_conflict_do_nothing()
        .execute(c)?;
    if recorded == 0 {
        return Err(RepoError::Conflict {
            field: "message_id",
        }
        .into());
    }
    let mut events = Vec::new();
    let mut tail = batch::Tail::default();
    if let Some((user, audit)) = &rows.user {
        check_email_namespace(c, user.id, &user.email_key)?;
        check_username_namespace(c, user.id, &user.username_key)?;
        diesel::insert_into(users::table).values(user).execute(c)?;
        events.extend(insert_audit(&mut tail, std::slice::from_ref(audit))?);
    }
    let number = match &rows.target {
        Target::Ticket { row, text, created } => {
            let mut first = batch::Tail::default();
            append_activities(&mut first, std::slice::from_ref(created));
            insert_ticket(c, first, row, text.clone())?
        }
        Target::Message {
            row,
            effect,
            activities,
            number,
        } => {
            insert_message(c, effect, row, batch::Tail::default())?;
            append_activities(&mut tail, activities);
            *number
        }
    };
    for (effect, row, activities) in &rows.files {
        apply_effect(c, effect, Additions::default(), batch::Tail::default())?;
        tail.push(diesel::insert_into(attachments::table).values(row));
        append_activities(&mut tail, activities);
    }
    events.extend(rows.events.iter().cloned());
    append_events(c, &mut tail, &events)?;
    tail.run(c)?;
    Ok(number)
}
