#![allow(clippy::unwrap_used, clippy::expect_used)]

use uuid::Uuid;

use super::*;
use crate::change::{self, TicketPatch};
use crate::ids::MessageId;
use crate::policy::sees_event;
use crate::testkit::*;
use crate::text::MessageBody;
use crate::ticket::Status;
use crate::user::{Actor, Role};

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::type_name).collect()
}

#[test]
fn opening_a_ticket_is_one_public_event_about_it() {
    let new = crate::change::NewTicket::new(
        TICKET,
        Topic::parse("VPN").unwrap(),
        Description::parse("down").unwrap(),
    );
    let applied = change::open_ticket(&owner(), new, t0(), ids());
    assert_eq!(kinds(&applied.events), ["ticket.created"]);
    let e = &applied.events[0];
    assert_eq!(
        (e.ticket_id, e.owner, e.actor, e.at, e.visibility),
        (
            Some(TICKET),
            Some(OWNER),
            Some(OWNER),
            t0(),
            Visibility::Public
        )
    );
    let EventKind::TicketCreated(opened) = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(
        (opened.topic.as_str(), opened.status, opened.owner),
        ("VPN", Status::Open, OWNER)
    );
}

#[test]
fn a_patch_is_one_event_with_every_field_that_changed() {
    let t = ticket(Status::Open);
    let bob = agent_user();
    let patch = TicketPatch {
        topic: Some(Topic::parse("Printer still on fire").unwrap()),
        status: Some(Status::InProgress),
        priority: Some(crate::Priority::Critical),
        assigned_to: Some(Some(assignee(&bob))),
        ..Default::default()
    };
    let applied = change::apply_patch(&agent(), &t, &patch, now(), ids()).unwrap();
    assert_eq!(applied.activities.len(), 4);
    assert_eq!(kinds(&applied.events), ["ticket.updated"]);
    let e = &applied.events[0];
    assert_eq!(
        (e.actor, e.owner, e.visibility),
        (Some(AGENT), Some(OWNER), Visibility::Public)
    );
    let EventKind::TicketUpdated(c) = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(
        c.topic,
        Some(FieldChange::new(
            Topic::parse("Printer on fire").unwrap(),
            Topic::parse("Printer still on fire").unwrap()
        ))
    );
    assert_eq!(
        c.status,
        Some(FieldChange::new(Status::Open, Status::InProgress))
    );
    assert_eq!(
        c.priority,
        Some(FieldChange::new(
            crate::Priority::Medium,
            crate::Priority::Critical
        ))
    );
    assert_eq!(c.assigned_to, Some(FieldChange::new(None, Some(AGENT))));
    assert_eq!(c.description, None);

    // Nothing changed: no event.
    let same = TicketPatch {
        status: Some(Status::Open),
        ..Default::default()
    };
    let applied = change::apply_patch(&owner(), &t, &same, now(), ids()).unwrap();
    assert!(applied.events.is_empty() && applied.activities.is_empty());
}

#[test]
fn deleting_is_a_public_event() {
    let applied = change::delete_ticket(&agent(), &ticket(Status::Closed), now(), ids()).unwrap();
    assert_eq!(kinds(&applied.events), ["ticket.deleted"]);
    assert_eq!(applied.events[0].visibility, Visibility::Public);
}

#[test]
fn an_internal_note_is_a_staff_only_event_and_a_reply_a_public_one() {
    let t = ticket(Status::Open);
    let body = MessageBody::parse("Known outage").unwrap();
    let id = MessageId::from_uuid(Uuid::from_u128(77));
    let note = change::add_message(
        &agent(),
        &t,
        new_message(id, body.clone(), true),
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(kinds(&note.events), ["message.created"]);
    assert_eq!(note.events[0].visibility, Visibility::Staff);
    let EventKind::MessageCreated(m) = &note.events[0].kind else {
        panic!()
    };
    assert_eq!(
        (m.message_id, m.author, m.internal, m.is_staff_message),
        (id, AGENT, true, true)
    );
    assert_eq!(m.body, body);

    let reply =
        change::add_message(&agent(), &t, new_message(id, body, false), now(), ids()).unwrap();
    assert_eq!(reply.events[0].visibility, Visibility::Public);
}

#[test]
fn a_reply_that_reopens_also_tells_of_the_status_move() {
    let t = ticket(Status::Resolved);
    let id = MessageId::from_uuid(Uuid::from_u128(78));
    let body = MessageBody::parse("Still broken").unwrap();
    let applied =
        change::add_message(&owner(), &t, new_message(id, body, false), now(), ids()).unwrap();
    assert_eq!(
        kinds(&applied.events),
        ["message.created", "ticket.updated"]
    );
    let EventKind::TicketUpdated(c) = &applied.events[1].kind else {
        panic!()
    };
    assert_eq!(
        c.status,
        Some(FieldChange::new(Status::Resolved, Status::Open))
    );
    assert!(
        applied
            .events
            .iter()
            .all(|e| e.visibility == Visibility::Public)
    );
}

#[test]
fn a_message_with_changes_tells_of_both_in_two_events() {
    let t = ticket(Status::Open);
    let id = MessageId::from_uuid(Uuid::from_u128(80));
    let bob = agent_user();
    // A note that assigns: the note is staff-only, the assignment public (as their entries).
    let assign = TicketPatch {
        assigned_to: Some(Some(assignee(&bob))),
        status: Some(Status::InProgress),
        ..Default::default()
    };
    let body = MessageBody::parse("mine").unwrap();
    let applied = change::add_message_with_changes(
        &agent(),
        &t,
        new_message(id, body, true),
        &assign,
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(
        kinds(&applied.events),
        ["message.created", "ticket.updated"]
    );
    let vis: Vec<Visibility> = applied.events.iter().map(|e| e.visibility).collect();
    assert_eq!(vis, [Visibility::Staff, Visibility::Public]);
    let EventKind::TicketUpdated(c) = &applied.events[1].kind else {
        panic!()
    };
    assert_eq!(c.assigned_to, Some(FieldChange::new(None, Some(AGENT))));
    assert_eq!(
        c.status,
        Some(FieldChange::new(Status::Open, Status::InProgress))
    );

    // A customer's reply to a resolved ticket that also edits the topic: the reopening and the
    // edit are one `ticket.updated`.
    let resolved = ticket(Status::Resolved);
    let edit = TicketPatch {
        topic: Some(Topic::parse("Still on fire").unwrap()),
        ..Default::default()
    };
    let body = MessageBody::parse("again").unwrap();
    let applied = change::add_message_with_changes(
        &owner(),
        &resolved,
        new_message(id, body, false),
        &edit,
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(
        kinds(&applied.events),
        ["message.created", "ticket.updated"]
    );
    let EventKind::TicketUpdated(c) = &applied.events[1].kind else {
        panic!()
    };
    assert_eq!(
        c.status,
        Some(FieldChange::new(Status::Resolved, Status::Open))
    );
    assert!(c.topic.is_some());

    // A plain message changes nothing else: one event.
    let body = MessageBody::parse("hello").unwrap();
    let applied = change::add_message_with_changes(
        &agent(),
        &t,
        new_message(id, body, false),
        &TicketPatch::default(),
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(kinds(&applied.events), ["message.created"]);
}

#[test]
fn files_of_internal_notes_are_staff_only_events_both_ways() {
    let t = ticket(Status::Open);
    let note = message(5, TICKET, AGENT, true);
    let added = change::add_attachment(
        &agent(),
        &t,
        new_attachment(9, "trace.log"),
        Some(&note),
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(kinds(&added.events), ["attachment.added"]);
    assert_eq!(added.events[0].visibility, Visibility::Staff);
    let EventKind::AttachmentAdded(a) = &added.events[0].kind else {
        panic!()
    };
    assert_eq!(
        (a.message_id, a.filename.as_str(), a.size, a.internal),
        (Some(note.id), "trace.log", 5, true)
    );

    let internal = attachment(9, TICKET, AGENT, true);
    let removed = change::remove_attachment(&agent(), &t, &internal, now(), ids()).unwrap();
    assert_eq!(kinds(&removed.events), ["attachment.removed"]);
    assert_eq!(removed.events[0].visibility, Visibility::Staff);

    let public = attachment(10, TICKET, OWNER, false);
    let removed = change::remove_attachment(&owner(), &t, &public, now(), ids()).unwrap();
    assert_eq!(removed.events[0].visibility, Visibility::Public);
    let added = change::add_attachment(
        &owner(),
        &t,
        new_attachment(11, "a.txt"),
        None,
        now(),
        ids(),
    )
    .unwrap();
    assert_eq!(added.events[0].visibility, Visibility::Public);
}

#[test]
fn every_event_of_a_change_has_an_entry_of_the_same_visibility() {
    // The log and the events agree on what customers may see.
    let t = ticket(Status::Resolved);
    let id = MessageId::from_uuid(Uuid::from_u128(79));
    for (actor, internal) in [(owner(), false), (agent(), true), (agent(), false)] {
        let body = MessageBody::parse("x").unwrap();
        let applied =
            change::add_message(&actor, &t, new_message(id, body, internal), now(), ids()).unwrap();
        let public_entries = applied.activities.iter().any(|a| !a.internal);
        let public_events = applied
            .events
            .iter()
            .any(|e| e.visibility == Visibility::Public);
        assert_eq!(
            public_entries, public_events,
            "{actor:?} internal={internal}"
        );
    }
}

fn event(visibility: Visibility, owner: Option<UserId>) -> Event {
    Event {
        kind: EventKind::TicketDeleted(TicketRemoved {}),
        ticket_id: owner.map(|_| TICKET),
        owner,
        actor: Some(AGENT),
        at: t0(),
        visibility,
    }
}

#[test]
fn who_is_told_of_what() {
    let cases = [
        // (visibility, owner, [owner, other customer, agent, admin])
        (Visibility::Public, Some(OWNER), [true, false, true, true]),
        (Visibility::Staff, Some(OWNER), [false, false, true, true]),
        (Visibility::Admin, None, [false, false, false, true]),
        (Visibility::Public, None, [false, false, true, true]),
    ];
    for (visibility, owner_id, want) in cases {
        let e = event(visibility, owner_id);
        let got: Vec<bool> = actors().iter().map(|(_, a)| sees_event(a, &e)).collect();
        assert_eq!(got, want, "{visibility:?} owner={owner_id:?}");
    }
    // The role asked is the one given: a customer promoted to agent hears of staff events.
    let promoted = Actor {
        id: OWNER,
        role: Role::Agent,
    };
    assert!(sees_event(
        &promoted,
        &event(Visibility::Staff, Some(OTHER))
    ));
}

#[test]
fn wire_names_are_unique_and_parse_back() {
    let mut names = EventKind::TYPE_NAMES.to_vec();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), EventKind::TYPE_NAMES.len());
    for v in Visibility::ALL {
        assert_eq!(Visibility::from_wire(v.as_str()), Some(v));
    }
    assert_eq!(Visibility::from_wire("Public"), None);
}

#[test]
fn the_command_line_is_named_cli() {
    let mut e = event(Visibility::Admin, None);
    e.actor = None;
    let n = Notice::new(3, &e, Some(9), "ignored");
    assert_eq!(n.ticket_number, None, "an account event has no ticket");
    assert_eq!(
        n.actor,
        EventActor {
            id: None,
            name: CLI_ACTOR.to_owned()
        }
    );
}

#[cfg(feature = "serde")]
mod json {
    use super::*;

    fn notice_of(kind: EventKind, visibility: Visibility) -> Notice {
        let mut e = event(visibility, Some(OWNER));
        e.kind = kind;
        Notice::new(42, &e, Some(1042), "Lee Park")
    }

    fn every_kind() -> Vec<EventKind> {
        let account = AccountChange {
            user_id: Some(OTHER),
            username: "carol".to_owned(),
            details: "customer → agent".to_owned(),
        };
        let t = ticket(Status::Open);
        let message = message(5, TICKET, AGENT, true);
        let file = attachment(9, TICKET, AGENT, true);
        vec![
            EventKind::TicketCreated(TicketOpened {
                topic: t.topic.clone(),
                description: t.description.clone(),
                status: t.status,
                priority: t.priority,
                owner: t.owner,
            }),
            EventKind::TicketUpdated(TicketChanges {
                status: Some(FieldChange::new(Status::Open, Status::Closed)),
                assigned_to: Some(FieldChange::new(Some(AGENT), None)),
                ..Default::default()
            }),
            EventKind::TicketDeleted(TicketRemoved {}),
            EventKind::MessageCreated(MessagePosted::of(&message)),
            EventKind::AttachmentAdded(AttachmentChange::of(&file)),
            EventKind::AttachmentRemoved(AttachmentChange::of(&file)),
            EventKind::UserCreated(account.clone()),
            EventKind::UserRenamed(account.clone()),
            EventKind::UserRoleChanged(account.clone()),
            EventKind::UserDeactivated(account.clone()),
            EventKind::UserReactivated(account.clone()),
            EventKind::UserPasswordReset(account.clone()),
            EventKind::TokenCreated(account.clone()),
            EventKind::TokenRevoked(account.clone()),
            EventKind::WebhookCreated(account.clone()),
            EventKind::WebhookDeleted(account.clone()),
            EventKind::WebhookSecretRotated(account),
        ]
    }

    #[test]
    fn every_kind_round_trips_with_its_type_name() {
        let all = every_kind();
        assert_eq!(all.len(), EventKind::TYPE_NAMES.len());
        for kind in all {
            let notice = notice_of(kind.clone(), Visibility::Staff);
            let json = serde_json::to_value(&notice).unwrap();
            assert_eq!(json["type"], kind.type_name());
            assert!(json["changes"].is_object(), "{json}");
            let back: Notice = serde_json::from_value(json).unwrap();
            assert_eq!(back, notice);

            let mut e = event(Visibility::Staff, Some(OWNER));
            e.kind = kind;
            let text = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), e);
            let text = serde_json::to_string(&e.kind).unwrap();
            assert_eq!(serde_json::from_str::<EventKind>(&text).unwrap(), e.kind);
        }
    }

    #[test]
    fn the_wire_shape_of_a_notice() {
        let kind = EventKind::TicketUpdated(TicketChanges {
            status: Some(FieldChange::new(Status::Open, Status::Resolved)),
            assigned_to: Some(FieldChange::new(None, Some(AGENT))),
            ..Default::default()
        });
        let json = serde_json::to_value(notice_of(kind, Visibility::Public)).unwrap();
        let want = serde_json::json!({
            "id": 42,
            "type": "ticket.updated",
            "changes": {
                "status": {"from": "open", "to": "resolved"},
                "assigned_to": {"from": null, "to": AGENT.to_string()},
            },
            "ticket_id": TICKET.to_string(),
            "ticket_number": 1042,
            "actor": {"id": AGENT.to_string(), "name": "Lee Park"},
            "at": "2024-05-01T09:00:00Z",
            "visibility": "public",
        });
        assert_eq!(json, want);
    }

    #[test]
    fn malformed_notices_do_not_deserialize() {
        let good = serde_json::to_value(notice_of(
            EventKind::TicketDeleted(TicketRemoved {}),
            Visibility::Public,
        ))
        .unwrap();
        let mut unknown = good.clone();
        unknown["type"] = "ticket.exploded".into();
        assert!(serde_json::from_value::<Notice>(unknown).is_err());
        let mut mismatched = good.clone();
        mismatched["type"] = "message.created".into();
        assert!(serde_json::from_value::<Notice>(mismatched).is_err());
        let mut blank_topic =
            serde_json::to_value(notice_of(every_kind().remove(0), Visibility::Public)).unwrap();
        blank_topic["changes"]["topic"] = "  ".into();
        assert!(serde_json::from_value::<Notice>(blank_topic).is_err());
        let mut bad_visibility = good;
        bad_visibility["visibility"] = "everyone".into();
        assert!(serde_json::from_value::<Notice>(bad_visibility).is_err());
    }
}
