//! Random sequences of changes by random actors, checked after every step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use uuid::Uuid;

use crate::activity::Action;
use crate::change::{self, Applied, ChangeError, NewMessage, TicketPatch};
use crate::event::Visibility;
use crate::ids::{ActivityId, MessageId, TicketId};
use crate::message::{Attachment, Message};
use crate::policy::{Refusal, sees_event};
use crate::testkit::{self, OTHER};
use crate::text::{Description, MessageBody, Topic};
use crate::ticket::{Priority, Status, Ticket};
use crate::user::{Actor, Assignee};

pub(super) fn actor(i: usize) -> Actor {
    match i % 4 {
        0 => testkit::owner(),
        1 => testkit::other_customer(),
        2 => testkit::agent(),
        _ => testkit::admin(),
    }
}

fn assignee(i: usize) -> Assignee {
    let user = match i % 4 {
        0 => testkit::agent_user(),
        1 => testkit::admin_user(),
        2 => testkit::customer_user(),
        _ => testkit::inactive_agent_user(),
    };
    Assignee::from(&user)
}

#[derive(Debug, Clone)]
pub(super) struct PatchSpec {
    topic: Option<usize>,
    description: Option<usize>,
    status: Option<Status>,
    priority: Option<Priority>,
    assigned_to: Option<Option<usize>>,
}

#[derive(Debug, Clone)]
enum Op {
    Patch(usize, PatchSpec),
    Message(usize, bool),
    Attach(usize, Option<Index>),
    Remove(usize, Index),
}

pub(super) fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

pub(super) fn patch() -> impl Strategy<Value = PatchSpec> {
    (
        prop::option::of(0..3usize),
        prop::option::of(0..3usize),
        prop::option::weighted(0.8, status()),
        prop::option::of(prop::sample::select(Priority::ALL.to_vec())),
        prop::option::of(prop::option::of(0..4usize)),
    )
        .prop_map(
            |(topic, description, status, priority, assigned_to)| PatchSpec {
                topic,
                description,
                status,
                priority,
                assigned_to,
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize, patch()).prop_map(|(a, p)| Op::Patch(a, p)),
        2 => (0..4usize, any::<bool>()).prop_map(|(a, i)| Op::Message(a, i)),
        1 => (0..4usize, prop::option::of(any::<Index>())).prop_map(|(a, m)| Op::Attach(a, m)),
        1 => (0..4usize, any::<Index>()).prop_map(|(a, i)| Op::Remove(a, i)),
    ]
}

pub(super) fn build(spec: &PatchSpec) -> TicketPatch {
    let topics = ["Printer on fire", "Printer fixed?", "Toner"];
    let descriptions = ["Smoke everywhere", "No smoke", "Line 1\nLine 2"];
    TicketPatch {
        topic: spec.topic.map(|i| Topic::parse(topics[i]).unwrap()),
        description: spec
            .description
            .map(|i| Description::parse(descriptions[i]).unwrap()),
        status: spec.status,
        priority: spec.priority,
        assigned_to: spec.assigned_to.map(|a| a.map(assignee)),
    }
}

/// What the simulation knows besides the ticket.
struct World {
    ticket: Ticket,
    messages: Vec<Message>,
    attachments: Vec<Attachment>,
    public: u32,
    internal: u32,
    next: u128,
}

impl World {
    fn ids(&mut self) -> impl FnMut() -> ActivityId + '_ {
        || {
            self.next += 1;
            ActivityId::from_uuid(Uuid::from_u128(self.next))
        }
    }
}

fn check_invariants(t: &Ticket) -> Result<(), TestCaseError> {
    match t.status {
        Status::Resolved => prop_assert!(t.resolved_at.is_some(), "{t:?}"),
        Status::Open | Status::InProgress => prop_assert!(t.resolved_at.is_none(), "{t:?}"),
        Status::Closed => {}
    }
    prop_assert_eq!(t.closed_at.is_some(), t.status == Status::Closed, "{:?}", t);
    prop_assert!(t.version >= 1);
    prop_assert!(t.updated_at >= t.created_at);
    // What customers see never runs ahead of the full version and time.
    prop_assert!(1 <= t.public_version && t.public_version <= t.version);
    prop_assert!(t.created_at <= t.public_updated_at && t.public_updated_at <= t.updated_at);
    prop_assert!(t.deleted_at.is_none());
    Ok(())
}

/// The checks every step must pass, whatever happened.
fn check_step<T>(
    before: &Ticket,
    result: &Result<Applied<T>, ChangeError>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), TestCaseError> {
    let applied = match result {
        Err(e) => {
            // Another customer learns nothing about the ticket.
            if actor.id == OTHER {
                prop_assert_eq!(e, &ChangeError::Refused(Refusal::NotVisible));
            }
            return Ok(());
        }
        Ok(a) => a,
    };
    prop_assert!(actor.id != OTHER, "another customer changed the ticket");
    let after = &applied.ticket;
    // (a) Closed is final: nothing about a closed ticket changes.
    if before.is_closed() {
        prop_assert_eq!(after, before);
        prop_assert!(applied.activities.is_empty());
    }
    // (b) A change comes with entries; no entries, no change.
    if applied.activities.is_empty() {
        prop_assert_eq!(after, before);
        prop_assert!(!applied.changed());
    } else {
        // (c) Exactly one version per change.
        prop_assert_eq!(after.version, before.version + 1);
        prop_assert_eq!(after.updated_at, now);
        // (d) The public version and time move exactly with changes customers can see (an
        // entry that is not internal); staff-only changes leave them alone.
        if applied.activities.iter().any(|e| !e.internal) {
            prop_assert_eq!(after.public_version, before.public_version + 1);
            prop_assert_eq!(after.public_updated_at, now);
        } else {
            prop_assert_eq!(after.public_version, before.public_version);
            prop_assert_eq!(after.public_updated_at, before.public_updated_at);
        }
    }
    if after.version > before.version {
        prop_assert!(!applied.activities.is_empty());
    }
    prop_assert!(after.version - before.version <= 1);
    // What never changes.
    prop_assert_eq!(after.id, before.id);
    prop_assert_eq!(after.owner, before.owner);
    prop_assert_eq!(after.created_at, before.created_at);
    // The customer never takes a staff decision.
    if !actor.is_staff() {
        prop_assert_eq!(after.priority, before.priority);
        prop_assert_eq!(after.assigned_to, before.assigned_to);
        prop_assert!(
            after.status == before.status || matches!(after.status, Status::Open | Status::Closed),
            "{:?} -> {:?} by a customer",
            before.status,
            after.status
        );
    }
    if after.status != before.status {
        prop_assert!(before.status.can_move_to(after.status));
        let details = format!("Status changed from {} to {}", before.status, after.status);
        let moves: Vec<_> = applied
            .activities
            .iter()
            .filter(|e| e.details == details)
            .map(|e| e.action)
            .collect();
        let want = match (before.status, after.status) {
            (_, Status::Closed) => Action::Closed,
            (_, Status::Resolved) => Action::Resolved,
            (Status::Resolved, _) => Action::Reopened,
            _ => Action::StatusChanged,
        };
        prop_assert_eq!(moves, vec![want]);
    }
    for e in &applied.activities {
        prop_assert_eq!(e.ticket_id, before.id);
        prop_assert_eq!(e.performed_by, actor.id);
        prop_assert_eq!(e.created_at, now);
    }
    // (e) Events come with the change and agree with its log: a change has events, no change
    // none; customers (the owner) are told exactly when an entry is public; each event is
    // about this ticket, by this actor, at this time.
    prop_assert_eq!(applied.events.is_empty(), applied.activities.is_empty());
    let public_entry = applied.activities.iter().any(|e| !e.internal);
    let owner = testkit::owner();
    let owner_told = applied.events.iter().any(|e| sees_event(&owner, e));
    prop_assert_eq!(owner_told, public_entry);
    for e in &applied.events {
        prop_assert_eq!(e.ticket_id, Some(before.id));
        prop_assert_eq!(e.owner, Some(before.owner));
        prop_assert_eq!(e.actor, Some(actor.id));
        prop_assert_eq!(e.at, now);
        prop_assert!(e.visibility != Visibility::Admin);
        prop_assert!(!sees_event(&testkit::other_customer(), e));
        prop_assert!(sees_event(&testkit::agent(), e));
    }
    check_invariants(after)
}

fn step(w: &mut World, op: &Op, n: i64) -> Result<(), TestCaseError> {
    let now = testkit::t0() + Duration::minutes(n);
    let before = w.ticket.clone();
    match op {
        Op::Patch(a, spec) => {
            let actor = actor(*a);
            let ticket = w.ticket.clone();
            let r = change::apply_patch(&actor, &ticket, &build(spec), now, w.ids());
            check_step(&before, &r, &actor, now)?;
            if let Ok(a) = r {
                w.ticket = a.ticket;
            }
        }
        Op::Message(a, internal) => {
            let actor = actor(*a);
            let ticket = w.ticket.clone();
            let id = MessageId::from_uuid(Uuid::from_u128(10_000 + n as u128));
            let body = MessageBody::parse("reply").unwrap();
            let new = NewMessage {
                id,
                body,
                internal: *internal,
            };
            let r = change::add_message(&actor, &ticket, new, now, w.ids());
            check_step(&before, &r, &actor, now)?;
            if let Ok(a) = r {
                let m = a.created.clone();
                prop_assert!(!before.is_closed());
                if m.internal {
                    w.internal += 1;
                } else {
                    w.public += 1;
                }
                let first = &a.activities[0];
                prop_assert_eq!(first.internal, m.internal);
                prop_assert_eq!(
                    first.action,
                    if m.internal {
                        Action::InternalNoteAdded
                    } else {
                        Action::MessageAdded
                    }
                );
                w.ticket = a.ticket;
                w.messages.push(m);
            }
        }
        Op::Attach(a, message) => {
            let actor = actor(*a);
            let ticket = w.ticket.clone();
            let message = message
                .filter(|_| !w.messages.is_empty())
                .map(|i| w.messages[i.index(w.messages.len())].clone());
            let new = testkit::new_attachment(20_000 + n as u128, "notes.txt");
            let r = change::add_attachment(&actor, &ticket, new, message.as_ref(), now, w.ids());
            check_step(&before, &r, &actor, now)?;
            if let Ok(a) = r {
                let att = a.created.clone();
                prop_assert_eq!(att.internal, message.is_some_and(|m| m.internal));
                prop_assert_eq!(a.activities.len(), 1);
                prop_assert_eq!(a.activities[0].internal, att.internal);
                w.ticket = a.ticket;
                w.attachments.push(att);
            }
        }
        Op::Remove(a, which) => {
            if w.attachments.is_empty() {
                return Ok(());
            }
            let actor = actor(*a);
            let ticket = w.ticket.clone();
            let i = which.index(w.attachments.len());
            let att = w.attachments[i].clone();
            let r = change::remove_attachment(&actor, &ticket, &att, now, w.ids());
            check_step(&before, &r, &actor, now)?;
            if let Ok(a) = r {
                prop_assert!(actor.is_staff() || att.uploaded_by == actor.id);
                w.ticket = a.ticket;
                w.attachments.remove(i);
            }
        }
    }
    prop_assert_eq!(w.ticket.message_count, w.public);
    prop_assert_eq!(w.ticket.internal_note_count, w.internal);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_changes_keep_the_rules(start in status(), ops in prop::collection::vec(op(), 1..40)) {
        let mut ticket = testkit::ticket(start);
        ticket.id = TicketId::from_uuid(Uuid::from_u128(0x100));
        let mut w = World {
            ticket,
            messages: Vec::new(),
            attachments: Vec::new(),
            public: 0,
            internal: 0,
            next: 0,
        };
        check_invariants(&w.ticket)?;
        let mut closed_at = None;
        for (n, op) in ops.iter().enumerate() {
            step(&mut w, op, n as i64 + 600)?;
            // Once closed, closed for good, with the same timestamp.
            if let Some(at) = closed_at {
                prop_assert_eq!(w.ticket.status, Status::Closed);
                prop_assert_eq!(w.ticket.closed_at, Some(at));
            } else if w.ticket.is_closed() {
                closed_at = w.ticket.closed_at;
            }
        }
    }
}
