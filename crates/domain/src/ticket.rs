//! Tickets, their status and priority, and the lifecycle state machine.

use chrono::{DateTime, Utc};

use crate::ids::{TicketId, UserId};
use crate::message::LastPublicMessage;
use crate::text::{Description, Topic};
use crate::variant::enum_text;

/// Where a ticket is in its lifecycle.
///
/// Allowed moves: `open -> in_progress -> resolved -> closed`, `open|in_progress -> resolved`,
/// any non-closed -> `closed`, `resolved -> open|in_progress` (reopen). `closed` is final.
///
/// ```
/// use ticketing_domain::Status;
/// assert!(Status::Open.can_move_to(Status::Resolved));
/// assert!(Status::Resolved.can_move_to(Status::Open));
/// assert!(!Status::InProgress.can_move_to(Status::Open));
/// assert!(!Status::Closed.can_move_to(Status::Open));
/// ```
///
/// Statuses are ordered along the lifecycle (`Open < InProgress < Resolved < Closed`), so they
/// can key a `BTreeMap` or sit in a `BTreeSet`. Parsing with `FromStr` is lenient (any case,
/// surrounding whitespace, the human label); [`Status::from_wire`] takes only the wire name.
///
/// ```
/// use ticketing_domain::Status;
/// assert_eq!(" In Progress ".parse::<Status>(), Ok(Status::InProgress));
/// assert_eq!("CLOSED".parse::<Status>(), Ok(Status::Closed));
/// assert_eq!(Status::from_wire("in_progress"), Ok(Status::InProgress));
/// assert!(Status::from_wire("In Progress").is_err());
/// assert!(Status::Open < Status::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Status {
    /// New or reopened.
    Open,
    /// Someone works on it.
    InProgress,
    /// A solution was given; the customer may still reopen it.
    Resolved,
    /// Final.
    Closed,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::InProgress,
        Status::Resolved,
        Status::Closed,
    ];

    /// The wire name (`open`, `in_progress`, `resolved`, `closed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// The human label (`Open`, `In Progress`, ...).
    pub fn display(self) -> &'static str {
        match self {
            Status::Open => "Open",
            Status::InProgress => "In Progress",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
        }
    }

    /// Whether the lifecycle allows moving from `self` to `to` (a move to the same status is not
    /// a move).
    pub fn can_move_to(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Open, InProgress)
                | (Open | InProgress, Resolved)
                | (Open | InProgress | Resolved, Closed)
                | (Resolved, Open | InProgress)
        )
    }
}

enum_text!(Status, expected = "open, in_progress, resolved, closed");

/// How urgent a ticket is. Ordered by severity: `Low < Medium < High < Critical`.
///
/// ```
/// use ticketing_domain::Priority;
/// assert_eq!("High".parse::<Priority>(), Ok(Priority::High));
/// assert_eq!(" high".parse::<Priority>(), Ok(Priority::High));
/// assert!(Priority::from_wire("High").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Priority {
    /// Whenever there is time.
    Low,
    /// The default.
    #[default]
    Medium,
    /// Soon.
    High,
    /// Now.
    Critical,
}

impl Priority {
    /// Every priority, by severity.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Critical,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Critical => "critical",
        }
    }

    /// The human label.
    pub fn display(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Medium => "Medium",
            Priority::High => "High",
            Priority::Critical => "Critical",
        }
    }

    /// The severity rank, 1 (low) to 4 (critical): what stores sort by.
    pub fn rank(self) -> i16 {
        match self {
            Priority::Low => 1,
            Priority::Medium => 2,
            Priority::High => 3,
            Priority::Critical => 4,
        }
    }

    /// The priority of a severity rank.
    pub fn from_rank(rank: i16) -> Option<Self> {
        Priority::ALL.into_iter().find(|p| p.rank() == rank)
    }
}

enum_text!(Priority, expected = "low, medium, high, critical");

/// A support ticket.
///
/// Entities have public fields so that stores can rebuild them; change them only through
/// [`crate::change`], which keeps the lifecycle, the version and the activity log consistent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Ticket {
    /// The ticket's id.
    pub id: TicketId,
    /// The short number people quote (`#1042`): sequential, unique per installation and never
    /// reused, assigned by the store in the transaction that stores the ticket (see
    /// `TicketRepository::create`); `0` in a ticket not stored yet.
    #[cfg_attr(feature = "serde", serde(default))]
    pub number: u64,
    /// The customer (or staff member) who opened it.
    pub owner: UserId,
    /// The staff member working on it.
    pub assigned_to: Option<UserId>,
    /// One-line subject.
    pub topic: Topic,
    /// The problem.
    pub description: Description,
    /// Lifecycle position.
    pub status: Status,
    /// Urgency.
    pub priority: Priority,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// The last change of any kind (fields, messages, attachments, internal notes).
    pub updated_at: DateTime<Utc>,
    /// The last change a customer can see (not an internal note, nor a file of one): what
    /// customers are shown as `updated_at` and sort by.
    pub public_updated_at: DateTime<Utc>,
    /// Set on entering `resolved`, cleared on reopen.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Set on closing.
    pub closed_at: Option<DateTime<Utc>>,
    /// Starts at 1 and grows by one with every change: the optimistic-concurrency token (ETag)
    /// of staff.
    pub version: i64,
    /// Starts at 1 and grows by one with every change a customer can see: the version and ETag
    /// customers are shown, so that staff-only changes are not observable.
    pub public_version: i64,
    /// Public messages.
    pub message_count: u32,
    /// Internal notes (staff only).
    pub internal_note_count: u32,
    /// Who wrote the last public message (never an internal note) and when; `None` before the
    /// first one. Customers may see it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub last_public_message: Option<LastPublicMessage>,
    /// Set by a (soft) delete; a deleted ticket is invisible to everyone.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Ticket {
    /// Whether the ticket has reached its final state.
    pub fn is_closed(&self) -> bool {
        self.status == Status::Closed
    }

    /// Whether the ticket was soft-deleted.
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// The version `sees_internal` callers see (see [`crate::policy::sees_internal`]): every
    /// change for staff, only the changes customers can see for customers.
    pub fn version_seen(&self, sees_internal: bool) -> i64 {
        if sees_internal {
            self.version
        } else {
            self.public_version
        }
    }

    /// The last change `sees_internal` callers see, like [`Ticket::version_seen`].
    pub fn updated_at_seen(&self, sees_internal: bool) -> DateTime<Utc> {
        if sees_internal {
            self.updated_at
        } else {
            self.public_updated_at
        }
    }

    /// The number of messages `sees_internal` callers see: public ones, plus internal notes for
    /// staff (see [`crate::policy::sees_internal`]). Saturates instead of overflowing.
    pub fn visible_message_count(&self, sees_internal: bool) -> u32 {
        if sees_internal {
            self.message_count.saturating_add(self.internal_note_count)
        } else {
            self.message_count
        }
    }
}

#[cfg(test)]
mod tests;
