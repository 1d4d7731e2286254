//! The permission policy and the lifecycle, asked in one place: [`may`].
//!
//! `may(actor, ticket, intent)` is the complete answer to "may this person do this to this
//! ticket now?": who sees the ticket, what each role may do, the closed state and the status
//! moves of the lifecycle. Every change in [`crate::change`] asks it before changing anything, so
//! a caller who asks first is never told otherwise by the change itself. [`allowed`] asks it for
//! every intent at once (what a user interface offers).
//!
//! A ticket the caller may not see is [`Refusal::NotVisible`] (404, so nobody learns that it
//! exists); an action the role may not take is [`Refusal::Forbidden`] with the [`Rule`] (403); a
//! closed ticket is [`Refusal::Closed`] (409) and a move the lifecycle does not allow is
//! [`Refusal::InvalidTransition`] (409). They are checked in that order.
//!
//! ```
//! use ticketing_domain::chrono::{TimeZone, Utc};
//! use ticketing_domain::policy::{self, Intent, Refusal, Rule};
//! use ticketing_domain::*;
//! let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
//! let customer = Actor { id: UserId::from_uuid(uuid::Uuid::from_u128(1)), role: Role::Customer };
//! let agent = Actor { id: UserId::from_uuid(uuid::Uuid::from_u128(2)), role: Role::Agent };
//! let new = NewTicket::new(
//!     TicketId::from_uuid(uuid::Uuid::from_u128(3)),
//!     Topic::parse("VPN down").unwrap(),
//!     Description::parse("Since this morning").unwrap(),
//! );
//! let mut n = 10u128;
//! let mut next_id = || { n += 1; ActivityId::from_uuid(uuid::Uuid::from_u128(n)) };
//! let ticket = change::open_ticket(&customer, new, at, &mut next_id).ticket;
//!
//! assert_eq!(policy::may(&customer, &ticket, Intent::Reply), Ok(()));
//! assert_eq!(
//!     policy::may(&customer, &ticket, Intent::SetPriority),
//!     Err(Refusal::Forbidden(Rule::PriorityIsStaffOnly)),
//! );
//! assert_eq!(
//!     policy::may(&customer, &ticket, Intent::SetStatus(Status::InProgress)),
//!     Err(Refusal::Forbidden(Rule::CustomersOnlyCloseOrReopen)),
//! );
//! // Closed is final: even staff may only delete it.
//! let close = TicketPatch { status: Some(Status::Closed), ..Default::default() };
//! let closed = change::apply_patch(&agent, &ticket, &close, at, &mut next_id).unwrap().ticket;
//! assert_eq!(policy::may(&agent, &closed, Intent::Reply), Err(Refusal::Closed));
//! assert_eq!(policy::may(&agent, &closed, Intent::Delete), Ok(()));
//! assert_eq!(policy::allowed(&agent, &closed).transitions, []);
//! ```

use crate::event::{Audience, Event, Visibility};
use crate::ids::UserId;
use crate::message::{Attachment, Message};
use crate::ticket::{Status, Ticket};
use crate::user::{Actor, Role};

mod refusal;

pub use refusal::{Refusal, Rule};

/// What a caller wants to do with a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Intent {
    /// See the ticket, its public messages and files.
    View,
    /// Edit the topic or the description.
    Edit,
    /// Post a public message.
    Reply,
    /// Post an internal note (staff only).
    InternalNote,
    /// Move the ticket to this status.
    SetStatus(Status),
    /// Change the priority (staff only).
    SetPriority,
    /// Assign or unassign the ticket (staff only).
    Assign,
    /// Soft-delete the ticket (staff only; closed tickets too).
    Delete,
    /// Attach a file.
    Attach,
    /// Remove an attachment uploaded by `uploaded_by` (the uploader or staff). Whether the
    /// attachment itself is visible is [`remove_attachment`]'s question.
    RemoveAttachment {
        /// Who uploaded the attachment.
        uploaded_by: UserId,
    },
    /// Attach a file to a message written by `author` (the author or staff). Whether the message
    /// itself is visible is [`crate::change::check_attachment`]'s question.
    AttachToMessage {
        /// Who wrote the message.
        author: UserId,
    },
}

impl Intent {
    /// Every intent about the ticket itself, with one `SetStatus` per status (removing an
    /// attachment, or attaching to a message, depends on that item and is not listed).
    pub const ALL: [Intent; 12] = [
        Intent::View,
        Intent::Edit,
        Intent::Reply,
        Intent::InternalNote,
        Intent::SetStatus(Status::Open),
        Intent::SetStatus(Status::InProgress),
        Intent::SetStatus(Status::Resolved),
        Intent::SetStatus(Status::Closed),
        Intent::SetPriority,
        Intent::Assign,
        Intent::Delete,
        Intent::Attach,
    ];
}

/// May `actor` do `intent` to `ticket` now? The one complete answer: visibility, the role's
/// rights, the closed state and the lifecycle, checked in that order.
///
/// | intent | owner (customer) | other customer | staff | on a closed ticket |
/// |---|---|---|---|---|
/// | `View` | yes | 404 | yes | yes |
/// | `Edit`, `Reply`, `Attach` | yes | 404 | yes | 409 `ticket_closed` |
/// | `SetStatus(open \| closed)` | yes, if the lifecycle allows | 404 | if the lifecycle allows | 409 |
/// | `SetStatus(in_progress \| resolved)` | 403 | 404 | if the lifecycle allows | 409 |
/// | `SetPriority`, `Assign`, `InternalNote` | 403 | 404 | yes | 409 |
/// | `Delete` | 403 | 404 | yes | yes (staff) |
/// | `RemoveAttachment` | own uploads, else 403 | 404 | yes | 409 |
/// | `AttachToMessage` | own messages, else 403 | 404 | yes | 409 |
///
/// A soft-deleted ticket is 404 for everyone. `SetStatus` to the current status is not a move
/// ([`Refusal::InvalidTransition`]); the change functions ask only about fields that change.
pub fn may(actor: &Actor, ticket: &Ticket, intent: Intent) -> Result<(), Refusal> {
    permitted(actor, ticket, intent)?;
    if ticket.is_closed() && !matches!(intent, Intent::View | Intent::Delete) {
        return Err(Refusal::Closed);
    }
    if let Intent::SetStatus(to) = intent {
        if !ticket.status.can_move_to(to) {
            return Err(Refusal::InvalidTransition {
                from: ticket.status,
                to,
            });
        }
    }
    Ok(())
}

/// The first two stages of [`may`]: visibility and the role's rights, without the ticket's state.
/// A change of several fields checks these for every field before the state, so a customer's
/// forbidden field is reported as such even when another field's move is invalid.
pub(crate) fn permitted(actor: &Actor, ticket: &Ticket, intent: Intent) -> Result<(), Refusal> {
    if ticket.is_deleted() || !(actor.is_staff() || ticket.owner == actor.id) {
        return Err(Refusal::NotVisible);
    }
    if actor.is_staff() {
        return Ok(());
    }
    let rule = match intent {
        Intent::View | Intent::Edit | Intent::Reply | Intent::Attach => return Ok(()),
        Intent::SetStatus(Status::Open | Status::Closed) => return Ok(()),
        Intent::RemoveAttachment { uploaded_by } if uploaded_by == actor.id => return Ok(()),
        Intent::AttachToMessage { author } if author == actor.id => return Ok(()),
        Intent::SetStatus(Status::InProgress | Status::Resolved) => {
            Rule::CustomersOnlyCloseOrReopen
        }
        Intent::SetPriority => Rule::PriorityIsStaffOnly,
        Intent::Assign => Rule::AssignmentIsStaffOnly,
        Intent::InternalNote => Rule::InternalNotesAreStaffOnly,
        Intent::Delete => Rule::DeletionIsStaffOnly,
        Intent::RemoveAttachment { .. } => Rule::RemovalIsForUploaderOrStaff,
        Intent::AttachToMessage { .. } => Rule::AttachingIsForAuthorOrStaff,
    };
    Err(Refusal::Forbidden(rule))
}

/// What `actor` may do to `ticket` now: [`may`] asked for every intent, for a user interface to
/// offer only what will work.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Allowed {
    /// [`Intent::View`].
    pub view: bool,
    /// [`Intent::Edit`]: topic and description.
    pub edit: bool,
    /// [`Intent::Reply`].
    pub reply: bool,
    /// [`Intent::InternalNote`].
    pub internal_note: bool,
    /// The statuses `SetStatus` may move to, in lifecycle order (never the current one).
    pub transitions: Vec<Status>,
    /// [`Intent::SetPriority`].
    pub set_priority: bool,
    /// [`Intent::Assign`].
    pub assign: bool,
    /// [`Intent::Delete`].
    pub delete: bool,
    /// [`Intent::Attach`].
    pub attach: bool,
}

/// Asks [`may`] for every intent of [`Intent::ALL`].
///
/// ```
/// use ticketing_domain::chrono::{TimeZone, Utc};
/// use ticketing_domain::policy::allowed;
/// use ticketing_domain::*;
/// let owner = Actor { id: UserId::from_uuid(uuid::Uuid::from_u128(1)), role: Role::Customer };
/// let new = NewTicket::new(
///     TicketId::from_uuid(uuid::Uuid::from_u128(3)),
///     Topic::parse("VPN down").unwrap(),
///     Description::parse("Since this morning").unwrap(),
/// );
/// let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
/// let ticket = change::open_ticket(&owner, new, at, || ActivityId::from_uuid(uuid::Uuid::nil())).ticket;
/// let a = allowed(&owner, &ticket);
/// assert!(a.edit && a.reply && a.attach && !a.assign && !a.internal_note);
/// assert_eq!(a.transitions, [Status::Closed]);
/// ```
pub fn allowed(actor: &Actor, ticket: &Ticket) -> Allowed {
    let ok = |intent| may(actor, ticket, intent).is_ok();
    Allowed {
        view: ok(Intent::View),
        edit: ok(Intent::Edit),
        reply: ok(Intent::Reply),
        internal_note: ok(Intent::InternalNote),
        transitions: Status::ALL
            .into_iter()
            .filter(|s| ok(Intent::SetStatus(*s)))
            .collect(),
        set_priority: ok(Intent::SetPriority),
        assign: ok(Intent::Assign),
        delete: ok(Intent::Delete),
        attach: ok(Intent::Attach),
    }
}

/// Does `actor` see internal notes (and their attachments and activity entries)? Staff only.
pub fn sees_internal(actor: &Actor) -> bool {
    actor.is_staff()
}

/// May `actor` see `message` of a ticket they can see?
pub fn view_message(actor: &Actor, message: &Message) -> bool {
    !message.internal || sees_internal(actor)
}

/// May `actor` see `attachment` of a ticket they can see?
pub fn view_attachment(actor: &Actor, attachment: &Attachment) -> bool {
    !attachment.internal || sees_internal(actor)
}

/// May `actor` remove `attachment` of `ticket` now? An attachment of another ticket, or an
/// internal one a customer cannot see, is [`Refusal::NotVisible`]; otherwise
/// [`Intent::RemoveAttachment`] decides (its uploader or staff, not on a closed ticket).
pub fn remove_attachment(
    actor: &Actor,
    ticket: &Ticket,
    attachment: &Attachment,
) -> Result<(), Refusal> {
    may(actor, ticket, Intent::View)?;
    if attachment.ticket_id != ticket.id || !view_attachment(actor, attachment) {
        return Err(Refusal::NotVisible);
    }
    may(
        actor,
        ticket,
        Intent::RemoveAttachment {
            uploaded_by: attachment.uploaded_by,
        },
    )
}

/// May `actor` be told of `event` (on the event stream, in a webhook, by mail)? Staff hear of
/// every ticket event, admins of account changes too; a customer hears only of the public events
/// of their own tickets: never of an internal note, a file of one, or another ticket.
///
/// Ask it with the actor as they are *now*: a role change or a deactivation applies to what is
/// delivered next.
///
/// ```
/// use ticketing_domain::chrono::{TimeZone, Utc};
/// use ticketing_domain::event::{Event, EventKind, TicketRemoved, Visibility};
/// use ticketing_domain::{Actor, Role, TicketId, UserId, policy, uuid::Uuid};
/// let owner = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
/// let stranger = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Customer };
/// let agent = Actor { id: UserId::from_uuid(Uuid::from_u128(3)), role: Role::Agent };
/// let mut event = Event {
///     kind: EventKind::TicketDeleted(TicketRemoved {}),
///     ticket_id: Some(TicketId::from_uuid(Uuid::from_u128(9))),
///     owner: Some(owner.id),
///     actor: Some(agent.id),
///     at: Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
///     visibility: Visibility::Public,
/// };
/// assert!(policy::sees_event(&owner, &event) && policy::sees_event(&agent, &event));
/// assert!(!policy::sees_event(&stranger, &event));
/// event.visibility = Visibility::Staff;
/// assert!(!policy::sees_event(&owner, &event) && policy::sees_event(&agent, &event));
/// ```
pub fn sees_event(actor: &Actor, event: &Event) -> bool {
    sees_audience(actor, &event.audience())
}

/// [`sees_event`] for an event of this [`Audience`] (the rule itself).
pub fn sees_audience(actor: &Actor, audience: &Audience) -> bool {
    match audience.visibility {
        Visibility::Admin => actor.role == Role::Admin,
        Visibility::Staff => actor.is_staff(),
        Visibility::Public => actor.is_staff() || audience.owner == Some(actor.id),
    }
}

/// Whether every event `actor` may be told of is about a ticket they own ([`sees_audience`]
/// admits for them only public events whose owner is them): a reader that follows only the
/// events of their own tickets then misses none they may see. False for staff, who may be told
/// of events of any ticket and of events without one (account changes).
pub fn sees_only_own_tickets(actor: &Actor) -> bool {
    !actor.is_staff()
}

/// May `actor` list the tickets assigned to them? Staff only.
pub fn list_assigned(actor: &Actor) -> Result<(), Refusal> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(Refusal::Forbidden(Rule::AssignedListIsStaffOnly))
    }
}

/// May `actor` list users (e.g. agents for the assignment picker)? Staff only.
pub fn list_users(actor: &Actor) -> Result<(), Refusal> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(Refusal::Forbidden(Rule::UserListIsStaffOnly))
    }
}

/// May `actor` list, create, change and delete webhook endpoints? Admins only.
pub fn manage_webhooks(actor: &Actor) -> Result<(), Refusal> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Refusal::Forbidden(Rule::WebhooksAreAdminOnly))
    }
}

/// May `actor` change other users' roles and active flags? Admins only.
pub fn manage_users(actor: &Actor) -> Result<(), Refusal> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Refusal::Forbidden(Rule::UserManagementIsAdminOnly))
    }
}

/// May `actor` open a ticket whose requester (owner) is `requester`? Anyone for themselves;
/// only staff for someone else (a ticket taken by phone or mail), which
/// [`crate::change::open_ticket_for`] then checks is an active account.
///
/// ```
/// use ticketing_domain::policy::{self, Refusal, Rule};
/// use ticketing_domain::*;
/// let carol = Actor { id: UserId::from_uuid(uuid::Uuid::from_u128(1)), role: Role::Customer };
/// let alex = Actor { id: UserId::from_uuid(uuid::Uuid::from_u128(2)), role: Role::Agent };
/// assert_eq!(policy::open_for(&carol, carol.id), Ok(()));
/// assert_eq!(policy::open_for(&alex, carol.id), Ok(()));
/// assert_eq!(
///     policy::open_for(&carol, alex.id),
///     Err(Refusal::Forbidden(Rule::OpeningForOthersIsStaffOnly)),
/// );
/// ```
pub fn open_for(actor: &Actor, requester: UserId) -> Result<(), Refusal> {
    if requester == actor.id || actor.is_staff() {
        Ok(())
    } else {
        Err(Refusal::Forbidden(Rule::OpeningForOthersIsStaffOnly))
    }
}

/// May `actor` change several tickets in one request? Staff only; each ticket's change is then
/// asked of [`may`] like any other.
pub fn change_in_bulk(actor: &Actor) -> Result<(), Refusal> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(Refusal::Forbidden(Rule::BulkChangesAreStaffOnly))
    }
}

/// May `actor` show that they are viewing or replying to a ticket they see? Staff only (a
/// customer is told 403; a ticket they do not see is 404 before this is asked).
pub fn show_presence(actor: &Actor) -> Result<(), Refusal> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(Refusal::Forbidden(Rule::PresenceIsStaffOnly))
    }
}

/// May `actor` be told who is viewing or replying to a ticket? Staff only: customers never see
/// staff presence.
///
/// ```
/// use ticketing_domain::{policy, Actor, Role, UserId, uuid::Uuid};
/// let carol = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
/// let lee = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Agent };
/// assert!(!policy::sees_presence(&carol) && policy::sees_presence(&lee));
/// assert!(policy::show_presence(&carol).is_err() && policy::show_presence(&lee).is_ok());
/// ```
pub fn sees_presence(actor: &Actor) -> bool {
    actor.is_staff()
}

/// May a user with `role` be assigned tickets? Staff only.
pub fn can_be_assigned(role: Role) -> bool {
    role.is_staff()
}

#[cfg(test)]
mod may_tests;
#[cfg(test)]
mod tests;
