//! Events: what happened, as values. Each change of [`crate::change`] returns its events beside
//! its activity entries (in [`Applied::events`](crate::Applied)), so the state, the log and the
//! event outbox cannot disagree; the account changes of the audit log are events too
//! ([`Event::about_account`]).
//!
//! An [`Event`] says what happened ([`EventKind`], with what changed), to which ticket, by whom,
//! when, and who may learn of it ([`Visibility`], decided here: an internal note and its files
//! are staff-only, account changes are for admins). [`crate::policy::sees_event`] is the one
//! answer to "may this person be told?".
//!
//! A delivered event is a [`Notice`]: the event with its outbox id and its actor's display name.
//! With the `serde` feature it is the JSON object of the server's event stream
//! (`GET /api/v1/events/`) and of its other consumers:
//!
//! ```json
//! {"id":42,"type":"ticket.updated","changes":{"status":{"from":"open","to":"resolved"}},
//!  "ticket_id":"…","ticket_number":1042,"actor":{"id":"…","name":"Lee Park"},
//!  "at":"2024-05-01T09:30:00Z","visibility":"public"}
//! ```
//!
//! `type` and `changes` go together: each [`EventKind`] variant has its wire name
//! ([`EventKind::type_name`]) and the shape of its `changes`.

use chrono::{DateTime, Utc};

use crate::ids::{AttachmentId, MessageId, TicketId, UserId};
use crate::message::{Attachment, Message};
use crate::text::{Description, FileName, MessageBody, Topic};
use crate::ticket::{Priority, Status, Ticket};

/// Who may learn of an event (besides what [`crate::policy::sees_event`] adds: a customer only
/// hears of their own tickets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Visibility {
    /// Staff, and the customer who owns the ticket.
    Public,
    /// Staff only: an internal note, a file of one, its removal.
    Staff,
    /// Admins only: account changes (the audit log).
    Admin,
}

impl Visibility {
    /// Every visibility.
    pub const ALL: [Visibility; 3] = [Visibility::Public, Visibility::Staff, Visibility::Admin];

    /// The wire name (`public`, `staff`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Staff => "staff",
            Visibility::Admin => "admin",
        }
    }

    /// The visibility of a wire name; `None` for anything else.
    pub fn from_wire(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// Staff-only when `internal`, else public.
    pub fn of_internal(internal: bool) -> Self {
        if internal {
            Visibility::Staff
        } else {
            Visibility::Public
        }
    }
}

/// A field that changed: its value before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FieldChange<T> {
    /// Before.
    pub from: T,
    /// After.
    pub to: T,
}

impl<T> FieldChange<T> {
    /// `from` → `to`.
    pub fn new(from: T, to: T) -> Self {
        Self { from, to }
    }
}

/// A new ticket, as opened (`ticket.created`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TicketOpened {
    /// Subject.
    pub topic: Topic,
    /// Description.
    pub description: Description,
    /// Status (`open`).
    pub status: Status,
    /// Priority.
    pub priority: Priority,
    /// Who opened it.
    pub owner: UserId,
}

/// The fields of a ticket that changed (`ticket.updated`); absent ones did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TicketChanges {
    /// New subject.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub topic: Option<FieldChange<Topic>>,
    /// New description.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub description: Option<FieldChange<Description>>,
    /// Status move.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub status: Option<FieldChange<Status>>,
    /// New priority.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub priority: Option<FieldChange<Priority>>,
    /// New assignee (`null`: unassigned).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub assigned_to: Option<FieldChange<Option<UserId>>>,
}

impl TicketChanges {
    /// Whether no field changed.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A ticket was soft-deleted (`ticket.deleted`): nothing more to say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TicketRemoved {}

/// A message was posted (`message.created`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MessagePosted {
    /// The message.
    pub message_id: MessageId,
    /// Its author.
    pub author: UserId,
    /// Written by staff.
    pub is_staff_message: bool,
    /// An internal note (the event is staff-only then).
    pub internal: bool,
    /// The text.
    pub body: MessageBody,
}

impl MessagePosted {
    /// The event data of `message`.
    pub fn of(message: &Message) -> Self {
        Self {
            message_id: message.id,
            author: message.author,
            is_staff_message: message.is_staff_message,
            internal: message.internal,
            body: message.body.clone(),
        }
    }
}

/// A file was attached or removed (`attachment.added`, `attachment.removed`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AttachmentChange {
    /// The attachment.
    pub attachment_id: AttachmentId,
    /// The message it belongs to, if any.
    pub message_id: Option<MessageId>,
    /// Its file name.
    pub filename: FileName,
    /// The declared content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// A file of an internal note (the event is staff-only then).
    pub internal: bool,
}

impl AttachmentChange {
    /// The event data of `attachment`.
    pub fn of(attachment: &Attachment) -> Self {
        Self {
            attachment_id: attachment.id,
            message_id: attachment.message_id,
            filename: attachment.filename.clone(),
            content_type: attachment.content_type.clone(),
            size: attachment.file.size,
            internal: attachment.internal,
        }
    }
}

/// An account change of the audit log (`user.*`, `token.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AccountChange {
    /// The account.
    pub user_id: Option<UserId>,
    /// Its username at the time.
    pub username: String,
    /// What changed, for people (`agent → admin`); never a secret.
    pub details: String,
}

/// What happened, with what changed. On the wire: `type` (the variant's
/// [`type_name`](EventKind::type_name)) and `changes` (its data).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "type", content = "changes")
)]
#[non_exhaustive]
pub enum EventKind {
    /// `ticket.created`.
    #[cfg_attr(feature = "serde", serde(rename = "ticket.created"))]
    TicketCreated(TicketOpened),
    /// `ticket.updated`: fields, status, priority, assignee.
    #[cfg_attr(feature = "serde", serde(rename = "ticket.updated"))]
    TicketUpdated(TicketChanges),
    /// `ticket.deleted` (soft).
    #[cfg_attr(feature = "serde", serde(rename = "ticket.deleted"))]
    TicketDeleted(TicketRemoved),
    /// `message.created`: a public reply or an internal note.
    #[cfg_attr(feature = "serde", serde(rename = "message.created"))]
    MessageCreated(MessagePosted),
    /// `attachment.added`.
    #[cfg_attr(feature = "serde", serde(rename = "attachment.added"))]
    AttachmentAdded(AttachmentChange),
    /// `attachment.removed`.
    #[cfg_attr(feature = "serde", serde(rename = "attachment.removed"))]
    AttachmentRemoved(AttachmentChange),
    /// `user.created` (by the operator).
    #[cfg_attr(feature = "serde", serde(rename = "user.created"))]
    UserCreated(AccountChange),
    /// `user.renamed`.
    #[cfg_attr(feature = "serde", serde(rename = "user.renamed"))]
    UserRenamed(AccountChange),
    /// `user.role_changed`.
    #[cfg_attr(feature = "serde", serde(rename = "user.role_changed"))]
    UserRoleChanged(AccountChange),
    /// `user.deactivated`.
    #[cfg_attr(feature = "serde", serde(rename = "user.deactivated"))]
    UserDeactivated(AccountChange),
    /// `user.reactivated`.
    #[cfg_attr(feature = "serde", serde(rename = "user.reactivated"))]
    UserReactivated(AccountChange),
    /// `user.password_reset` (by the operator).
    #[cfg_attr(feature = "serde", serde(rename = "user.password_reset"))]
    UserPasswordReset(AccountChange),
    /// `token.created`: an API token was created (by its owner).
    #[cfg_attr(feature = "serde", serde(rename = "token.created"))]
    TokenCreated(AccountChange),
    /// `token.revoked`: an API token was revoked (by its owner).
    #[cfg_attr(feature = "serde", serde(rename = "token.revoked"))]
    TokenRevoked(AccountChange),
    /// `webhook.created`: an admin registered a webhook endpoint (`username`: its address,
    /// without the query string).
    #[cfg_attr(feature = "serde", serde(rename = "webhook.created"))]
    WebhookCreated(AccountChange),
    /// `webhook.deleted`: an admin deleted a webhook endpoint.
    #[cfg_attr(feature = "serde", serde(rename = "webhook.deleted"))]
    WebhookDeleted(AccountChange),
    /// `webhook.secret_rotated`: an admin rotated a webhook endpoint's signing secret.
    #[cfg_attr(feature = "serde", serde(rename = "webhook.secret_rotated"))]
    WebhookSecretRotated(AccountChange),
}

impl EventKind {
    /// Every wire name, in the order of the variants.
    pub const TYPE_NAMES: [&'static str; 17] = [
        "ticket.created",
        "ticket.updated",
        "ticket.deleted",
        "message.created",
        "attachment.added",
        "attachment.removed",
        "user.created",
        "user.renamed",
        "user.role_changed",
        "user.deactivated",
        "user.reactivated",
        "user.password_reset",
        "token.created",
        "token.revoked",
        "webhook.created",
        "webhook.deleted",
        "webhook.secret_rotated",
    ];

    /// The wire name (`ticket.created`, …): the `event:` of the stream, the `type` of the JSON.
    ///
    /// ```
    /// use ticketing_domain::event::{EventKind, TicketRemoved};
    /// assert_eq!(EventKind::TicketDeleted(TicketRemoved {}).type_name(), "ticket.deleted");
    /// ```
    pub fn type_name(&self) -> &'static str {
        let index = match self {
            EventKind::TicketCreated(_) => 0,
            EventKind::TicketUpdated(_) => 1,
            EventKind::TicketDeleted(_) => 2,
            EventKind::MessageCreated(_) => 3,
            EventKind::AttachmentAdded(_) => 4,
            EventKind::AttachmentRemoved(_) => 5,
            EventKind::UserCreated(_) => 6,
            EventKind::UserRenamed(_) => 7,
            EventKind::UserRoleChanged(_) => 8,
            EventKind::UserDeactivated(_) => 9,
            EventKind::UserReactivated(_) => 10,
            EventKind::UserPasswordReset(_) => 11,
            EventKind::TokenCreated(_) => 12,
            EventKind::TokenRevoked(_) => 13,
            EventKind::WebhookCreated(_) => 14,
            EventKind::WebhookDeleted(_) => 15,
            EventKind::WebhookSecretRotated(_) => 16,
        };
        Self::TYPE_NAMES[index]
    }

    /// The account change, for the `user.*` and `token.*` kinds.
    ///
    /// ```
    /// use ticketing_domain::event::{AccountChange, EventKind, TicketRemoved};
    /// let change = AccountChange { user_id: None, username: "lee".into(), details: String::new() };
    /// assert_eq!(EventKind::UserDeactivated(change.clone()).account(), Some(&change));
    /// assert_eq!(EventKind::TicketDeleted(TicketRemoved {}).account(), None);
    /// ```
    pub fn account(&self) -> Option<&AccountChange> {
        match self {
            EventKind::UserCreated(c)
            | EventKind::UserRenamed(c)
            | EventKind::UserRoleChanged(c)
            | EventKind::UserDeactivated(c)
            | EventKind::UserReactivated(c)
            | EventKind::UserPasswordReset(c)
            | EventKind::TokenCreated(c)
            | EventKind::TokenRevoked(c)
            | EventKind::WebhookCreated(c)
            | EventKind::WebhookDeleted(c)
            | EventKind::WebhookSecretRotated(c) => Some(c),
            EventKind::TicketCreated(_)
            | EventKind::TicketUpdated(_)
            | EventKind::TicketDeleted(_)
            | EventKind::MessageCreated(_)
            | EventKind::AttachmentAdded(_)
            | EventKind::AttachmentRemoved(_) => None,
        }
    }
}

/// Something that happened: produced by the domain, stored in the outbox in the same
/// transaction as the change, delivered as a [`Notice`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Event {
    /// What happened and what changed (`type` and `changes` on the wire).
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub kind: EventKind,
    /// The ticket, for ticket events.
    pub ticket_id: Option<TicketId>,
    /// The ticket's owner, for ticket events: the one customer who may learn of a public event.
    pub owner: Option<UserId>,
    /// Who did it; `None` for the operator's command line.
    pub actor: Option<UserId>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who may learn of it.
    pub visibility: Visibility,
}

impl Event {
    /// An event about `ticket` by `actor` at `at`, staff-only when `internal`.
    pub fn about_ticket(
        kind: EventKind,
        ticket: &Ticket,
        actor: UserId,
        at: DateTime<Utc>,
        internal: bool,
    ) -> Self {
        Self {
            kind,
            ticket_id: Some(ticket.id),
            owner: Some(ticket.owner),
            actor: Some(actor),
            at,
            visibility: Visibility::of_internal(internal),
        }
    }

    /// An account change of the audit log, by `actor` (`None`: the operator's command line):
    /// for admins only.
    ///
    /// ```
    /// use ticketing_domain::chrono::{TimeZone, Utc};
    /// use ticketing_domain::event::{AccountChange, Event, EventKind, Visibility};
    /// let change = AccountChange { user_id: None, username: "lee".into(), details: "agent → admin".into() };
    /// let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
    /// let event = Event::about_account(EventKind::UserRoleChanged(change), None, at);
    /// assert_eq!(event.visibility, Visibility::Admin);
    /// assert_eq!(event.ticket_id, None);
    /// ```
    pub fn about_account(kind: EventKind, actor: Option<UserId>, at: DateTime<Utc>) -> Self {
        Self {
            kind,
            ticket_id: None,
            owner: None,
            actor,
            at,
            visibility: Visibility::Admin,
        }
    }

    /// The wire name of its kind.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// Who may be told of it.
    pub fn audience(&self) -> Audience {
        Audience {
            visibility: self.visibility,
            owner: self.owner,
        }
    }
}

/// Who may be told of an event: all that [`crate::policy::sees_audience`] looks at, without the
/// event's data (for a reader that keeps many events to filter per recipient).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Audience {
    /// The event's visibility.
    pub visibility: Visibility,
    /// The owner of its ticket, for ticket events.
    pub owner: Option<UserId>,
}

/// Who did it, as delivered: the user's id and display name, or no id and `cli` for the
/// operator's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventActor {
    /// The user; `None` for the command line.
    pub id: Option<UserId>,
    /// "First Last", or the username ([`crate::User::display_name`]).
    pub name: String,
}

/// An event as delivered (the `data:` of the event stream): the [`Event`] with its outbox id
/// and its actor's name, without the owner (delivery is already filtered by
/// [`crate::policy::sees_event`]).
///
/// ```
/// use ticketing_domain::chrono::{TimeZone, Utc};
/// use ticketing_domain::event::*;
/// use ticketing_domain::{TicketId, UserId, uuid::Uuid};
/// let event = Event {
///     kind: EventKind::TicketDeleted(TicketRemoved {}),
///     ticket_id: Some(TicketId::from_uuid(Uuid::from_u128(1))),
///     owner: Some(UserId::from_uuid(Uuid::from_u128(2))),
///     actor: Some(UserId::from_uuid(Uuid::from_u128(3))),
///     at: Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
///     visibility: Visibility::Public,
/// };
/// let notice = Notice::new(7, &event, Some(1042), "Lee Park");
/// assert_eq!((notice.id, notice.actor.name.as_str()), (7, "Lee Park"));
/// assert_eq!(notice.ticket_number, Some(1042));
/// assert_eq!(notice.kind.type_name(), "ticket.deleted");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Notice {
    /// The outbox id: grows with every committed event (the stream's `id:`, the resume point).
    pub id: i64,
    /// What happened and what changed (`type` and `changes`).
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub kind: EventKind,
    /// The ticket, for ticket events (`null` otherwise).
    pub ticket_id: Option<TicketId>,
    /// The ticket's number (`#1042`, [`crate::Ticket::number`]), for ticket events (absent
    /// otherwise).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub ticket_number: Option<u64>,
    /// Who did it.
    pub actor: EventActor,
    /// When.
    pub at: DateTime<Utc>,
    /// Who may learn of it (a customer only ever receives `public` ones).
    pub visibility: Visibility,
}

impl Notice {
    /// The notice of `event`, stored under `id`, about the ticket numbered `ticket_number` (for
    /// ticket events), done by someone called `actor_name` (ignored for the command line, which
    /// is `cli`).
    pub fn new(id: i64, event: &Event, ticket_number: Option<u64>, actor_name: &str) -> Self {
        let name = match event.actor {
            Some(_) => actor_name.to_owned(),
            None => CLI_ACTOR.to_owned(),
        };
        Self {
            id,
            kind: event.kind.clone(),
            ticket_id: event.ticket_id,
            ticket_number: event.ticket_id.and(ticket_number),
            actor: EventActor {
                id: event.actor,
                name,
            },
            at: event.at,
            visibility: event.visibility,
        }
    }
}

/// The actor name of the operator's command line.
pub const CLI_ACTOR: &str = "cli";

#[cfg(test)]
mod tests;
