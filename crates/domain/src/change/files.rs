//! Messages and attachments: [`add_message`], [`add_message_with_changes`],
//! [`check_attachment`], [`add_attachment`], [`remove_attachment`].

use chrono::{DateTime, Utc};

use super::patch::{Changes, move_status};
use super::{Applied, ChangeError, Draft, NewAttachment, NewMessage, TicketPatch};
use crate::activity::{Action, ActivityChange};
use crate::event::{AttachmentChange, EventKind, FieldChange, MessagePosted};
use crate::ids::ActivityId;
use crate::message::{Attachment, Message};
use crate::policy::{self, Intent};
use crate::ticket::{Status, Ticket};
use crate::user::Actor;

/// Adds a message to `ticket`: a public reply ([`Intent::Reply`]) or an internal note
/// ([`Intent::InternalNote`], staff only). A customer's reply to their own resolved ticket reopens
/// it (`open`), logged as `reopened`.
///
/// Public messages count in [`Ticket::message_count`], internal notes in
/// [`Ticket::internal_note_count`]; a note's activity entry is internal too, and so is its
/// `message.created` event (staff-only). A reopening adds a `ticket.updated` event.
///
/// ```
/// use ticketing_domain::chrono::{TimeZone, Utc};
/// use ticketing_domain::*;
/// use uuid::Uuid;
/// let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
/// let owner = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
/// let agent = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Agent };
/// let mut n = 10u128;
/// let mut next_id = || { n += 1; ActivityId::from_uuid(Uuid::from_u128(n)) };
/// let new = NewTicket::new(
///     TicketId::from_uuid(Uuid::from_u128(3)),
///     Topic::parse("VPN").unwrap(),
///     Description::parse("down").unwrap(),
/// );
/// let ticket = change::open_ticket(&owner, new, at, &mut next_id).ticket;
/// let note = NewMessage {
///     id: MessageId::from_uuid(Uuid::from_u128(4)),
///     body: MessageBody::parse("Known outage, see INC-42").unwrap(),
///     internal: true,
/// };
/// let applied = change::add_message(&agent, &ticket, note, at, &mut next_id).unwrap();
/// assert!(applied.created.internal);
/// assert_eq!(applied.ticket.internal_note_count, 1);
/// assert_eq!(applied.ticket.visible_message_count(false), 0);
/// assert_eq!(applied.activities[0].action, Action::InternalNoteAdded);
/// assert!(applied.activities[0].internal);
/// ```
pub fn add_message(
    actor: &Actor,
    ticket: &Ticket,
    new: NewMessage,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied<Message>, ChangeError> {
    add_message_with_changes(actor, ticket, new, &TicketPatch::default(), now, next_id)
}

/// Adds a message and applies `changes` to `ticket` with it, as one change (one new version):
/// a reply that also resolves the ticket, a note that assigns it. All or nothing: the message
/// and every changed field are asked of [`policy::may`] on the ticket as it is (404 and 403 for
/// any of them first, then 409), and the assignee must be active staff, as in
/// [`apply_patch`](super::apply_patch) (fields equal to the current values are no change and
/// need no permission).
///
/// The message's entry comes first, then the entries of the changes in the order of
/// [`apply_patch`](super::apply_patch). A status move given here replaces the reopening of
/// [`add_message`]: a customer may answer their resolved ticket and close it (logged as
/// `closed`, without `reopened` first).
///
/// Events: `message.created` (staff-only for a note), then one `ticket.updated` with every field
/// that changed (the reopening's status move included), when any did.
///
/// ```
/// use ticketing_domain::chrono::{TimeZone, Utc};
/// use ticketing_domain::policy::{Refusal, Rule};
/// use ticketing_domain::*;
/// use uuid::Uuid;
/// let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
/// let owner = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
/// let agent = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Agent };
/// let mut n = 10u128;
/// let mut next_id = || { n += 1; ActivityId::from_uuid(Uuid::from_u128(n)) };
/// let new = NewTicket::new(
///     TicketId::from_uuid(Uuid::from_u128(3)),
///     Topic::parse("VPN").unwrap(),
///     Description::parse("down").unwrap(),
/// );
/// let ticket = change::open_ticket(&owner, new, at, &mut next_id).ticket;
/// let reply = |n: u128| NewMessage {
///     id: MessageId::from_uuid(Uuid::from_u128(n)),
///     body: MessageBody::parse("Fixed: restart the client").unwrap(),
///     internal: false,
/// };
/// let resolve = TicketPatch { status: Some(Status::Resolved), ..Default::default() };
/// let applied =
///     change::add_message_with_changes(&agent, &ticket, reply(4), &resolve, at, &mut next_id)
///         .unwrap();
/// assert_eq!(applied.ticket.status, Status::Resolved);
/// assert_eq!(applied.ticket.version, ticket.version + 1);
/// let actions: Vec<Action> = applied.activities.iter().map(|e| e.action).collect();
/// assert_eq!(actions, [Action::MessageAdded, Action::Resolved]);
/// // A customer may not resolve: nothing is added.
/// assert_eq!(
///     change::add_message_with_changes(&owner, &ticket, reply(5), &resolve, at, &mut next_id),
///     Err(ChangeError::Refused(Refusal::Forbidden(Rule::CustomersOnlyCloseOrReopen))),
/// );
/// ```
pub fn add_message_with_changes(
    actor: &Actor,
    ticket: &Ticket,
    new: NewMessage,
    changes: &TicketPatch,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied<Message>, ChangeError> {
    let internal = new.internal;
    let intent = if internal {
        Intent::InternalNote
    } else {
        Intent::Reply
    };
    let changes = Changes::of(ticket, changes);
    changes.check(actor, ticket, Some(intent))?;
    let mut draft = Draft::start(actor, ticket, now, next_id)?;
    let message = Message {
        id: new.id,
        ticket_id: ticket.id,
        author: actor.id,
        body: new.body,
        is_staff_message: actor.is_staff(),
        internal,
        created_at: now,
    };
    if internal {
        draft.ticket.internal_note_count = draft.ticket.internal_note_count.saturating_add(1);
        draft.log(
            Action::InternalNoteAdded,
            "Internal note added".to_owned(),
            true,
        );
    } else {
        draft.ticket.message_count = draft.ticket.message_count.saturating_add(1);
        draft.ticket.last_public_message = message.as_last_public();
        draft.log(Action::MessageAdded, "Message added".to_owned(), false);
    }
    draft.emit(
        EventKind::MessageCreated(MessagePosted::of(&message)),
        internal,
    );
    let reopens = changes.status.is_none()
        && !internal
        && !actor.is_staff()
        && ticket.owner == actor.id
        && ticket.status == Status::Resolved;
    if reopens {
        move_status(&mut draft.ticket, Status::Open, now);
        draft.log_change(
            Action::Reopened,
            "Status changed from resolved to open".to_owned(),
            false,
            Some(ActivityChange::Status {
                from: Status::Resolved,
                to: Status::Open,
            }),
        );
    }
    let mut changed = changes.write(&mut draft);
    if reopens {
        changed.status = Some(FieldChange::new(Status::Resolved, Status::Open));
    }
    if !changed.is_empty() {
        draft.emit(EventKind::TicketUpdated(changed), false);
    }
    Ok(draft.finish(message))
}

/// Checks that `actor` may attach a file to `ticket` ([`Intent::Attach`]), optionally to
/// `message`, before any byte is stored. A message that is not a visible message of this ticket
/// is [`ChangeError::MessageNotOnTicket`]; a visible message of someone else is only staff's to
/// attach to ([`Intent::AttachToMessage`], 403 for customers).
pub fn check_attachment(
    actor: &Actor,
    ticket: &Ticket,
    message: Option<&Message>,
) -> Result<(), ChangeError> {
    policy::may(actor, ticket, Intent::View)?;
    if let Some(m) = message {
        if m.ticket_id != ticket.id || !policy::view_message(actor, m) {
            return Err(ChangeError::MessageNotOnTicket);
        }
        policy::may(actor, ticket, Intent::AttachToMessage { author: m.author })?;
    }
    policy::may(actor, ticket, Intent::Attach)?;
    Ok(())
}

/// Attaches a stored file to `ticket` (and to `message`, when given) after the checks of
/// [`check_attachment`]. An attachment of an internal note is internal too.
pub fn add_attachment(
    actor: &Actor,
    ticket: &Ticket,
    new: NewAttachment,
    message: Option<&Message>,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied<Attachment>, ChangeError> {
    check_attachment(actor, ticket, message)?;
    let mut draft = Draft::start(actor, ticket, now, next_id)?;
    let internal = message.is_some_and(|m| m.internal);
    let attachment = Attachment {
        id: new.id,
        ticket_id: ticket.id,
        message_id: message.map(|m| m.id),
        filename: new.filename,
        content_type: new.content_type,
        file: new.file,
        uploaded_by: actor.id,
        uploaded_at: now,
        internal,
    };
    draft.log(
        Action::AttachmentAdded,
        format!("Attachment \"{}\" added", attachment.filename),
        internal,
    );
    draft.emit(
        EventKind::AttachmentAdded(AttachmentChange::of(&attachment)),
        internal,
    );
    Ok(draft.finish(attachment))
}

/// Removes `attachment` from `ticket` ([`policy::remove_attachment`]: its uploader or staff).
pub fn remove_attachment(
    actor: &Actor,
    ticket: &Ticket,
    attachment: &Attachment,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied, ChangeError> {
    policy::remove_attachment(actor, ticket, attachment)?;
    let mut draft = Draft::start(actor, ticket, now, next_id)?;
    draft.log(
        Action::AttachmentRemoved,
        format!("Attachment \"{}\" removed", attachment.filename),
        attachment.internal,
    );
    draft.emit(
        EventKind::AttachmentRemoved(AttachmentChange::of(attachment)),
        attachment.internal,
    );
    Ok(draft.finish(()))
}
