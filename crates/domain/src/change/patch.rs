//! [`apply_patch`]: edits, status moves, priority and assignment.

use chrono::{DateTime, Utc};

use super::{Applied, ChangeError, Draft, TicketPatch};
use crate::activity::{Action, ActivityChange};
use crate::event::{EventKind, FieldChange, TicketChanges};
use crate::ids::ActivityId;
use crate::policy::{self, Intent};
use crate::text::{Description, Topic};
use crate::ticket::{Priority, Status, Ticket};
use crate::user::{Actor, Assignee};

fn status_action(from: Status, to: Status) -> Action {
    match (from, to) {
        (_, Status::Closed) => Action::Closed,
        (_, Status::Resolved) => Action::Resolved,
        (Status::Resolved, _) => Action::Reopened,
        _ => Action::StatusChanged,
    }
}

/// Moves `ticket` to `to`, keeping `resolved_at` and `closed_at` consistent.
pub(super) fn move_status(ticket: &mut Ticket, to: Status, now: DateTime<Utc>) {
    match to {
        Status::Resolved => ticket.resolved_at = Some(now),
        Status::Closed => ticket.closed_at = Some(now),
        Status::Open | Status::InProgress => ticket.resolved_at = None,
    }
    ticket.status = to;
}

/// Applies `patch` to `ticket` on behalf of `actor`.
///
/// Fields whose new value equals the current one are ignored (and need no permission), so a
/// client may send back a whole ticket. For the fields that change, [`policy::may`] is asked for
/// each one's intent (`Edit`, `SetStatus`, `SetPriority`, `Assign`): first visibility and the
/// role's rights for every field (404, 403), then the closed state and the status move (409).
/// Then the assignee must be active staff, and `now` not before the ticket's last change.
/// On success the version grows by one and one entry is logged per kind of change, in the order
/// `updated`, status, priority, assignment, with one `ticket.updated` event holding every field
/// that changed; when nothing differs, the ticket comes back unchanged with no entries and no
/// events.
///
/// ```
/// use ticketing_domain::chrono::{Duration, TimeZone, Utc};
/// use ticketing_domain::policy::Refusal;
/// use ticketing_domain::*;
/// use uuid::Uuid;
/// let t0 = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
/// let owner = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
/// let mut n = 10u128;
/// let mut next_id = || { n += 1; ActivityId::from_uuid(Uuid::from_u128(n)) };
/// let new = NewTicket::new(
///     TicketId::from_uuid(Uuid::from_u128(3)),
///     Topic::parse("VPN").unwrap(),
///     Description::parse("down").unwrap(),
/// );
/// let ticket = change::open_ticket(&owner, new, t0, &mut next_id).ticket;
/// // An unchanged priority needs no permission; the new topic is logged.
/// let patch = TicketPatch {
///     topic: Some(Topic::parse("VPN down again").unwrap()),
///     priority: Some(Priority::Medium),
///     ..Default::default()
/// };
/// let t1 = t0 + Duration::minutes(1);
/// let applied = change::apply_patch(&owner, &ticket, &patch, t1, &mut next_id).unwrap();
/// assert_eq!(applied.ticket.version, 2);
/// assert_eq!(applied.activities[0].details, "Topic updated");
/// // In-progress tickets cannot go back to open.
/// let agent = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Agent };
/// let start = TicketPatch { status: Some(Status::InProgress), ..Default::default() };
/// let working = change::apply_patch(&agent, &applied.ticket, &start, t1, &mut next_id).unwrap();
/// let back = TicketPatch { status: Some(Status::Open), ..Default::default() };
/// assert_eq!(
///     change::apply_patch(&agent, &working.ticket, &back, t1, &mut next_id),
///     Err(ChangeError::Refused(Refusal::InvalidTransition {
///         from: Status::InProgress,
///         to: Status::Open,
///     })),
/// );
/// // Times never go backwards.
/// let earlier = TicketPatch { priority: Some(Priority::High), ..Default::default() };
/// assert!(matches!(
///     change::apply_patch(&agent, &working.ticket, &earlier, t0, &mut next_id),
///     Err(ChangeError::OutOfOrder { .. }),
/// ));
/// ```
pub fn apply_patch(
    actor: &Actor,
    ticket: &Ticket,
    patch: &TicketPatch,
    now: DateTime<Utc>,
    next_id: impl FnMut() -> ActivityId,
) -> Result<Applied, ChangeError> {
    policy::may(actor, ticket, Intent::View)?;
    let changes = Changes::of(ticket, patch);
    if changes.is_empty() {
        return Ok(Applied {
            ticket: ticket.clone(),
            activities: Vec::new(),
            events: Vec::new(),
            created: (),
        });
    }
    changes.check(actor, ticket, None)?;
    let mut draft = Draft::start(actor, ticket, now, next_id)?;
    let changed = changes.write(&mut draft);
    draft.emit(EventKind::TicketUpdated(changed), false);
    Ok(draft.finish(()))
}

/// The fields of a [`TicketPatch`] that differ from the ticket (equal values are no change).
pub(super) struct Changes<'p> {
    topic: Option<&'p Topic>,
    description: Option<&'p Description>,
    /// The status move, if any.
    pub(super) status: Option<Status>,
    priority: Option<Priority>,
    assignee: Option<&'p Option<Assignee>>,
}

impl<'p> Changes<'p> {
    /// What `patch` changes of `ticket`.
    pub(super) fn of(ticket: &Ticket, patch: &'p TicketPatch) -> Self {
        Self {
            topic: patch.topic.as_ref().filter(|t| **t != ticket.topic),
            description: patch
                .description
                .as_ref()
                .filter(|d| **d != ticket.description),
            status: patch.status.filter(|s| *s != ticket.status),
            priority: patch.priority.filter(|p| *p != ticket.priority),
            assignee: patch
                .assigned_to
                .as_ref()
                .filter(|a| a.as_ref().map(|u| u.id) != ticket.assigned_to),
        }
    }

    /// Whether nothing changes.
    pub(super) fn is_empty(&self) -> bool {
        self.intents().is_empty()
    }

    /// The intent of each kind of change.
    fn intents(&self) -> Vec<Intent> {
        [
            (self.topic.is_some() || self.description.is_some()).then_some(Intent::Edit),
            self.status.map(Intent::SetStatus),
            self.priority.map(|_| Intent::SetPriority),
            self.assignee.map(|_| Intent::Assign),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Asks [`policy::may`] for `first` (what comes with the changes, e.g. a reply) and every
    /// change: first visibility and the role's rights for all of them (404, 403), then the
    /// closed state and the status move (409); then the assignee must be active staff.
    pub(super) fn check(
        &self,
        actor: &Actor,
        ticket: &Ticket,
        first: Option<Intent>,
    ) -> Result<(), ChangeError> {
        let intents: Vec<Intent> = first.into_iter().chain(self.intents()).collect();
        for intent in &intents {
            policy::permitted(actor, ticket, *intent)?;
        }
        for intent in &intents {
            policy::may(actor, ticket, *intent)?;
        }
        if let Some(Some(user)) = self.assignee {
            if !policy::can_be_assigned(user.role) {
                return Err(ChangeError::AssigneeNotStaff);
            }
            if !user.active {
                return Err(ChangeError::AssigneeInactive);
            }
        }
        Ok(())
    }

    /// Applies the changes to `draft`, one entry per kind of change, in the order `updated`,
    /// status, priority, assignment; each but the edit carries its change as values. Returns what
    /// changed, for the `ticket.updated` event (the caller emits it, with whatever else changed
    /// the ticket).
    pub(super) fn write<F: FnMut() -> ActivityId>(self, draft: &mut Draft<'_, F>) -> TicketChanges {
        let now = draft.now;
        let mut changed = TicketChanges::default();
        let edited = match (self.topic, self.description) {
            (Some(_), Some(_)) => Some("Topic and description updated"),
            (Some(_), None) => Some("Topic updated"),
            (None, Some(_)) => Some("Description updated"),
            (None, None) => None,
        };
        if let Some(details) = edited {
            if let Some(t) = self.topic {
                changed.topic = Some(FieldChange::new(draft.ticket.topic.clone(), t.clone()));
                draft.ticket.topic = t.clone();
            }
            if let Some(d) = self.description {
                changed.description = Some(FieldChange::new(
                    draft.ticket.description.clone(),
                    d.clone(),
                ));
                draft.ticket.description = d.clone();
            }
            draft.log(Action::Updated, details.to_owned(), false);
        }
        if let Some(to) = self.status {
            let from = draft.ticket.status;
            changed.status = Some(FieldChange::new(from, to));
            move_status(&mut draft.ticket, to, now);
            draft.log_change(
                status_action(from, to),
                format!("Status changed from {from} to {to}"),
                false,
                Some(ActivityChange::Status { from, to }),
            );
        }
        if let Some(p) = self.priority {
            let from = draft.ticket.priority;
            changed.priority = Some(FieldChange::new(from, p));
            draft.ticket.priority = p;
            draft.log_change(
                Action::PriorityChanged,
                format!("Priority changed from {from} to {p}"),
                false,
                Some(ActivityChange::Priority { from, to: p }),
            );
        }
        if let Some(a) = self.assignee {
            let from = draft.ticket.assigned_to;
            let to = a.as_ref().map(|u| u.id);
            changed.assigned_to = Some(FieldChange::new(from, to));
            draft.ticket.assigned_to = to;
            let details = match a {
                Some(u) => format!("Ticket assigned to {}", u.username),
                None => "Ticket unassigned".to_owned(),
            };
            let change = ActivityChange::Assignee {
                from,
                to: draft.ticket.assigned_to,
            };
            draft.log_change(Action::AssignedToChanged, details, false, Some(change));
        }
        changed
    }
}
