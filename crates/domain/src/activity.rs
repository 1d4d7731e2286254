//! The append-only activity log of a ticket.

use chrono::{DateTime, Utc};

use crate::ids::{ActivityId, TicketId, UserId};
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
    /// Staff-only (an internal note or an attachment of one): hidden from customers.
    pub internal: bool,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests;
