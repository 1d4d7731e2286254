//! The append-only activity log of a ticket.

use chrono::{DateTime, Utc};

use crate::ids::{ActivityId, TicketId, UserId};
use crate::ticket::{Priority, Status};
use crate::variant::enum_text;

/// What happened to a ticket. `FromStr` is lenient like [`crate::Status`]'s;
/// [`Action::from_wire`] takes only the wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Action {
    /// The ticket was opened.
    Created,
    /// Topic or description edited.
    Updated,
    /// A status move other than resolve, reopen and close.
    StatusChanged,
    /// The priority changed.
    PriorityChanged,
    /// Assigned, reassigned or unassigned.
    AssignedToChanged,
    /// A public message was added.
    MessageAdded,
    /// A staff-only note was added.
    InternalNoteAdded,
    /// A file was attached.
    AttachmentAdded,
    /// A file was removed.
    AttachmentRemoved,
    /// Moved to `resolved`.
    Resolved,
    /// Moved from `resolved` back to `open` or `in_progress`.
    Reopened,
    /// Moved to `closed`.
    Closed,
    /// Soft-deleted by staff.
    Deleted,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 13] = [
        Action::Created,
        Action::Updated,
        Action::StatusChanged,
        Action::PriorityChanged,
        Action::AssignedToChanged,
        Action::MessageAdded,
        Action::InternalNoteAdded,
        Action::AttachmentAdded,
        Action::AttachmentRemoved,
        Action::Resolved,
        Action::Reopened,
        Action::Closed,
        Action::Deleted,
    ];

    /// The wire name, e.g. `status_changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::StatusChanged => "status_changed",
            Action::PriorityChanged => "priority_changed",
            Action::AssignedToChanged => "assigned_to_changed",
            Action::MessageAdded => "message_added",
            Action::InternalNoteAdded => "internal_note_added",
            Action::AttachmentAdded => "attachment_added",
            Action::AttachmentRemoved => "attachment_removed",
            Action::Resolved => "resolved",
            Action::Reopened => "reopened",
            Action::Closed => "closed",
            Action::Deleted => "deleted",
        }
    }

    /// The human label, e.g. `Status Changed`.
    pub fn display(self) -> &'static str {
        match self {
            Action::Created => "Created",
            Action::Updated => "Updated",
            Action::StatusChanged => "Status Changed",
            Action::PriorityChanged => "Priority Changed",
            Action::AssignedToChanged => "Assigned To Changed",
            Action::MessageAdded => "Message Added",
            Action::InternalNoteAdded => "Internal Note Added",
            Action::AttachmentAdded => "Attachment Added",
            Action::AttachmentRemoved => "Attachment Removed",
            Action::Resolved => "Resolved",
            Action::Reopened => "Reopened",
            Action::Closed => "Closed",
            Action::Deleted => "Deleted",
        }
    }
}

enum_text!(
    Action,
    expected = "created, updated, status_changed, priority_changed, assigned_to_changed, \
                message_added, internal_note_added, attachment_added, attachment_removed, \
                resolved, reopened, closed, deleted"
);

/// What an entry changed, as values (for readers that write their own sentence, with their own
/// names for people and states): the field, and its values before and after.
///
/// Stored as three texts ([`ActivityChange::parts`], read back with
/// [`ActivityChange::from_parts`]): the field, and the wire names of statuses and priorities or
/// the ids of users (none for nobody).
///
/// ```
/// use ticketing_domain::{ActivityChange, Status, UserId};
/// let moved = ActivityChange::Status { from: Status::Open, to: Status::InProgress };
/// let parts = moved.parts();
/// assert_eq!(parts, ("status", Some("open".to_owned()), Some("in_progress".to_owned())));
/// assert_eq!(ActivityChange::from_parts(parts.0, parts.1.as_deref(), parts.2.as_deref()), Some(moved));
/// let bob = UserId::from_uuid(uuid::Uuid::from_u128(7));
/// let assigned = ActivityChange::Assignee { from: None, to: Some(bob) };
/// assert_eq!(assigned.field(), "assigned_to");
/// assert_eq!(assigned.people(), [bob]);
/// assert_eq!(ActivityChange::from_parts("status", Some("open"), Some("pending")), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case", tag = "field")
)]
pub enum ActivityChange {
    /// The status moved (`status_changed`, `resolved`, `reopened`, `closed`).
    Status {
        /// Before.
        from: Status,
        /// After.
        to: Status,
    },
    /// The priority changed.
    Priority {
        /// Before.
        from: Priority,
        /// After.
        to: Priority,
    },
    /// The assignee changed (`None`: nobody).
    #[cfg_attr(feature = "serde", serde(rename = "assigned_to"))]
    Assignee {
        /// Before.
        from: Option<UserId>,
        /// After.
        to: Option<UserId>,
    },
    /// The ticket was opened for this user by someone else (staff), who performed the entry.
    Requester {
        /// Whom the ticket is for (its owner).
        requester: UserId,
    },
}

impl ActivityChange {
    /// The field's wire name: `status`, `priority`, `assigned_to` or `requester`.
    pub fn field(&self) -> &'static str {
        match self {
            ActivityChange::Status { .. } => "status",
            ActivityChange::Priority { .. } => "priority",
            ActivityChange::Assignee { .. } => "assigned_to",
            ActivityChange::Requester { .. } => "requester",
        }
    }

    /// The users the change names (to show their names).
    pub fn people(&self) -> Vec<UserId> {
        match *self {
            ActivityChange::Assignee { from, to } => from.into_iter().chain(to).collect(),
            ActivityChange::Requester { requester } => vec![requester],
            ActivityChange::Status { .. } | ActivityChange::Priority { .. } => Vec::new(),
        }
    }

    /// (field, before, after) as texts: wire names, or user ids (`None` for nobody, and for the
    /// requester's "before").
    pub fn parts(&self) -> (&'static str, Option<String>, Option<String>) {
        let id = |u: Option<UserId>| u.map(|u| u.to_string());
        match *self {
            ActivityChange::Status { from, to } => (
                self.field(),
                Some(from.as_str().to_owned()),
                Some(to.as_str().to_owned()),
            ),
            ActivityChange::Priority { from, to } => (
                self.field(),
                Some(from.as_str().to_owned()),
                Some(to.as_str().to_owned()),
            ),
            ActivityChange::Assignee { from, to } => (self.field(), id(from), id(to)),
            ActivityChange::Requester { requester } => (self.field(), None, id(Some(requester))),
        }
    }

    /// The change [`ActivityChange::parts`] made these texts from; `None` for anything else.
    /// Never panics.
    pub fn from_parts(field: &str, from: Option<&str>, to: Option<&str>) -> Option<Self> {
        let user = |t: Option<&str>| -> Option<Option<UserId>> {
            match t {
                None => Some(None),
                Some(t) => t.parse::<UserId>().ok().map(Some),
            }
        };
        match field {
            "status" => Some(ActivityChange::Status {
                from: Status::from_wire(from?).ok()?,
                to: Status::from_wire(to?).ok()?,
            }),
            "priority" => Some(ActivityChange::Priority {
                from: Priority::from_wire(from?).ok()?,
                to: Priority::from_wire(to?).ok()?,
            }),
            "assigned_to" => Some(ActivityChange::Assignee {
                from: user(from)?,
                to: user(to)?,
            }),
            "requester" if from.is_none() => Some(ActivityChange::Requester {
                requester: user(to)??,
            }),
            _ => None,
        }
    }
}

/// One entry of a ticket's activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ActivityEntry {
    /// The entry's id.
    pub id: ActivityId,
    /// The ticket it belongs to.
    pub ticket_id: TicketId,
    /// What happened.
    pub action: Action,
    /// Who did it.
    pub performed_by: UserId,
    /// A sentence describing it, e.g. `Status changed from open to in_progress`.
    pub details: String,
    /// What it changed, as values (entries of status, priority and assignee changes, and of a
    /// ticket opened for someone else; entries logged before these were kept may lack it).
    #[cfg_attr(feature = "serde", serde(default))]
    pub change: Option<ActivityChange>,
    /// Staff-only (an internal note or an attachment of one): hidden from customers.
    pub internal: bool,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests;
