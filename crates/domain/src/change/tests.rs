#![allow(clippy::unwrap_used, clippy::expect_used)]

use uuid::Uuid;

use super::*;
use crate::policy::Rule;
use crate::testkit::*;
use crate::user::{Assignee, Role, User};

fn status_patch(to: Status) -> TicketPatch {
    TicketPatch {
        status: Some(to),
        ..TicketPatch::default()
    }
}

fn activity(n: u128) -> ActivityId {
    ActivityId::from_uuid(Uuid::from_u128(n))
}

/// What every status pair does for staff.
#[derive(Debug, Clone, Copy)]
enum Move {
    To(Action),
    Invalid,
    Closed,
    Same,
}

#[test]
fn every_status_pair_as_staff() {
    use Status::*;
    #[rustfmt::skip]
    let table = [
        (Open, Open, Move::Same),
        (Open, InProgress, Move::To(Action::StatusChanged)),
        (Open, Resolved, Move::To(Action::Resolved)),
        (Open, Closed, Move::To(Action::Closed)),
        (InProgress, Open, Move::Invalid),
        (InProgress, InProgress, Move::Same),
        (InProgress, Resolved, Move::To(Action::Resolved)),
        (InProgress, Closed, Move::To(Action::Closed)),
        (Resolved, Open, Move::To(Action::Reopened)),
        (Resolved, InProgress, Move::To(Action::Reopened)),
        (Resolved, Resolved, Move::Same),
        (Resolved, Closed, Move::To(Action::Closed)),
        (Closed, Open, Move::Closed),
        (Closed, InProgress, Move::Closed),
        (Closed, Resolved, Move::Closed),
        (Closed, Closed, Move::Same),
    ];
    assert_eq!(table.len(), 16);
    for actor in [agent(), admin()] {
        for (from, to, expected) in table {
            let before = ticket(from);
            let got = apply_patch(&actor, &before, &status_patch(to), now(), ids());
            let label = format!("{from} -> {to} by {}", actor.role);
            match expected {
                Move::Same => {
                    let a = got.expect(&label);
                    assert_eq!(a.ticket, before, "{label}");
                    assert!(a.activities.is_empty(), "{label}");
                    assert!(!a.changed(), "{label}");
                }
                Move::Invalid => assert_eq!(
                    got,
                    Err(ChangeError::Refused(Refusal::InvalidTransition {
                        from,
                        to
                    })),
                    "{label}"
                ),
                Move::Closed => {
                    assert_eq!(got, Err(ChangeError::Refused(Refusal::Closed)), "{label}")
                }
                Move::To(action) => {
                    assert!(from.can_move_to(to), "{label}");
                    let a = got.expect(&label);
                    let mut want = before.clone();
                    want.status = to;
                    want.version = 4;
                    want.updated_at = now();
                    want.public_version = 4;
                    want.public_updated_at = now();
                    match to {
                        Resolved => want.resolved_at = Some(now()),
                        Closed => want.closed_at = Some(now()),
                        Open | InProgress => want.resolved_at = None,
                    }
                    assert_eq!(a.ticket, want, "{label}");
                    assert_eq!(
                        a.activities,
                        vec![ActivityEntry {
                            id: activity(1001),
                            ticket_id: TICKET,
                            action,
                            performed_by: actor.id,
                            details: format!("Status changed from {from} to {to}"),
                            change: Some(ActivityChange::Status { from, to }),
                            internal: false,
                            created_at: now(),
                        }],
                        "{label}"
                    );
                }
            }
            // The state machine agrees with the table.
            let allowed = matches!(expected, Move::To(_));
            assert_eq!(from.can_move_to(to), allowed, "{label}");
        }
    }
}

#[test]
fn closing_a_resolved_ticket_keeps_resolved_at() {
    let before = ticket(Status::Resolved);
    let a = apply_patch(
        &agent(),
        &before,
        &status_patch(Status::Closed),
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(a.ticket.resolved_at, before.resolved_at);
    assert_eq!(a.ticket.closed_at, Some(now()));
}

#[test]
fn anything_on_a_closed_ticket_is_refused() {
    let closed = ticket(Status::Closed);
    let patches = [
        TicketPatch {
            topic: Some(Topic::parse("New").unwrap()),
            ..TicketPatch::default()
        },
        TicketPatch {
            description: Some(Description::parse("New").unwrap()),
            ..TicketPatch::default()
        },
        TicketPatch {
            priority: Some(Priority::High),
            ..TicketPatch::default()
        },
        TicketPatch {
            assigned_to: Some(Some(assignee(&agent_user()))),
            ..TicketPatch::default()
        },
    ];
    for patch in &patches {
        assert_eq!(
            apply_patch(&agent(), &closed, patch, now(), ids()),
            Err(ChangeError::Refused(Refusal::Closed)),
            "{patch:?}"
        );
    }
    // The owner may edit the topic of an open ticket, but not of a closed one; reopening is 409.
    assert_eq!(
        apply_patch(&owner(), &closed, &patches[0], now(), ids()),
        Err(ChangeError::Refused(Refusal::Closed))
    );
    assert_eq!(
        apply_patch(&owner(), &closed, &status_patch(Status::Open), now(), ids()),
        Err(ChangeError::Refused(Refusal::Closed))
    );
    // Permission comes first: a customer asking for a staff-only change gets 403, not 409.
    assert_eq!(
        apply_patch(&owner(), &closed, &patches[2], now(), ids()),
        Err(ChangeError::Refused(Refusal::Forbidden(
            Rule::PriorityIsStaffOnly
        )))
    );
    // Sending back the ticket's own values is not a change, even when closed.
    let same = TicketPatch {
        topic: Some(closed.topic.clone()),
        description: Some(closed.description.clone()),
        status: Some(Status::Closed),
        priority: Some(closed.priority),
        assigned_to: Some(None),
    };
    let a = apply_patch(&owner(), &closed, &same, now(), ids()).unwrap();
    assert_eq!(a.ticket, closed);
    assert!(a.activities.is_empty());

    let body = MessageBody::parse("hello?").unwrap();
    let msg = MessageId::from_uuid(Uuid::from_u128(7));
    for (role, actor) in [("owner", owner()), ("agent", agent())] {
        assert_eq!(
            add_message(
                &actor,
                &closed,
                new_message(msg, body.clone(), false),
                now(),
                ids()
            ),
            Err(ChangeError::Refused(Refusal::Closed)),
            "{role}"
        );
        assert_eq!(
            add_attachment(
                &actor,
                &closed,
                new_attachment(8, "a.txt"),
                None,
                now(),
                ids()
            ),
            Err(ChangeError::Refused(Refusal::Closed)),
            "{role}"
        );
        assert_eq!(
            check_attachment(&actor, &closed, None),
            Err(ChangeError::Refused(Refusal::Closed)),
            "{role}"
        );
        let mine = attachment(9, TICKET, actor.id, false);
        assert_eq!(
            remove_attachment(&actor, &closed, &mine, now(), ids()),
            Err(ChangeError::Refused(Refusal::Closed)),
            "{role}"
        );
    }
    assert_eq!(
        add_message(
            &agent(),
            &closed,
            new_message(msg, body, true),
            now(),
            ids()
        ),
        Err(ChangeError::Refused(Refusal::Closed))
    );
}

#[test]
fn open_ticket_starts_at_version_one() {
    let at = t0();
    let new = NewTicket::new(
        TICKET,
        Topic::parse("VPN").unwrap(),
        Description::parse("down").unwrap(),
    )
    .with_priority(Priority::Critical);
    let Applied {
        ticket: t,
        activities,
        events,
        created: (),
    } = open_ticket(&owner(), new, at, ids());
    assert_eq!(events.len(), 1);
    assert_eq!(
        t,
        Ticket {
            id: TICKET,
            number: 0,
            owner: OWNER,
            assigned_to: None,
            topic: Topic::parse("VPN").unwrap(),
            description: Description::parse("down").unwrap(),
            status: Status::Open,
            priority: Priority::Critical,
            created_at: at,
            updated_at: at,
            public_updated_at: at,
            resolved_at: None,
            closed_at: None,
            version: 1,
            public_version: 1,
            message_count: 0,
            internal_note_count: 0,
            last_public_message: None,
            deleted_at: None,
        }
    );
    assert_eq!(
        activities,
        [ActivityEntry {
            id: activity(1001),
            ticket_id: TICKET,
            action: Action::Created,
            performed_by: OWNER,
            details: "Ticket created".to_owned(),
            change: None,
            internal: false,
            created_at: at,
        }]
    );
    let new = NewTicket::new(TICKET, t.topic, t.description);
    let t = open_ticket(&agent(), new, at, ids()).ticket;
    assert_eq!(t.priority, Priority::Medium);
    assert_eq!(t.owner, AGENT);
}

#[test]
fn topic_and_description_edits() {
    let before = ticket(Status::Open);
    let topic = Topic::parse("Toner low").unwrap();
    let description = Description::parse("Line 1\nLine 2").unwrap();
    let cases = [
        (Some(topic.clone()), None, "Topic updated"),
        (None, Some(description.clone()), "Description updated"),
        (
            Some(topic.clone()),
            Some(description.clone()),
            "Topic and description updated",
        ),
    ];
    for (topic, description, details) in cases {
        let patch = TicketPatch {
            topic: topic.clone(),
            description: description.clone(),
            ..TicketPatch::default()
        };
        let a = apply_patch(&owner(), &before, &patch, now(), ids()).unwrap();
        assert_eq!(a.activities.len(), 1);
        assert_eq!(a.activities[0].action, Action::Updated);
        assert_eq!(a.activities[0].details, details);
        assert_eq!(a.activities[0].performed_by, OWNER);
        assert_eq!(a.ticket.topic, topic.unwrap_or(before.topic.clone()));
        assert_eq!(
            a.ticket.description,
            description.unwrap_or(before.description.clone())
        );
        assert_eq!(a.ticket.version, 4);
        assert_eq!(a.ticket.updated_at, now());
    }
}

#[test]
fn assignment() {
    let open = ticket(Status::Open);
    let assign = |u: Option<User>| TicketPatch {
        assigned_to: Some(u.as_ref().map(Assignee::from)),
        ..TicketPatch::default()
    };
    let a = apply_patch(&admin(), &open, &assign(Some(agent_user())), now(), ids()).unwrap();
    assert_eq!(a.ticket.assigned_to, Some(AGENT));
    assert_eq!(a.ticket.version, 4);
    assert_eq!(a.activities.len(), 1);
    assert_eq!(a.activities[0].action, Action::AssignedToChanged);
    assert_eq!(a.activities[0].details, "Ticket assigned to alice");
    assert_eq!(a.activities[0].performed_by, ADMIN);

    // Admins can be assigned too; reassigning is one entry.
    let b = apply_patch(
        &agent(),
        &a.ticket,
        &assign(Some(admin_user())),
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(b.ticket.assigned_to, Some(ADMIN));
    assert_eq!(b.activities[0].details, "Ticket assigned to root");
    assert_eq!(b.ticket.version, 5);

    let c = apply_patch(&agent(), &b.ticket, &assign(None), now(), ids()).unwrap();
    assert_eq!(c.ticket.assigned_to, None);
    assert_eq!(c.activities.len(), 1);
    assert_eq!(c.activities[0].action, Action::AssignedToChanged);
    assert_eq!(c.activities[0].details, "Ticket unassigned");

    // Assigning the current assignee again is no change (compared by id).
    let again = apply_patch(
        &agent(),
        &a.ticket,
        &assign(Some(agent_user())),
        now(),
        ids(),
    )
    .unwrap();
    assert!(again.activities.is_empty());
    assert_eq!(again.ticket, a.ticket);

    assert_eq!(
        apply_patch(
            &agent(),
            &open,
            &assign(Some(customer_user())),
            now(),
            ids()
        ),
        Err(ChangeError::AssigneeNotStaff)
    );
    assert_eq!(
        apply_patch(
            &agent(),
            &open,
            &assign(Some(inactive_agent_user())),
            now(),
            ids()
        ),
        Err(ChangeError::AssigneeInactive)
    );
    // An inactive customer is refused for being a customer first.
    let inactive_customer = user(OTHER, "carol", Role::Customer, false);
    assert_eq!(
        apply_patch(
            &agent(),
            &open,
            &assign(Some(inactive_customer)),
            now(),
            ids()
        ),
        Err(ChangeError::AssigneeNotStaff)
    );
}

#[test]
fn several_fields_give_several_entries_in_order() {
    let before = ticket(Status::Open);
    let patch = TicketPatch {
        topic: Some(Topic::parse("Printer still on fire").unwrap()),
        description: None,
        status: Some(Status::InProgress),
        priority: Some(Priority::Critical),
        assigned_to: Some(Some(assignee(&agent_user()))),
    };
    let a = apply_patch(&agent(), &before, &patch, now(), ids()).unwrap();
    let got: Vec<_> = a
        .activities
        .iter()
        .map(|e| (e.id, e.action, e.details.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (activity(1001), Action::Updated, "Topic updated"),
            (
                activity(1002),
                Action::StatusChanged,
                "Status changed from open to in_progress"
            ),
            (
                activity(1003),
                Action::PriorityChanged,
                "Priority changed from medium to critical"
            ),
            (
                activity(1004),
                Action::AssignedToChanged,
                "Ticket assigned to alice"
            ),
        ]
    );
    assert!(a.activities.iter().all(|e| e.ticket_id == TICKET
        && e.performed_by == AGENT
        && e.created_at == now()
        && !e.internal));
    // One change, one version, however many fields.
    assert_eq!(a.ticket.version, 4);
    assert_eq!(a.ticket.status, Status::InProgress);
    assert_eq!(a.ticket.priority, Priority::Critical);
    assert_eq!(a.ticket.assigned_to, Some(AGENT));
    assert_eq!(a.ticket.topic.as_str(), "Printer still on fire");

    // A failing part refuses the whole patch.
    let mut bad = patch.clone();
    bad.assigned_to = Some(Some(assignee(&customer_user())));
    assert_eq!(
        apply_patch(&agent(), &before, &bad, now(), ids()),
        Err(ChangeError::AssigneeNotStaff)
    );
}

#[test]
fn equal_values_are_ignored() {
    let before = ticket(Status::Open);
    // A customer sends back the whole ticket with a new topic: the unchanged staff-only fields
    // need no permission.
    let patch = TicketPatch {
        topic: Some(Topic::parse("Printer smoking").unwrap()),
        description: Some(before.description.clone()),
        status: Some(before.status),
        priority: Some(before.priority),
        assigned_to: Some(None),
    };
    let a = apply_patch(&owner(), &before, &patch, now(), ids()).unwrap();
    assert_eq!(a.activities.len(), 1);
    assert_eq!(a.activities[0].details, "Topic updated");
    // Nothing but equal values: no change at all.
    let same = TicketPatch {
        topic: Some(before.topic.clone()),
        priority: Some(Priority::Medium),
        ..TicketPatch::default()
    };
    let a = apply_patch(&owner(), &before, &same, now(), ids()).unwrap();
    assert_eq!(a.ticket, before);
    assert!(a.activities.is_empty());
    // An empty patch too.
    let a = apply_patch(&agent(), &before, &TicketPatch::default(), now(), ids()).unwrap();
    assert_eq!(
        a,
        Applied {
            ticket: before,
            activities: vec![],
            events: vec![],
            created: (),
        }
    );
}

fn new_ticket() -> NewTicket {
    NewTicket::new(
        TICKET,
        Topic::parse("Printer jam").unwrap(),
        Description::parse("Called in").unwrap(),
    )
}

/// Staff open tickets for anyone active; the ticket is the requester's, the entry the actor's.
#[test]
fn staff_open_a_ticket_for_someone_else() {
    let carol = customer_user();
    for actor in [agent(), admin()] {
        let applied = open_ticket_for(&actor, &carol, new_ticket(), now(), ids()).unwrap();
        assert_eq!(applied.ticket.owner, carol.id);
        assert_eq!(applied.activities.len(), 1);
        let entry = &applied.activities[0];
        assert_eq!(entry.action, Action::Created);
        assert_eq!(entry.performed_by, actor.id);
        assert_eq!(entry.details, "Ticket created for carol");
        assert!(!entry.internal);
        // The rest is what opening it oneself gives.
        let own = open_ticket(&actor, new_ticket(), now(), ids());
        assert_eq!(
            Ticket {
                owner: actor.id,
                ..applied.ticket.clone()
            },
            own.ticket
        );
    }
    // Staff may open one for another staff member too.
    let applied = open_ticket_for(&agent(), &admin_user(), new_ticket(), now(), ids()).unwrap();
    assert_eq!(applied.ticket.owner, ADMIN);
}

/// Opening for oneself is `open_ticket`, for everyone; a customer may not open for anyone else
/// (whatever the account), and nobody for a deactivated account.
#[test]
fn open_ticket_for_refusals() {
    let me = user(OWNER, "owner", Role::Customer, true);
    let own = open_ticket_for(&owner(), &me, new_ticket(), now(), ids()).unwrap();
    assert_eq!(own, open_ticket(&owner(), new_ticket(), now(), ids()));
    for requester in [customer_user(), agent_user(), inactive_agent_user()] {
        assert_eq!(
            open_ticket_for(&owner(), &requester, new_ticket(), now(), ids()),
            Err(ChangeError::Refused(Refusal::Forbidden(
                Rule::OpeningForOthersIsStaffOnly
            )))
        );
    }
    let gone = user(OTHER, "gone", Role::Customer, false);
    let err = open_ticket_for(&agent(), &gone, new_ticket(), now(), ids()).unwrap_err();
    assert_eq!(err, ChangeError::RequesterInactive);
    assert_eq!((err.http_status(), err.field()), (400, Some("requester")));
}

/// Each entry of a patch carries its change as values; edits carry none.
#[test]
fn entries_carry_what_they_changed() {
    let mut before = ticket(Status::Open);
    before.assigned_to = Some(ADMIN);
    let patch = TicketPatch {
        topic: Some(Topic::parse("New subject").unwrap()),
        status: Some(Status::InProgress),
        priority: Some(Priority::Critical),
        assigned_to: Some(Some(assignee(&agent_user()))),
        ..TicketPatch::default()
    };
    let a = apply_patch(&agent(), &before, &patch, now(), ids()).unwrap();
    let changes: Vec<_> = a.activities.iter().map(|e| (e.action, e.change)).collect();
    assert_eq!(
        changes,
        [
            (Action::Updated, None),
            (
                Action::StatusChanged,
                Some(ActivityChange::Status {
                    from: Status::Open,
                    to: Status::InProgress
                })
            ),
            (
                Action::PriorityChanged,
                Some(ActivityChange::Priority {
                    from: before.priority,
                    to: Priority::Critical
                })
            ),
            (
                Action::AssignedToChanged,
                Some(ActivityChange::Assignee {
                    from: Some(ADMIN),
                    to: Some(AGENT)
                })
            ),
        ]
    );
    let unassign = TicketPatch {
        assigned_to: Some(None),
        ..TicketPatch::default()
    };
    let b = apply_patch(&agent(), &a.ticket, &unassign, now(), ids()).unwrap();
    assert_eq!(
        b.activities[0].change,
        Some(ActivityChange::Assignee {
            from: Some(AGENT),
            to: None
        })
    );
    let opened = open_ticket_for(&agent(), &customer_user(), new_ticket(), now(), ids()).unwrap();
    assert_eq!(
        opened.activities[0].change,
        Some(ActivityChange::Requester { requester: OTHER })
    );
    assert_eq!(
        open_ticket(&agent(), new_ticket(), now(), ids()).activities[0].change,
        None
    );
}
