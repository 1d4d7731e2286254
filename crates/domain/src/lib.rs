//! # ticketing-domain
//!
//! The core of the ticketing helpdesk: tickets and their lifecycle, the permission policy, and the
//! activity log each change produces. Pure and synchronous: no I/O, no async runtime, no database,
//! no clock and no random numbers. Time and ids are passed in, never read, so every rule is
//! deterministic and testable.
//!
//! - [`policy::may`] answers "may this person do this to this ticket now?" completely;
//!   [`policy::allowed`] asks it for every intent.
//! - [`change`] applies changes, each as `(actor, ticket, what, now, next_id)` returning an
//!   [`Applied`] (the new ticket, its activity entries and its [`event`]s);
//!   [`policy::sees_event`] says who may be told of an event.
//! - Errors carry a stable [`ErrorCode`] (`code()`) and an HTTP status hint (`http_status()`).
//! - Feature `serde`: every public value type (de)serializes with the wire names of the HTTP API;
//!   text types deserialize through their parsers.
//!
//! [`chrono`] and [`uuid`] are re-exported, so callers use the same versions.
//!
//! ```
//! use ticketing_domain::chrono::{Duration, TimeZone, Utc};
//! use ticketing_domain::policy::{Refusal, Rule};
//! use ticketing_domain::uuid::Uuid;
//! use ticketing_domain::*;
//!
//! let customer = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
//! let agent = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Agent };
//! let mut n = 100u128;
//! let mut next_id = || { n += 1; ActivityId::from_uuid(Uuid::from_u128(n)) };
//! let t0 = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
//!
//! let new = NewTicket::new(
//!     TicketId::from_uuid(Uuid::from_u128(10)),
//!     Topic::parse("Cannot log in").unwrap(),
//!     Description::parse("The login page says 500").unwrap(),
//! )
//! .with_priority(Priority::High);
//! let ticket = change::open_ticket(&customer, new, t0, &mut next_id).ticket;
//!
//! // Customers may not change the priority: a typed refusal with a stable code (403).
//! let patch = TicketPatch { priority: Some(Priority::Low), ..Default::default() };
//! let refused = change::apply_patch(&customer, &ticket, &patch, t0, &mut next_id).unwrap_err();
//! assert_eq!(refused, ChangeError::Refused(Refusal::Forbidden(Rule::PriorityIsStaffOnly)));
//! assert_eq!((refused.code().as_str(), refused.http_status()), ("forbidden", 403));
//!
//! // Staff may; the change comes with its activity entries.
//! let patch = TicketPatch { status: Some(Status::Resolved), ..Default::default() };
//! let t1 = t0 + Duration::minutes(5);
//! let applied = change::apply_patch(&agent, &ticket, &patch, t1, &mut next_id).unwrap();
//! assert_eq!(applied.ticket.status, Status::Resolved);
//! assert_eq!(applied.ticket.resolved_at, Some(t1));
//! assert_eq!(applied.activities[0].action, Action::Resolved);
//! assert_eq!(applied.activities[0].details, "Status changed from open to resolved");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod activity;
pub mod change;
pub mod code;
pub mod event;
pub mod ids;
pub mod listing;
pub mod message;
pub mod password;
pub mod policy;
pub mod presence;
pub mod text;
pub mod ticket;
pub mod time;
pub mod token;
pub mod user;
mod variant;

#[cfg(feature = "serde")]
mod serde_impls;

pub use chrono;
pub use uuid;

/// The examples of the crate README, compiled and run as doctests (one of them needs the `serde`
/// feature: `cargo test --doc -p ticketing-domain --all-features`).
#[cfg(all(doctest, feature = "serde"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod testkit;

pub use activity::{Action, ActivityChange, ActivityEntry};
pub use change::{Applied, ChangeError, NewAttachment, NewMessage, NewTicket, TicketPatch};
pub use code::ErrorCode;
pub use event::{Event, EventKind, Notice, Visibility};
pub use ids::{
    ActivityId, ApiTokenId, AttachmentId, FamilyId, InvalidId, MessageId, SessionId, TicketId,
    UserId,
};
pub use message::{Attachment, LastPublicMessage, Message, StoredFile};
pub use password::{NewPassword, Password, PasswordError, PasswordProblem};
pub use policy::{Allowed, Intent, Refusal, Rule};
pub use presence::{Presence, PresenceNotice, PresenceState};
pub use text::{
    Description, Email, FileName, LoginName, MessageBody, PersonName, TokenName, Topic, Username,
    ValueError, ValueProblem,
};
pub use ticket::{Priority, Status, Ticket};
pub use token::{
    Access, ApiToken, Credential, ExpiryDays, MAX_TOKENS_PER_USER, TokenRejection, TokenScope,
};
pub use user::{Actor, Assignee, Role, User};
pub use variant::UnknownVariant;
