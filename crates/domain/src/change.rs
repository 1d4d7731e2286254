//! Changes to a ticket. Each function asks [`policy::may`] first, then returns the new ticket
//! together with the activity entries and the [events](crate::event) the change produces, so
//! the log and the outbox cannot disagree with the change. Time and ids are passed in.
//!
//! Every change has the same shape: `(actor, ticket, what, now, next_id)` in, an [`Applied`] out
//! (with what it created, when it creates something: a [`Message`](crate::Message), an
//! [`Attachment`](crate::Attachment)). A `now`
//! earlier than the ticket's last change is refused ([`ChangeError::OutOfOrder`]): replay old
//! events in time order, and cut clock times with [`crate::time::to_stored_precision`].

use chrono::{DateTime, Utc};

use crate::activity::{Action, ActivityChange, ActivityEntry};
use crate::code::ErrorCode;
use crate::event::{Event, EventKind, TicketOpened, TicketRemoved};
use crate::ids::{ActivityId, AttachmentId, MessageId, TicketId};
use crate::message::StoredFile;
use crate::policy::{self, Intent, Refusal};
use crate::text::{Description, FileName, MessageBody, Topic};
use crate::ticket::{Priority, Status, Ticket};
use crate::user::{Actor, Assignee, User};

mod files;
mod patch;

pub use files::{
    add_attachment, add_message, add_message_with_changes, check_attachment, remove_attachment,
};
pub use patch::apply_patch;

/// Why a change was refused.
///
/// Each error has a stable [`code`](ChangeError::code), the HTTP status it is answered with
/// ([`http_status`](ChangeError::http_status)) and, when it is about one field of the request, that
/// field ([`field`](ChangeError::field)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum ChangeError {
    /// [`policy::may`] said no (404, 403 or 409).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Only staff may be assigned (400 on `assigned_to`).
    #[error("tickets can only be assigned to agents or admins")]
    AssigneeNotStaff,
    /// A deactivated account may not be assigned (400 on `assigned_to`).
    #[error("the assignee's account is deactivated")]
    AssigneeInactive,
    /// A ticket may not be opened for a deactivated account (400 on `requester`).
    #[error("the requester's account is deactivated")]
    RequesterInactive,
    /// The message an attachment should belong to is not a visible message of this ticket
    /// (400 on `message_id`).
    #[error("no such message on this ticket")]
    MessageNotOnTicket,
    /// The change is dated before the ticket's last change (409): times of a ticket never go
    /// backwards.
    #[error("the change is dated {now}, before the ticket's last change at {updated_at}")]
    OutOfOrder {
        /// The time the change was given.
        now: DateTime<Utc>,
        /// The ticket's last change.
        updated_at: DateTime<Utc>,
    },
}

impl ChangeError {
    /// The stable error code.
    ///
    /// ```
    /// use ticketing_domain::{ChangeError, ErrorCode, Refusal};
    /// assert_eq!(ChangeError::Refused(Refusal::Closed).code(), ErrorCode::TicketClosed);
    /// assert_eq!(ChangeError::AssigneeInactive.code().as_str(), "validation_failed");
    /// assert_eq!(ChangeError::AssigneeInactive.http_status(), 400);
    /// assert_eq!(ChangeError::AssigneeInactive.field(), Some("assigned_to"));
    /// ```
    pub fn code(&self) -> ErrorCode {
        match self {
            ChangeError::Refused(r) => r.code(),
            ChangeError::AssigneeNotStaff
            | ChangeError::AssigneeInactive
            | ChangeError::RequesterInactive
            | ChangeError::MessageNotOnTicket => ErrorCode::ValidationFailed,
            ChangeError::OutOfOrder { .. } => ErrorCode::Conflict,
        }
    }

    /// The HTTP status the error is answered with.
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }

    /// The request field the error is about, when there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ChangeError::Refused(r) => r.field(),
            ChangeError::AssigneeNotStaff | ChangeError::AssigneeInactive => Some("assigned_to"),
            ChangeError::RequesterInactive => Some("requester"),
            ChangeError::MessageNotOnTicket => Some("message_id"),
            ChangeError::OutOfOrder { .. } => None,
        }
    }
}

/// The result of a change: the ticket after it, the activity entries and the events it
/// produced, and what it created (the [`Message`](crate::Message) of [`add_message`], the
/// [`Attachment`](crate::Attachment) of [`add_attachment`]; `()` for the others).
///
/// When nothing changed, `activities` and `events` are empty and `ticket` equals the input (same
/// version). Persist the ticket, the entries and the events in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Applied<T = ()> {
    /// The ticket after the change.
    pub ticket: Ticket,
    /// The log entries, in the order the changes were made.
    pub activities: Vec<ActivityEntry>,
    /// The events, in the order they happened (for the outbox; see [`crate::event`]).
    pub events: Vec<Event>,
    /// What the change created.
    pub created: T,
}

impl<T> Applied<T> {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        !self.activities.is_empty()
    }

    /// The change apart from what it created (to keep changes of every kind in one list).
    pub fn split(self) -> (Applied, T) {
        (
            Applied {
                ticket: self.ticket,
                activities: self.activities,
                events: self.events,
                created: (),
            },
            self.created,
        )
    }
}

/// A ticket to open, parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NewTicket {
    /// The new ticket's id (chosen by the caller).
    pub id: TicketId,
    /// Subject.
    pub topic: Topic,
    /// Description.
    pub description: Description,
    /// Priority; customers may choose it when they open a ticket.
    pub priority: Priority,
}

impl NewTicket {
    /// A ticket of the default priority (`medium`).
    pub fn new(id: TicketId, topic: Topic, description: Description) -> Self {
        Self {
            id,
            topic,
            description,
            priority: Priority::default(),
        }
    }

    /// The same ticket with `priority`.
    pub fn with_priority(self, priority: Priority) -> Self {
        Self { priority, ..self }
    }
}

/// A message to post: a public reply, or an internal note.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NewMessage {
    /// The message's id (chosen by the caller).
    pub id: MessageId,
    /// The text.
    pub body: MessageBody,
    /// A staff-only internal note.
    pub internal: bool,
}

/// The metadata of a new attachment, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NewAttachment {
    /// The attachment's id.
    pub id: AttachmentId,
    /// The client's file name, sanitized.
    pub filename: FileName,
    /// The declared content type.
    pub content_type: String,
    /// The stored bytes.
    pub file: StoredFile,
}

/// A partial update of a ticket: `None` leaves a field alone. For `assigned_to`, `Some(None)`
/// unassigns and `Some(Some(assignee))` assigns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TicketPatch {
    /// New subject.
    #[cfg_attr(feature = "serde", serde(default))]
    pub topic: Option<Topic>,
    /// New description.
    #[cfg_attr(feature = "serde", serde(default))]
    pub description: Option<Description>,
    /// New status (must be an allowed move).
    #[cfg_attr(feature = "serde", serde(default))]
    pub status: Option<Status>,
    /// New priority.
    #[cfg_attr(feature = "serde", serde(default))]
    pub priority: Option<Priority>,
    /// New assignee, or `Some(None)` to unassign (in JSON: absent leaves it, `null` unassigns).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "crate::serde_impls::double_option"
        )
    )]
    pub assigned_to: Option<Option<Assignee>>,
}

/// A change being built: the ticket after it so far, its log and its events.
struct Draft<'a, F> {
    actor: &'a Actor,
    now: DateTime<Utc>,
    next_id: F,
    ticket: Ticket,
    entries: Vec<ActivityEntry>,
    events: Vec<Event>,
}

impl<'a, F: FnMut() -> ActivityId> Draft<'a, F> {
    /// Starts a change of `ticket` at `now`, which must not be before its last change.
    fn start(
        actor: &'a Actor,
        ticket: &Ticket,
        now: DateTime<Utc>,
        next_id: F,
    ) -> Result<Self, ChangeError> {
        if now < ticket.updated_at {
            return Err(ChangeError::OutOfOrder {
                now,
                updated_at: ticket.updated_at,
            });
        }
        Ok(Self {
            actor,
            now,
            next_id,
            ticket: ticket.clone(),
            entries: Vec::new(),
            events: Vec::new(),
        })
    }

    fn log(&mut self, action: Action, details: String, internal: bool) {
        self.log_change(action, details, internal, None);
    }

    fn log_change(
        &mut self,
        action: Action,
        details: String,
        internal: bool,
        change: Option<ActivityChange>,
    ) {
        self.entries.push(ActivityEntry {
            id: (self.next_id)(),
            ticket_id: self.ticket.id,
            action,
            performed_by: self.actor.id,
            details,
            change,
            internal,
            created_at: self.now,
        });
    }

    /// Records an event about the ticket, staff-only when `internal`.
    fn emit(&mut self, kind: EventKind, internal: bool) {
        let event = Event::about_ticket(kind, &self.ticket, self.actor.id, self.now, internal);
        self.events.push(event);
    }

    /// Bumps the version (by exactly one) and the update time; the public ones too when
    /// customers can see the change (any of its entries is not internal). The one place that
    /// decides what customers can observe of a change.
    fn finish<T>(mut self, created: T) -> Applied<T> {
        // Saturating: no input makes the domain panic (a version near `i64::MAX` is never reached).
        self.ticket.version = self.ticket.version.saturating_add(1);
        self.ticket.updated_at = self.now;
        if self.entries.iter().any(|e| !e.internal) {
            self.ticket.public_version = self.ticket.public_version.saturating_add(1);
            self.ticket.public_updated_at = self.now;
        }
        Applied {
            ticket: self.ticket,
            activities: self.entries,
            events: self.events,
            created,
        }
    }
}

/// Opens a new ticket for `actor` (version 1, status `open`) with its `created` entry and its
/// `ticket.created` event. Anyone may open a ticket.
///
/// ```
/// use ticketing_domain::chrono::{TimeZone, Utc};
/// use ticketing_domain::*;
/// let actor = Actor { id: UserId::from_uuid(uuid::Uuid::nil()), role: Role::Customer };
/// let new = NewTicket::new(
///     TicketId::from_uuid(uuid::Uuid::from_u128(1)),
///     Topic::parse("VPN down").unwrap(),
///     Description::parse("Since this morning").unwrap(),
/// );
/// let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
/// let applied = change::open_ticket(&actor, new, at, || ActivityId::from_uuid(uuid::Uuid::from_u128(2)));
/// assert_eq!(applied.ticket.status, Status::Open);
/// assert_eq!(applied.ticket.priority, Priority::Medium);
/// assert_eq!(applied.ticket.version, 1);
/// assert_eq!(applied.activities[0].action, Action::Created);
/// ```
pub fn open_ticket(
    actor: &Actor,
    new: NewTicket,
    now: DateTime<Utc>,
    mut next_id: impl FnMut() -> ActivityId,
) -> Applied {
    let ticket = Ticket {
        id: new.id,
        number: 0,
        owner: actor.id,
        assigned_to: None,
        topic: new.topic,
        description: new.description,
        status: Status::Open,
        priority: new.priority,
        created_at: now,
        updated_at: now,
        public_updated_at: now,
        resolved_at: None,
        closed_at: None,
        version: 1,
        public_version: 1,
        message_count: 0,
        internal_note_count: 0,
        last_public_message: None,
        deleted_at: None,
    };
    let entry = ActivityEntry {
        id: next_id(),
        ticket_id: new.id,
        action: Action::Created,
        performed_by: actor.id,
        details: "Ticket created".to_owned(),
        change: None,
        internal: false,
        created_at: now,
    };
    let opened = EventKind::TicketCreated(TicketOpened {
        topic: ticket.topic.clone(),
        description: ticket.description.clone(),
        status: ticket.status,
        priority: ticket.priority,
        owner: ticket.owner,
    });
    let event = Event::about_ticket(opened, &ticket, actor.id, now, false);
    Applied {
        ticket,
        activities: vec![entry],
        events: vec![event],
        created: (),
    }
}

/// Opens a new ticket on behalf of `requester`, who owns it (staff taking a ticket by phone or
/// mail): [`policy::open_for`] first (403 for a customer opening for someone else), then the
/// requester must be an active account ([`ChangeError::RequesterInactive`]). The `created`
/// entry is performed by `actor` and names the requester ("Ticket created for carol"). For the
/// actor themselves this is [`open_ticket`].
///
/// ```
/// use ticketing_domain::chrono::{TimeZone, Utc};
/// use ticketing_domain::*;
/// let carol = User {
///     id: UserId::from_uuid(uuid::Uuid::from_u128(1)),
///     username: Username::parse("carol").unwrap(),
///     email: Email::parse("carol@example.com").unwrap(),
///     first_name: PersonName::parse("Carol").unwrap(),
///     last_name: PersonName::parse("Rivera").unwrap(),
///     role: Role::Customer,
///     is_active: true,
///     must_change_password: false,
///     token_epoch: 0,
///     date_joined: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
///     last_login: None,
/// };
/// let alex = Actor { id: UserId::from_uuid(uuid::Uuid::from_u128(2)), role: Role::Agent };
/// let new = NewTicket::new(
///     TicketId::from_uuid(uuid::Uuid::from_u128(3)),
///     Topic::parse("Printer jam").unwrap(),
///     Description::parse("Called in at 9").unwrap(),
/// );
/// let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
/// let next_id = || ActivityId::from_uuid(uuid::Uuid::from_u128(4));
/// let applied = change::open_ticket_for(&alex, &carol, new, at, next_id).unwrap();
/// assert_eq!(applied.ticket.owner, carol.id);
/// assert_eq!(applied.activities[0].performed_by, alex.id);
/// assert_eq!(applied.activities[0].details, "Ticket created for carol");
/// ```
pub fn open_ticket_for(
    actor: &Actor,
    requester: &User,
    new: NewTicket,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied, ChangeError> {
    policy::open_for(actor, requester.id)?;
    let mut applied = open_ticket(actor, new, now, next_id);
    if requester.id == actor.id {
        return Ok(applied);
    }
    if !requester.is_active {
        return Err(ChangeError::RequesterInactive);
    }
    applied.ticket.owner = requester.id;
    for entry in &mut applied.activities {
        entry.details = format!("Ticket created for {}", requester.username);
        entry.change = Some(ActivityChange::Requester {
            requester: requester.id,
        });
    }
    Ok(applied)
}

/// Soft-deletes `ticket` ([`Intent::Delete`]: staff only, closed tickets too). Its activity log is
/// kept.
pub fn delete_ticket(
    actor: &Actor,
    ticket: &Ticket,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied, ChangeError> {
    policy::may(actor, ticket, Intent::Delete)?;
    let mut draft = Draft::start(actor, ticket, now, next_id)?;
    draft.ticket.deleted_at = Some(now);
    draft.log(Action::Deleted, "Ticket deleted".to_owned(), false);
    draft.emit(EventKind::TicketDeleted(TicketRemoved {}), false);
    Ok(draft.finish(()))
}

#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod message_tests;
#[cfg(test)]
mod reply_tests;
#[cfg(test)]
mod tests;
