//! Messages, attachments and deletion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use uuid::Uuid;

use super::*;
use crate::message::{Attachment, LastPublicMessage, Message};
use crate::policy::Rule;
use crate::testkit::*;

fn activity(n: u128) -> ActivityId {
    ActivityId::from_uuid(Uuid::from_u128(n))
}

#[test]
fn customer_reply_reopens_a_resolved_ticket() {
    let resolved = ticket(Status::Resolved);
    let body = MessageBody::parse("Still broken").unwrap();
    let mid = MessageId::from_uuid(Uuid::from_u128(50));
    let (a, m) = split(
        add_message(
            &owner(),
            &resolved,
            new_message(mid, body.clone(), false),
            now(),
            ids(),
        )
        .unwrap(),
    );
    let mut want = resolved.clone();
    want.status = Status::Open;
    want.resolved_at = None;
    want.message_count = 1;
    want.version = 4;
    want.updated_at = now();
    want.public_version = 4;
    want.public_updated_at = now();
    want.last_public_message = Some(LastPublicMessage {
        author: OWNER,
        is_staff_message: false,
        created_at: now(),
    });
    assert_eq!(a.ticket, want);
    let got: Vec<_> = a
        .activities
        .iter()
        .map(|e| (e.id, e.action, e.details.as_str(), e.internal))
        .collect();
    assert_eq!(
        got,
        [
            (activity(1001), Action::MessageAdded, "Message added", false),
            (
                activity(1002),
                Action::Reopened,
                "Status changed from resolved to open",
                false
            ),
        ]
    );
    assert_eq!(a.activities[0].change, None);
    assert_eq!(
        a.activities[1].change,
        Some(ActivityChange::Status {
            from: Status::Resolved,
            to: Status::Open
        })
    );
    assert_eq!(
        m,
        Message {
            id: mid,
            ticket_id: TICKET,
            author: OWNER,
            body,
            is_staff_message: false,
            internal: false,
            created_at: now(),
        }
    );
}

#[test]
fn staff_reply_does_not_reopen() {
    let resolved = ticket(Status::Resolved);
    let mid = MessageId::from_uuid(Uuid::from_u128(50));
    for actor in [agent(), admin()] {
        for internal in [false, true] {
            let body = MessageBody::parse("Done?").unwrap();
            let (a, m) = split(
                add_message(
                    &actor,
                    &resolved,
                    new_message(mid, body, internal),
                    now(),
                    ids(),
                )
                .unwrap(),
            );
            assert_eq!(a.ticket.status, Status::Resolved);
            assert_eq!(a.ticket.resolved_at, resolved.resolved_at);
            assert_eq!(a.activities.len(), 1);
            assert!(m.is_staff_message);
            assert_eq!(m.internal, internal);
            // Who spoke last: a public reply, never an internal note.
            let last = (!internal).then_some(LastPublicMessage {
                author: actor.id,
                is_staff_message: true,
                created_at: now(),
            });
            assert_eq!(a.ticket.last_public_message, last);
        }
    }
}

#[test]
fn staff_reply_on_their_own_ticket_does_not_reopen() {
    let mut resolved = ticket(Status::Resolved);
    resolved.owner = AGENT;
    let mid = MessageId::from_uuid(Uuid::from_u128(50));
    let body = MessageBody::parse("Reminder").unwrap();
    let (a, _) = split(
        add_message(
            &agent(),
            &resolved,
            new_message(mid, body, false),
            now(),
            ids(),
        )
        .unwrap(),
    );
    assert_eq!(a.ticket.status, Status::Resolved);
    assert_eq!(a.activities.len(), 1);
}

#[test]
fn replies_on_other_statuses_do_not_move_the_ticket() {
    for status in [Status::Open, Status::InProgress] {
        let t = ticket(status);
        let body = MessageBody::parse("Any news?").unwrap();
        let mid = MessageId::from_uuid(Uuid::from_u128(50));
        let (a, _) =
            split(add_message(&owner(), &t, new_message(mid, body, false), now(), ids()).unwrap());
        assert_eq!(a.ticket.status, status);
        assert_eq!(a.activities.len(), 1);
        assert_eq!(a.activities[0].action, Action::MessageAdded);
    }
}

#[test]
fn internal_notes_and_counts() {
    let t = ticket(Status::Open);
    let mid = MessageId::from_uuid(Uuid::from_u128(50));
    let body = MessageBody::parse("Customer is VIP").unwrap();
    let (a, m) = split(
        add_message(
            &agent(),
            &t,
            new_message(mid, body.clone(), true),
            now(),
            ids(),
        )
        .unwrap(),
    );
    assert_eq!(a.ticket.internal_note_count, 1);
    assert_eq!(a.ticket.message_count, 0);
    assert_eq!(a.ticket.version, 4);
    assert_eq!(a.ticket.updated_at, now());
    assert_eq!(
        a.activities,
        vec![ActivityEntry {
            id: activity(1001),
            ticket_id: TICKET,
            action: Action::InternalNoteAdded,
            performed_by: AGENT,
            details: "Internal note added".to_owned(),
            change: None,
            internal: true,
            created_at: now(),
        }]
    );
    assert!(m.internal);
    let (b, _) = split(
        add_message(
            &agent(),
            &a.ticket,
            new_message(mid, body.clone(), false),
            now(),
            ids(),
        )
        .unwrap(),
    );
    assert_eq!(b.ticket.message_count, 1);
    assert_eq!(b.ticket.internal_note_count, 1);
    assert_eq!(b.ticket.version, 5);
    assert_eq!(b.activities[0].action, Action::MessageAdded);
    assert!(!b.activities[0].internal);
    let (c, _) = split(
        add_message(
            &owner(),
            &b.ticket,
            new_message(mid, body.clone(), false),
            now(),
            ids(),
        )
        .unwrap(),
    );
    // Two public messages and one note: customers see 2, staff 3.
    assert_eq!(c.ticket.visible_message_count(false), 2);
    assert_eq!(c.ticket.visible_message_count(true), 3);
    for (role, actor) in actors() {
        let want = match role {
            "agent" | "admin" => 3,
            _ => 2,
        };
        assert_eq!(
            c.ticket
                .visible_message_count(crate::policy::sees_internal(&actor)),
            want,
            "{role}"
        );
    }
    // Customers may not write internal notes; other customers do not see the ticket.
    assert_eq!(
        add_message(
            &owner(),
            &t,
            new_message(mid, body.clone(), true),
            now(),
            ids()
        ),
        Err(ChangeError::Refused(Refusal::Forbidden(
            Rule::InternalNotesAreStaffOnly
        )))
    );
    assert_eq!(
        add_message(
            &other_customer(),
            &t,
            new_message(mid, body.clone(), false),
            now(),
            ids()
        ),
        Err(ChangeError::Refused(Refusal::NotVisible))
    );
    assert_eq!(
        add_message(
            &agent(),
            &deleted(t),
            new_message(mid, body, false),
            now(),
            ids()
        ),
        Err(ChangeError::Refused(Refusal::NotVisible))
    );
}

#[test]
fn counts_saturate() {
    let mut t = ticket(Status::Open);
    t.message_count = u32::MAX;
    t.internal_note_count = u32::MAX;
    assert_eq!(t.visible_message_count(true), u32::MAX);
    let mid = MessageId::from_uuid(Uuid::from_u128(50));
    let body = MessageBody::parse("x").unwrap();
    let (a, _) =
        split(add_message(&agent(), &t, new_message(mid, body, false), now(), ids()).unwrap());
    assert_eq!(a.ticket.message_count, u32::MAX);
    let mut t = ticket(Status::Open);
    t.version = i64::MAX;
    let close = TicketPatch {
        status: Some(Status::Closed),
        ..TicketPatch::default()
    };
    let a = apply_patch(&agent(), &t, &close, now(), ids()).unwrap();
    assert_eq!(a.ticket.version, i64::MAX);
}

#[test]
fn check_attachment_rules() {
    let t = ticket(Status::Open);
    let public = message(60, TICKET, OWNER, false);
    let note = message(61, TICKET, AGENT, true);
    let elsewhere = message(62, OTHER_TICKET, OWNER, false);
    for (role, actor) in actors() {
        let staff = actor.is_staff();
        let visible = role != "other customer";
        let see = |r: Result<(), ChangeError>| {
            if visible {
                r
            } else {
                Err(ChangeError::Refused(Refusal::NotVisible))
            }
        };
        assert_eq!(check_attachment(&actor, &t, None), see(Ok(())), "{role}");
        assert_eq!(
            check_attachment(&actor, &t, Some(&public)),
            see(Ok(())),
            "{role}"
        );
        let note_ok = if staff {
            Ok(())
        } else {
            Err(ChangeError::MessageNotOnTicket)
        };
        assert_eq!(
            check_attachment(&actor, &t, Some(&note)),
            see(note_ok),
            "{role}"
        );
        assert_eq!(
            check_attachment(&actor, &t, Some(&elsewhere)),
            see(Err(ChangeError::MessageNotOnTicket)),
            "{role}"
        );
        assert_eq!(
            check_attachment(&actor, &deleted(t.clone()), None),
            Err(ChangeError::Refused(Refusal::NotVisible)),
            "{role}"
        );
    }
    // A wrong message is reported before the closed ticket.
    assert_eq!(
        check_attachment(&agent(), &ticket(Status::Closed), Some(&elsewhere)),
        Err(ChangeError::MessageNotOnTicket)
    );
    // Only the author or staff attach to a message: the owner may not attach to an agent's reply.
    let reply = message(63, TICKET, AGENT, false);
    let forbidden = Err(ChangeError::Refused(Refusal::Forbidden(
        Rule::AttachingIsForAuthorOrStaff,
    )));
    assert_eq!(check_attachment(&owner(), &t, Some(&reply)), forbidden);
    let new = new_attachment(70, "official-fix.exe");
    assert_eq!(
        add_attachment(&owner(), &t, new, Some(&reply), now(), ids()).map(drop),
        forbidden
    );
    assert_eq!(check_attachment(&agent(), &t, Some(&reply)), Ok(()));
    assert_eq!(check_attachment(&agent(), &t, Some(&public)), Ok(()));
}

#[test]
fn attachments_are_logged_and_inherit_internal() {
    let t = ticket(Status::InProgress);
    let note = message(61, TICKET, AGENT, true);
    let public = message(60, TICKET, OWNER, false);
    let cases = [
        (agent(), None, false),
        (agent(), Some(&note), true),
        (owner(), Some(&public), false),
        (owner(), None, false),
    ];
    for (actor, msg, internal) in cases {
        let (a, att) = split(
            add_attachment(
                &actor,
                &t,
                new_attachment(70, "../../crash report.txt"),
                msg,
                now(),
                ids(),
            )
            .unwrap(),
        );
        assert_eq!(
            att,
            Attachment {
                id: AttachmentId::from_uuid(Uuid::from_u128(70)),
                ticket_id: TICKET,
                message_id: msg.map(|m| m.id),
                filename: FileName::sanitize("crash report.txt"),
                content_type: "text/plain".to_owned(),
                file: new_attachment(70, "x").file,
                uploaded_by: actor.id,
                uploaded_at: now(),
                internal,
            }
        );
        let mut want = t.clone();
        want.version = 4;
        want.updated_at = now();
        // A file of an internal note changes nothing customers see.
        if !internal {
            want.public_version = 4;
            want.public_updated_at = now();
        }
        assert_eq!(a.ticket, want);
        assert_eq!(
            a.activities,
            vec![ActivityEntry {
                id: activity(1001),
                ticket_id: TICKET,
                action: Action::AttachmentAdded,
                performed_by: actor.id,
                details: "Attachment \"crash report.txt\" added".to_owned(),
                change: None,
                internal,
                created_at: now(),
            }]
        );

        let r = remove_attachment(&actor, &a.ticket, &att, now() + Duration::minutes(1), ids())
            .unwrap();
        assert_eq!(r.ticket.version, 5);
        assert_eq!(r.ticket.updated_at, now() + Duration::minutes(1));
        let public = if internal { 3 } else { 5 };
        assert_eq!(r.ticket.public_version, public);
        assert_eq!(
            r.activities,
            vec![ActivityEntry {
                id: activity(1001),
                ticket_id: TICKET,
                action: Action::AttachmentRemoved,
                performed_by: actor.id,
                details: "Attachment \"crash report.txt\" removed".to_owned(),
                change: None,
                internal,
                created_at: now() + Duration::minutes(1),
            }]
        );
    }
    // A customer cannot attach to an internal note they cannot see.
    assert_eq!(
        add_attachment(
            &owner(),
            &t,
            new_attachment(71, "a"),
            Some(&note),
            now(),
            ids()
        ),
        Err(ChangeError::MessageNotOnTicket)
    );
    // Nor remove another person's file, or anything on another ticket.
    let agents = attachment(72, TICKET, AGENT, false);
    assert_eq!(
        remove_attachment(&owner(), &t, &agents, now(), ids()),
        Err(ChangeError::Refused(Refusal::Forbidden(
            Rule::RemovalIsForUploaderOrStaff
        )))
    );
    let elsewhere = attachment(73, OTHER_TICKET, AGENT, false);
    assert_eq!(
        remove_attachment(&agent(), &t, &elsewhere, now(), ids()),
        Err(ChangeError::Refused(Refusal::NotVisible))
    );
}

#[test]
fn delete_is_staff_only_and_logged() {
    for status in Status::ALL {
        let t = ticket(status);
        for actor in [agent(), admin()] {
            let a = delete_ticket(&actor, &t, now(), ids()).unwrap();
            let mut want = t.clone();
            want.deleted_at = Some(now());
            want.version = 4;
            want.updated_at = now();
            want.public_version = 4;
            want.public_updated_at = now();
            assert_eq!(a.ticket, want);
            assert_eq!(
                a.activities,
                vec![ActivityEntry {
                    id: activity(1001),
                    ticket_id: TICKET,
                    action: Action::Deleted,
                    performed_by: actor.id,
                    details: "Ticket deleted".to_owned(),
                    change: None,
                    internal: false,
                    created_at: now(),
                }]
            );
            // Once deleted, it is gone for everyone, deleting again included.
            assert_eq!(
                delete_ticket(&actor, &a.ticket, now(), ids()),
                Err(ChangeError::Refused(Refusal::NotVisible))
            );
        }
        assert_eq!(
            delete_ticket(&owner(), &t, now(), ids()),
            Err(ChangeError::Refused(Refusal::Forbidden(
                Rule::DeletionIsStaffOnly
            )))
        );
        assert_eq!(
            delete_ticket(&other_customer(), &t, now(), ids()),
            Err(ChangeError::Refused(Refusal::NotVisible))
        );
    }
}

#[test]
fn only_changes_customers_see_move_the_public_version() {
    let t = ticket(Status::InProgress);
    let body = MessageBody::parse("Known outage").unwrap();
    let mid = MessageId::from_uuid(Uuid::from_u128(90));
    let later = now() + Duration::minutes(1);
    let (note, _) = split(
        add_message(
            &agent(),
            &t,
            new_message(mid, body.clone(), true),
            later,
            ids(),
        )
        .unwrap(),
    );
    assert_eq!((note.ticket.version, note.ticket.updated_at), (4, later));
    assert_eq!(
        (note.ticket.public_version, note.ticket.public_updated_at),
        (t.public_version, t.public_updated_at)
    );
    assert_eq!(note.ticket.version_seen(false), t.version_seen(false));
    assert_eq!(note.ticket.updated_at_seen(false), t.updated_at_seen(false));
    assert_eq!(note.ticket.version_seen(true), 4);
    let mid = MessageId::from_uuid(Uuid::from_u128(91));
    let (reply, _) = split(
        add_message(
            &agent(),
            &note.ticket,
            new_message(mid, body, false),
            later,
            ids(),
        )
        .unwrap(),
    );
    assert_eq!((reply.ticket.version, reply.ticket.public_version), (5, 4));
    assert_eq!(reply.ticket.public_updated_at, later);
}
