//! # ticketing-domain
//!
//! The core of the ticketing helpdesk: tickets and their lifecycle, the permission policy, and the
//! activity log each change produces. Pure and synchronous: no I/O, no async runtime, no database.
//! Time and ids are passed in, never read, so every rule is deterministic and testable.
//!
//! ```
//! use chrono::Utc;
//! use ticketing_domain::*;
//! use uuid::Uuid;
//!
//! let customer = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
//! let agent = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Agent };
//! let mut n = 100u128;
//! let mut next_id = || { n += 1; ActivityId::from_uuid(Uuid::from_u128(n)) };
//!
//! let (ticket, _created) = change::open_ticket(
//!     &customer,
//!     TicketId::from_uuid(Uuid::from_u128(10)),
//!     Topic::parse("Cannot log in").unwrap(),
//!     Description::parse("The login page says 500").unwrap(),
//!     Some(Priority::High),
//!     Utc::now(),
//!     next_id(),
//! );
//!
//! // Customers may not change the priority: a typed refusal the API maps to 403.
//! let patch = TicketPatch { priority: Some(Priority::Low), ..Default::default() };
//! let refused = change::apply_patch(&ticket, &customer, &patch, Utc::now(), &mut next_id);
//! assert_eq!(refused, Err(ChangeError::Refused(Refusal::Forbidden("only staff may change the priority"))));
//!
//! // Staff may; the change comes with its activity entries.
//! let patch = TicketPatch { status: Some(Status::Resolved), ..Default::default() };
//! let applied = change::apply_patch(&ticket, &agent, &patch, Utc::now(), &mut next_id).unwrap();
//! assert_eq!(applied.ticket.status, Status::Resolved);
//! assert!(applied.ticket.resolved_at.is_some());
//! assert_eq!(applied.activities[0].action, Action::Resolved);
//! assert_eq!(applied.activities[0].details, "Status changed from open to resolved");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod activity;
pub mod change;
pub mod ids;
pub mod listing;
pub mod message;
pub mod password;
pub mod policy;
pub mod text;
pub mod ticket;
pub mod user;

/// The examples of the crate README, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod testkit;

pub use activity::{Action, ActivityEntry};
pub use change::{Applied, ChangeError, NewAttachment, TicketPatch};
pub use ids::{
    ActivityId, AttachmentId, FamilyId, InvalidId, MessageId, SessionId, TicketId, UserId,
};
pub use message::{Attachment, Message, StoredFile};
pub use password::{NewPassword, Password, PasswordError, PasswordProblem};
pub use policy::{Refusal, TicketField};
pub use text::{
    Description, Email, FileName, LoginName, MessageBody, PersonName, Topic, Username, ValueError,
};
pub use ticket::{Priority, Status, Ticket};
pub use user::{Actor, Role, UnknownVariant, User};
