//! Changes to a ticket. Each function checks the permission policy and the lifecycle, then returns
//! the new ticket together with the activity entries the change produces, so the log cannot
//! disagree with the change. Time and ids are passed in.

use chrono::{DateTime, Utc};

use crate::activity::{Action, ActivityEntry};
use crate::ids::{ActivityId, AttachmentId, MessageId, TicketId};
use crate::message::{Attachment, Message, StoredFile};
use crate::policy::{self, Refusal, TicketField};
use crate::text::{Description, FileName, MessageBody, Topic};
use crate::ticket::{Priority, Status, Ticket};
use crate::user::{Actor, User};

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The permission policy refused (404 or 403).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The ticket is closed: nothing about it may change any more (409 `ticket_closed`).
    #[error("the ticket is closed")]
    Closed,
    /// The lifecycle does not allow this status move (409).
    #[error("cannot move a ticket from {from} to {to}")]
    InvalidTransition {
        /// The current status.
        from: Status,
        /// The requested status.
        to: Status,
    },
    /// Only staff may be assigned (400 on `assigned_to`).
    #[error("tickets can only be assigned to agents or admins")]
    AssigneeNotStaff,
    /// A deactivated account may not be assigned (400 on `assigned_to`).
    #[error("the assignee's account is deactivated")]
    AssigneeInactive,
    /// The message an attachment should belong to is not a visible message of this ticket
    /// (400 on `message_id`).
    #[error("no such message on this ticket")]
    MessageNotOnTicket,
}

/// The result of a change: the ticket after it and the activity entries it produced.
///
/// When nothing changed, `activities` is empty and `ticket` equals the input (same version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The ticket after the change.
    pub ticket: Ticket,
    /// The log entries, in the order the changes were made.
    pub activities: Vec<ActivityEntry>,
}

impl Applied {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        !self.activities.is_empty()
    }
}

/// A partial update of a ticket: `None` leaves a field alone. For `assigned_to`, `Some(None)`
/// unassigns and `Some(Some(user))` assigns to that user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketPatch {
    /// New subject.
    pub topic: Option<Topic>,
    /// New description.
    pub description: Option<Description>,
    /// New status (must be an allowed move).
    pub status: Option<Status>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New assignee, or `Some(None)` to unassign.
    pub assigned_to: Option<Option<User>>,
}

struct Log<'a, F> {
    ticket: TicketId,
    actor: &'a Actor,
    now: DateTime<Utc>,
    next_id: F,
    entries: Vec<ActivityEntry>,
}

impl<F: FnMut() -> ActivityId> Log<'_, F> {
    fn push(&mut self, action: Action, details: String, internal: bool) {
        self.entries.push(ActivityEntry {
            id: (self.next_id)(),
            ticket_id: self.ticket,
            action,
            performed_by: self.actor.id,
            details,
            internal,
            created_at: self.now,
        });
    }
}

fn status_action(from: Status, to: Status) -> Action {
    match (from, to) {
        (_, Status::Closed) => Action::Closed,
        (_, Status::Resolved) => Action::Resolved,
        (Status::Resolved, _) => Action::Reopened,
        _ => Action::StatusChanged,
    }
}

fn move_status(ticket: &mut Ticket, to: Status, now: DateTime<Utc>) {
    match to {
        Status::Resolved => ticket.resolved_at = Some(now),
        Status::Closed => ticket.closed_at = Some(now),
        Status::Open | Status::InProgress => ticket.resolved_at = None,
    }
    ticket.status = to;
}

fn bump(ticket: &mut Ticket, now: DateTime<Utc>) {
    // Saturating: no input makes the domain panic (a version near `i64::MAX` is never reached).
    ticket.version = ticket.version.saturating_add(1);
    ticket.updated_at = now;
}

/// Opens a new ticket for `actor` (version 1, status `open`, priority `medium` unless given) and
/// its `created` entry.
///
/// ```
/// use chrono::Utc;
/// use ticketing_domain::*;
/// let actor = Actor { id: UserId::from_uuid(uuid::Uuid::nil()), role: Role::Customer };
/// let (ticket, entry) = change::open_ticket(
///     &actor,
///     TicketId::from_uuid(uuid::Uuid::from_u128(1)),
///     Topic::parse("VPN down").unwrap(),
///     Description::parse("Since this morning").unwrap(),
///     None,
///     Utc::now(),
///     ActivityId::from_uuid(uuid::Uuid::from_u128(2)),
/// );
/// assert_eq!(ticket.status, Status::Open);
/// assert_eq!(ticket.priority, Priority::Medium);
/// assert_eq!(entry.action, Action::Created);
/// ```
pub fn open_ticket(
    actor: &Actor,
    id: TicketId,
    topic: Topic,
    description: Description,
    priority: Option<Priority>,
    now: DateTime<Utc>,
    activity_id: ActivityId,
) -> (Ticket, ActivityEntry) {
    let ticket = Ticket {
        id,
        owner: actor.id,
        assigned_to: None,
        topic,
        description,
        status: Status::Open,
        priority: priority.unwrap_or_default(),
        created_at: now,
        updated_at: now,
        resolved_at: None,
        closed_at: None,
        version: 1,
        message_count: 0,
        internal_note_count: 0,
        deleted_at: None,
    };
    let entry = ActivityEntry {
        id: activity_id,
        ticket_id: id,
        action: Action::Created,
        performed_by: actor.id,
        details: "Ticket created".to_owned(),
        internal: false,
        created_at: now,
    };
    (ticket, entry)
}

/// Applies `patch` to `ticket` on behalf of `actor`.
///
/// Fields whose new value equals the current one are ignored (and need no permission), so a
/// client may send back a whole ticket. Checks, in order: visibility (404), field permissions
/// (403), closed (409), the status move and the assignee. On success the version grows by one
/// and one entry is logged per kind of change, in the order `updated`, status, priority,
/// assignment; when nothing differs, the ticket comes back unchanged with no entries.
///
/// ```
/// use chrono::Utc;
/// use ticketing_domain::*;
/// use uuid::Uuid;
/// let owner = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
/// let (ticket, _) = change::open_ticket(
///     &owner, TicketId::from_uuid(Uuid::from_u128(3)), Topic::parse("VPN").unwrap(),
///     Description::parse("down").unwrap(), None, Utc::now(),
///     ActivityId::from_uuid(Uuid::from_u128(4)),
/// );
/// let mut n = 10u128;
/// let mut next_id = || { n += 1; ActivityId::from_uuid(Uuid::from_u128(n)) };
/// // An unchanged priority needs no permission; the new topic is logged.
/// let patch = TicketPatch {
///     topic: Some(Topic::parse("VPN down again").unwrap()),
///     priority: Some(Priority::Medium),
///     ..Default::default()
/// };
/// let applied = change::apply_patch(&ticket, &owner, &patch, Utc::now(), &mut next_id).unwrap();
/// assert_eq!(applied.ticket.version, 2);
/// assert_eq!(applied.activities[0].details, "Topic updated");
/// // In-progress tickets cannot go back to open.
/// let start = TicketPatch { status: Some(Status::InProgress), ..Default::default() };
/// let agent = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Agent };
/// let working = change::apply_patch(&ticket, &agent, &start, Utc::now(), &mut next_id).unwrap();
/// let back = TicketPatch { status: Some(Status::Open), ..Default::default() };
/// assert_eq!(
///     change::apply_patch(&working.ticket, &agent, &back, Utc::now(), &mut next_id),
///     Err(ChangeError::InvalidTransition { from: Status::InProgress, to: Status::Open }),
/// );
/// ```
pub fn apply_patch(
    ticket: &Ticket,
    actor: &Actor,
    patch: &TicketPatch,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied, ChangeError> {
    policy::view_ticket(actor, ticket)?;
    let topic = patch.topic.as_ref().filter(|t| **t != ticket.topic);
    let description = patch
        .description
        .as_ref()
        .filter(|d| **d != ticket.description);
    let status = patch.status.filter(|s| *s != ticket.status);
    let priority = patch.priority.filter(|p| *p != ticket.priority);
    let assignee = patch
        .assigned_to
        .as_ref()
        .filter(|a| a.as_ref().map(|u| u.id) != ticket.assigned_to);

    let touched = [
        (TicketField::Topic, topic.is_some()),
        (TicketField::Description, description.is_some()),
        (TicketField::Status, status.is_some()),
        (TicketField::Priority, priority.is_some()),
        (TicketField::AssignedTo, assignee.is_some()),
    ];
    for (field, present) in touched {
        if present {
            policy::edit_field(actor, ticket, field, status)?;
        }
    }
    if !touched.iter().any(|(_, present)| *present) {
        return Ok(Applied {
            ticket: ticket.clone(),
            activities: Vec::new(),
        });
    }
    if ticket.is_closed() {
        return Err(ChangeError::Closed);
    }
    if let Some(to) = status {
        if !ticket.status.can_move_to(to) {
            return Err(ChangeError::InvalidTransition {
                from: ticket.status,
                to,
            });
        }
    }
    if let Some(Some(user)) = assignee {
        if !policy::can_be_assigned(user.role) {
            return Err(ChangeError::AssigneeNotStaff);
        }
        if !user.is_active {
            return Err(ChangeError::AssigneeInactive);
        }
    }

    let mut next = ticket.clone();
    let mut log = Log {
        ticket: ticket.id,
        actor,
        now,
        next_id,
        entries: Vec::new(),
    };
    let edited = match (topic, description) {
        (Some(_), Some(_)) => Some("Topic and description updated"),
        (Some(_), None) => Some("Topic updated"),
        (None, Some(_)) => Some("Description updated"),
        (None, None) => None,
    };
    if let Some(details) = edited {
        if let Some(t) = topic {
            next.topic = t.clone();
        }
        if let Some(d) = description {
            next.description = d.clone();
        }
        log.push(Action::Updated, details.to_owned(), false);
    }
    if let Some(to) = status {
        let from = next.status;
        move_status(&mut next, to, now);
        log.push(
            status_action(from, to),
            format!("Status changed from {from} to {to}"),
            false,
        );
    }
    if let Some(p) = priority {
        let from = next.priority;
        next.priority = p;
        log.push(
            Action::PriorityChanged,
            format!("Priority changed from {from} to {p}"),
            false,
        );
    }
    if let Some(a) = assignee {
        next.assigned_to = a.as_ref().map(|u| u.id);
        let details = match a {
            Some(u) => format!("Ticket assigned to {}", u.username),
            None => "Ticket unassigned".to_owned(),
        };
        log.push(Action::AssignedToChanged, details, false);
    }
    bump(&mut next, now);
    Ok(Applied {
        ticket: next,
        activities: log.entries,
    })
}

/// Adds a message (public, or an `internal` note) to `ticket`. A customer's reply to their own
/// resolved ticket reopens it (`open`), logged as `reopened`.
///
/// Public messages count in [`Ticket::message_count`], internal notes in
/// [`Ticket::internal_note_count`]; a note's activity entry is internal too.
///
/// ```
/// use chrono::Utc;
/// use ticketing_domain::*;
/// use uuid::Uuid;
/// let owner = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
/// let agent = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Agent };
/// let mut n = 10u128;
/// let mut next_id = || { n += 1; ActivityId::from_uuid(Uuid::from_u128(n)) };
/// let (ticket, _) = change::open_ticket(
///     &owner, TicketId::from_uuid(Uuid::from_u128(3)), Topic::parse("VPN").unwrap(),
///     Description::parse("down").unwrap(), None, Utc::now(), next_id(),
/// );
/// let note = MessageBody::parse("Known outage, see INC-42").unwrap();
/// let (applied, message) = change::add_message(
///     &ticket, &agent, MessageId::from_uuid(Uuid::from_u128(4)), note, true, Utc::now(), &mut next_id,
/// ).unwrap();
/// assert!(message.internal);
/// assert_eq!(applied.ticket.internal_note_count, 1);
/// assert_eq!(applied.ticket.visible_message_count(false), 0);
/// assert_eq!(applied.activities[0].action, Action::InternalNoteAdded);
/// assert!(applied.activities[0].internal);
/// ```
pub fn add_message(
    ticket: &Ticket,
    actor: &Actor,
    message_id: MessageId,
    body: MessageBody,
    internal: bool,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<(Applied, Message), ChangeError> {
    policy::post_message(actor, ticket, internal)?;
    if ticket.is_closed() {
        return Err(ChangeError::Closed);
    }
    let message = Message {
        id: message_id,
        ticket_id: ticket.id,
        author: actor.id,
        body,
        is_staff_message: actor.is_staff(),
        internal,
        created_at: now,
    };
    let mut next = ticket.clone();
    let mut log = Log {
        ticket: ticket.id,
        actor,
        now,
        next_id,
        entries: Vec::new(),
    };
    if internal {
        next.internal_note_count = next.internal_note_count.saturating_add(1);
        log.push(
            Action::InternalNoteAdded,
            "Internal note added".to_owned(),
            true,
        );
    } else {
        next.message_count = next.message_count.saturating_add(1);
        log.push(Action::MessageAdded, "Message added".to_owned(), false);
    }
    if !internal
        && !actor.is_staff()
        && ticket.owner == actor.id
        && ticket.status == Status::Resolved
    {
        move_status(&mut next, Status::Open, now);
        log.push(
            Action::Reopened,
            "Status changed from resolved to open".to_owned(),
            false,
        );
    }
    bump(&mut next, now);
    Ok((
        Applied {
            ticket: next,
            activities: log.entries,
        },
        message,
    ))
}

/// Checks that `actor` may attach a file to `ticket` (optionally to `message`), before any byte
/// is stored.
pub fn check_attachment(
    ticket: &Ticket,
    actor: &Actor,
    message: Option<&Message>,
) -> Result<(), ChangeError> {
    policy::add_attachment(actor, ticket)?;
    if let Some(m) = message {
        if m.ticket_id != ticket.id || !policy::view_message(actor, m) {
            return Err(ChangeError::MessageNotOnTicket);
        }
    }
    if ticket.is_closed() {
        return Err(ChangeError::Closed);
    }
    Ok(())
}

/// The metadata of a new attachment, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Attaches a stored file to `ticket` (and to `message`, when given). An attachment of an
/// internal note is internal too.
pub fn add_attachment(
    ticket: &Ticket,
    actor: &Actor,
    new: NewAttachment,
    message: Option<&Message>,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<(Applied, Attachment), ChangeError> {
    check_attachment(ticket, actor, message)?;
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
    let mut next = ticket.clone();
    let mut log = Log {
        ticket: ticket.id,
        actor,
        now,
        next_id,
        entries: Vec::new(),
    };
    log.push(
        Action::AttachmentAdded,
        format!("Attachment \"{}\" added", attachment.filename),
        internal,
    );
    bump(&mut next, now);
    Ok((
        Applied {
            ticket: next,
            activities: log.entries,
        },
        attachment,
    ))
}

/// Removes `attachment` from `ticket` (its uploader or staff).
pub fn remove_attachment(
    ticket: &Ticket,
    actor: &Actor,
    attachment: &Attachment,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied, ChangeError> {
    policy::remove_attachment(actor, ticket, attachment)?;
    if ticket.is_closed() {
        return Err(ChangeError::Closed);
    }
    let mut next = ticket.clone();
    let mut log = Log {
        ticket: ticket.id,
        actor,
        now,
        next_id,
        entries: Vec::new(),
    };
    log.push(
        Action::AttachmentRemoved,
        format!("Attachment \"{}\" removed", attachment.filename),
        attachment.internal,
    );
    bump(&mut next, now);
    Ok(Applied {
        ticket: next,
        activities: log.entries,
    })
}

/// Soft-deletes `ticket` (staff only). Its activity log is kept. Closed tickets may be deleted.
pub fn delete_ticket(
    ticket: &Ticket,
    actor: &Actor,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied, ChangeError> {
    policy::delete_ticket(actor, ticket)?;
    let mut next = ticket.clone();
    let mut log = Log {
        ticket: ticket.id,
        actor,
        now,
        next_id,
        entries: Vec::new(),
    };
    next.deleted_at = Some(now);
    log.push(Action::Deleted, "Ticket deleted".to_owned(), false);
    bump(&mut next, now);
    Ok(Applied {
        ticket: next,
        activities: log.entries,
    })
}

#[cfg(test)]
mod message_tests;
#[cfg(test)]
mod tests;
