//! The permission policy: one decision per function.
//!
//! A ticket the caller may not see is [`Refusal::NotVisible`] (the API answers 404, so nobody
//! learns that it exists); a visible action the role may not take is [`Refusal::Forbidden`] (403).
//!
//! ```
//! use ticketing_domain::{policy, Actor, Refusal, Role, UserId};
//! let customer = Actor { id: UserId::from_uuid(uuid::Uuid::from_u128(1)), role: Role::Customer };
//! let admin = Actor { id: UserId::from_uuid(uuid::Uuid::from_u128(2)), role: Role::Admin };
//! assert!(policy::sees_internal(&admin));
//! assert!(!policy::sees_internal(&customer));
//! assert_eq!(policy::manage_users(&admin), Ok(()));
//! assert_eq!(
//!     policy::list_users(&customer),
//!     Err(Refusal::Forbidden("only staff may list users")),
//! );
//! ```

use crate::message::{Attachment, Message};
use crate::ticket::{Status, Ticket};
use crate::user::{Actor, Role};

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The caller may not even know the resource exists (HTTP 404).
    #[error("not found")]
    NotVisible,
    /// The caller sees the resource but may not do this (HTTP 403).
    #[error("{0}")]
    Forbidden(&'static str),
}

/// A field of a ticket that a change may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketField {
    /// The subject.
    Topic,
    /// The description.
    Description,
    /// The lifecycle status.
    Status,
    /// The priority.
    Priority,
    /// The assignee.
    AssignedTo,
}

impl TicketField {
    /// Every field.
    pub const ALL: [TicketField; 5] = [
        TicketField::Topic,
        TicketField::Description,
        TicketField::Status,
        TicketField::Priority,
        TicketField::AssignedTo,
    ];

    /// The wire name of the field.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketField::Topic => "topic",
            TicketField::Description => "description",
            TicketField::Status => "status",
            TicketField::Priority => "priority",
            TicketField::AssignedTo => "assigned_to",
        }
    }
}

/// May `actor` see `ticket`? Staff see every ticket that is not deleted; customers their own.
pub fn view_ticket(actor: &Actor, ticket: &Ticket) -> Result<(), Refusal> {
    if ticket.is_deleted() {
        return Err(Refusal::NotVisible);
    }
    if actor.is_staff() || ticket.owner == actor.id {
        Ok(())
    } else {
        Err(Refusal::NotVisible)
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

/// May `actor` set `field` of `ticket` (to `new_status`, for the status field)?
///
/// Staff may change every field. The owner may edit topic and description, close the ticket, and
/// reopen it (to `open`) once resolved; priority and assignment are staff decisions.
pub fn edit_field(
    actor: &Actor,
    ticket: &Ticket,
    field: TicketField,
    new_status: Option<Status>,
) -> Result<(), Refusal> {
    view_ticket(actor, ticket)?;
    if actor.is_staff() {
        return Ok(());
    }
    match field {
        TicketField::Topic | TicketField::Description => Ok(()),
        TicketField::Status => match new_status {
            Some(Status::Closed) | Some(Status::Open) | None => Ok(()),
            Some(_) => Err(Refusal::Forbidden(
                "customers may only close or reopen a ticket",
            )),
        },
        TicketField::Priority => Err(Refusal::Forbidden("only staff may change the priority")),
        TicketField::AssignedTo => Err(Refusal::Forbidden("only staff may assign tickets")),
    }
}

/// May `actor` post on `ticket`, publicly or (`internal`) as a staff-only note?
pub fn post_message(actor: &Actor, ticket: &Ticket, internal: bool) -> Result<(), Refusal> {
    view_ticket(actor, ticket)?;
    if internal && !actor.is_staff() {
        return Err(Refusal::Forbidden("only staff may write internal notes"));
    }
    Ok(())
}

/// May `actor` attach a file to `ticket`? Everyone who sees the ticket may.
pub fn add_attachment(actor: &Actor, ticket: &Ticket) -> Result<(), Refusal> {
    view_ticket(actor, ticket)
}

/// May `actor` remove `attachment` of `ticket`? Its uploader or staff. An attachment of another
/// ticket, or an internal one a customer cannot see, is [`Refusal::NotVisible`].
pub fn remove_attachment(
    actor: &Actor,
    ticket: &Ticket,
    attachment: &Attachment,
) -> Result<(), Refusal> {
    view_ticket(actor, ticket)?;
    if attachment.ticket_id != ticket.id || !view_attachment(actor, attachment) {
        return Err(Refusal::NotVisible);
    }
    if actor.is_staff() || attachment.uploaded_by == actor.id {
        Ok(())
    } else {
        Err(Refusal::Forbidden(
            "only the uploader or staff may remove an attachment",
        ))
    }
}

/// May `actor` delete `ticket`? Staff only.
pub fn delete_ticket(actor: &Actor, ticket: &Ticket) -> Result<(), Refusal> {
    view_ticket(actor, ticket)?;
    if actor.is_staff() {
        Ok(())
    } else {
        Err(Refusal::Forbidden("only staff may delete tickets"))
    }
}

/// May `actor` list the tickets assigned to them? Staff only.
pub fn list_assigned(actor: &Actor) -> Result<(), Refusal> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(Refusal::Forbidden("only staff have assigned tickets"))
    }
}

/// May `actor` list users (e.g. agents for the assignment picker)? Staff only.
pub fn list_users(actor: &Actor) -> Result<(), Refusal> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(Refusal::Forbidden("only staff may list users"))
    }
}

/// May `actor` change other users' roles and active flags? Admins only.
pub fn manage_users(actor: &Actor) -> Result<(), Refusal> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Refusal::Forbidden("only admins may manage users"))
    }
}

/// May a user with `role` be assigned tickets? Staff only.
pub fn can_be_assigned(role: Role) -> bool {
    role.is_staff()
}

#[cfg(test)]
mod tests;
