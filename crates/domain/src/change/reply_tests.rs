//! A message with changes: `add_message_with_changes`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use uuid::Uuid;

use super::*;
use crate::message::Message;
use crate::policy::Rule;
use crate::testkit::*;
use crate::user::User;

const MID: MessageId = MessageId::from_uuid(Uuid::from_u128(50));

fn reply(internal: bool) -> NewMessage {
    new_message(MID, MessageBody::parse("Try again now").unwrap(), internal)
}

fn to(status: Status) -> TicketPatch {
    TicketPatch {
        status: Some(status),
        ..Default::default()
    }
}

fn actions(a: &Applied<Message>) -> Vec<(Action, &str, bool)> {
    a.activities
        .iter()
        .map(|e| (e.action, e.details.as_str(), e.internal))
        .collect()
}

#[test]
fn no_changes_is_add_message() {
    for (who, actor) in actors() {
        for status in Status::ALL {
            for internal in [false, true] {
                let t = ticket(status);
                assert_eq!(
                    add_message_with_changes(
                        &actor,
                        &t,
                        reply(internal),
                        &TicketPatch::default(),
                        now(),
                        ids()
                    ),
                    add_message(&actor, &t, reply(internal), now(), ids()),
                    "{who} {status} internal={internal}"
                );
            }
        }
    }
}

#[test]
fn staff_reply_and_resolve_is_one_change() {
    let before = ticket(Status::InProgress);
    let patch = TicketPatch {
        status: Some(Status::Resolved),
        priority: Some(Priority::High),
        assigned_to: Some(Some(assignee(&agent_user()))),
        ..Default::default()
    };
    let a =
        add_message_with_changes(&agent(), &before, reply(false), &patch, now(), ids()).unwrap();
    assert_eq!(
        actions(&a),
        [
            (Action::MessageAdded, "Message added", false),
            (
                Action::Resolved,
                "Status changed from in_progress to resolved",
                false
            ),
            (
                Action::PriorityChanged,
                "Priority changed from medium to high",
                false
            ),
            (Action::AssignedToChanged, "Ticket assigned to alice", false),
        ]
    );
    let ids_in_order: Vec<_> = a.activities.iter().map(|e| e.id).collect();
    let mut expected = ids();
    assert_eq!(ids_in_order, (0..4).map(|_| expected()).collect::<Vec<_>>());
    let t = &a.ticket;
    assert_eq!(t.version, before.version + 1);
    assert_eq!(t.public_version, before.public_version + 1);
    assert_eq!(t.status, Status::Resolved);
    assert_eq!(t.resolved_at, Some(now()));
    assert_eq!(t.priority, Priority::High);
    assert_eq!(t.assigned_to, Some(AGENT));
    assert_eq!(t.message_count, before.message_count + 1);
    assert_eq!(a.created.id, MID);
    assert!(a.created.is_staff_message && !a.created.internal);
}

#[test]
fn an_internal_note_with_a_status_change_shows_customers_only_the_change() {
    let before = ticket(Status::Open);
    let a = add_message_with_changes(
        &agent(),
        &before,
        reply(true),
        &to(Status::InProgress),
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(
        actions(&a),
        [
            (Action::InternalNoteAdded, "Internal note added", true),
            (
                Action::StatusChanged,
                "Status changed from open to in_progress",
                false
            ),
        ]
    );
    assert_eq!(a.ticket.internal_note_count, 1);
    assert_eq!(a.ticket.message_count, before.message_count);
    assert_eq!(a.ticket.public_version, before.public_version + 1);
}

#[test]
fn staff_may_answer_and_close_in_one_change() {
    let a = add_message_with_changes(
        &admin(),
        &ticket(Status::Resolved),
        reply(false),
        &to(Status::Closed),
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(a.ticket.status, Status::Closed);
    assert_eq!(a.ticket.closed_at, Some(now()));
    assert_eq!(
        actions(&a)[1],
        (
            Action::Closed,
            "Status changed from resolved to closed",
            false
        )
    );
}

#[test]
fn a_customer_closing_their_resolved_ticket_is_not_reopened_first() {
    let a = add_message_with_changes(
        &owner(),
        &ticket(Status::Resolved),
        reply(false),
        &to(Status::Closed),
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(
        actions(&a),
        [
            (Action::MessageAdded, "Message added", false),
            (
                Action::Closed,
                "Status changed from resolved to closed",
                false
            ),
        ]
    );
    // Naming the reopening explicitly gives the same as the automatic one.
    let explicit = add_message_with_changes(
        &owner(),
        &ticket(Status::Resolved),
        reply(false),
        &to(Status::Open),
        now(),
        ids(),
    )
    .unwrap();
    let automatic = add_message(
        &owner(),
        &ticket(Status::Resolved),
        reply(false),
        now(),
        ids(),
    );
    assert_eq!(explicit, automatic.unwrap());
    // "Keep it resolved" is no change: the customer's reply reopens it as always.
    let kept = add_message_with_changes(
        &owner(),
        &ticket(Status::Resolved),
        reply(false),
        &to(Status::Resolved),
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(kept.ticket.status, Status::Open);
}

#[test]
fn every_refusal_refuses_the_message_too() {
    let open = ticket(Status::Open);
    let priority = TicketPatch {
        priority: Some(Priority::Critical),
        ..Default::default()
    };
    let assign = |u: &User| TicketPatch {
        assigned_to: Some(Some(assignee(u))),
        ..Default::default()
    };
    let cases: Vec<(&str, Actor, Ticket, NewMessage, TicketPatch, ChangeError)> = vec![
        (
            "customer resolves",
            owner(),
            open.clone(),
            reply(false),
            to(Status::Resolved),
            ChangeError::Refused(Refusal::Forbidden(Rule::CustomersOnlyCloseOrReopen)),
        ),
        (
            "customer sets the priority",
            owner(),
            open.clone(),
            reply(false),
            priority.clone(),
            ChangeError::Refused(Refusal::Forbidden(Rule::PriorityIsStaffOnly)),
        ),
        (
            "customer assigns",
            owner(),
            open.clone(),
            reply(false),
            assign(&agent_user()),
            ChangeError::Refused(Refusal::Forbidden(Rule::AssignmentIsStaffOnly)),
        ),
        (
            "other customer",
            other_customer(),
            open.clone(),
            reply(false),
            to(Status::Closed),
            ChangeError::Refused(Refusal::NotVisible),
        ),
        (
            "invalid move",
            agent(),
            ticket(Status::InProgress),
            reply(false),
            to(Status::Open),
            ChangeError::Refused(Refusal::InvalidTransition {
                from: Status::InProgress,
                to: Status::Open,
            }),
        ),
        (
            "closed ticket",
            agent(),
            ticket(Status::Closed),
            reply(false),
            to(Status::Open),
            ChangeError::Refused(Refusal::Closed),
        ),
        (
            "customer as assignee",
            agent(),
            open.clone(),
            reply(true),
            assign(&customer_user()),
            ChangeError::AssigneeNotStaff,
        ),
        (
            "inactive assignee",
            agent(),
            open.clone(),
            reply(false),
            assign(&inactive_agent_user()),
            ChangeError::AssigneeInactive,
        ),
        // 403 before 409: a customer's forbidden field is named even when the move is invalid.
        (
            "customer note and invalid move",
            owner(),
            open.clone(),
            reply(true),
            to(Status::Open),
            ChangeError::Refused(Refusal::Forbidden(Rule::InternalNotesAreStaffOnly)),
        ),
        (
            "customer priority on a closed ticket",
            owner(),
            ticket(Status::Closed),
            reply(false),
            priority,
            ChangeError::Refused(Refusal::Forbidden(Rule::PriorityIsStaffOnly)),
        ),
    ];
    for (what, actor, t, new, patch, want) in cases {
        assert_eq!(
            add_message_with_changes(&actor, &t, new, &patch, now(), ids()),
            Err(want),
            "{what}"
        );
    }
}

#[test]
fn unchanged_fields_need_no_permission() {
    // A customer sends back the current priority and status with a reply.
    let t = ticket(Status::Open);
    let patch = TicketPatch {
        status: Some(Status::Open),
        priority: Some(t.priority),
        assigned_to: Some(None),
        ..Default::default()
    };
    let a = add_message_with_changes(&owner(), &t, reply(false), &patch, now(), ids()).unwrap();
    assert_eq!(
        actions(&a),
        [(Action::MessageAdded, "Message added", false)]
    );
}
