//! The errors of changes: their codes and fields, and the refusal of a `now` before the ticket's
//! last change (times of a ticket never go backwards).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use uuid::Uuid;

use super::*;
use crate::policy::Rule;
use crate::testkit::*;

fn every_change(t: &Ticket, now: DateTime<Utc>) -> Vec<(&'static str, Result<(), ChangeError>)> {
    let patch = TicketPatch {
        priority: Some(Priority::High),
        ..TicketPatch::default()
    };
    let body = MessageBody::parse("late").unwrap();
    let mid = MessageId::from_uuid(Uuid::from_u128(90));
    let mine = attachment(91, TICKET, AGENT, false);
    vec![
        (
            "patch",
            apply_patch(&agent(), t, &patch, now, ids()).map(drop),
        ),
        (
            "message",
            add_message(&agent(), t, new_message(mid, body, false), now, ids()).map(drop),
        ),
        (
            "attach",
            add_attachment(&agent(), t, new_attachment(92, "a"), None, now, ids()).map(drop),
        ),
        (
            "remove",
            remove_attachment(&agent(), t, &mine, now, ids()).map(drop),
        ),
        ("delete", delete_ticket(&agent(), t, now, ids()).map(drop)),
    ]
}

#[test]
fn a_change_before_the_last_one_is_refused() {
    let t = ticket(Status::Open);
    let early = t.updated_at - Duration::microseconds(1);
    for (what, result) in every_change(&t, early) {
        assert_eq!(
            result,
            Err(ChangeError::OutOfOrder {
                now: early,
                updated_at: t.updated_at,
            }),
            "{what}"
        );
    }
    // The same instant is fine (two changes within one clock tick).
    for (what, result) in every_change(&t, t.updated_at) {
        assert_eq!(result, Ok(()), "{what}");
    }
}

#[test]
fn the_policy_answers_before_the_time() {
    let t = ticket(Status::Open);
    let early = t.updated_at - Duration::hours(1);
    let patch = TicketPatch {
        priority: Some(Priority::High),
        ..TicketPatch::default()
    };
    assert_eq!(
        apply_patch(&owner(), &t, &patch, early, ids()),
        Err(ChangeError::Refused(Refusal::Forbidden(
            Rule::PriorityIsStaffOnly
        )))
    );
    // A patch that changes nothing is no change, whatever its time.
    let same = TicketPatch {
        priority: Some(t.priority),
        ..TicketPatch::default()
    };
    assert!(
        !apply_patch(&agent(), &t, &same, early, ids())
            .unwrap()
            .changed()
    );
}

#[test]
fn error_messages_codes_and_fields() {
    let t = now();
    let cases = [
        (
            ChangeError::Refused(Refusal::NotVisible),
            "ticket not found",
            "not_found",
            None,
        ),
        (
            ChangeError::Refused(Refusal::Forbidden(Rule::AssignmentIsStaffOnly)),
            "only staff may assign tickets",
            "forbidden",
            None,
        ),
        (
            ChangeError::Refused(Refusal::Closed),
            "the ticket is closed; it can no longer be changed",
            "ticket_closed",
            None,
        ),
        (
            ChangeError::Refused(Refusal::InvalidTransition {
                from: Status::InProgress,
                to: Status::Open,
            }),
            "cannot move a ticket from in_progress to open",
            "conflict",
            Some("status"),
        ),
        (
            ChangeError::AssigneeNotStaff,
            "tickets can only be assigned to agents or admins",
            "validation_failed",
            Some("assigned_to"),
        ),
        (
            ChangeError::AssigneeInactive,
            "the assignee's account is deactivated",
            "validation_failed",
            Some("assigned_to"),
        ),
        (
            ChangeError::MessageNotOnTicket,
            "no such message on this ticket",
            "validation_failed",
            Some("message_id"),
        ),
        (
            ChangeError::OutOfOrder {
                now: t0(),
                updated_at: t,
            },
            "the change is dated 2024-05-01 09:00:00 UTC, before the ticket's last change at \
             2024-05-01 14:00:00 UTC",
            "conflict",
            None,
        ),
    ];
    for (e, text, code, field) in cases {
        assert_eq!(e.to_string(), text);
        assert_eq!(e.code().as_str(), code, "{e:?}");
        assert_eq!(e.http_status(), e.code().http_status(), "{e:?}");
        assert_eq!(e.field(), field, "{e:?}");
    }
}
