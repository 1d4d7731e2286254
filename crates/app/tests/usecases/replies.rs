//! add_message_with_changes: a message and ticket changes in one write. Outcomes on the fake
//! store (`MemoryStore`); refusals that must write (or look up) nothing, the exact write and a
//! lost race on the mocks.

use crate::tickets::changed;
use ticketing_app::ports::{ActivityRepository, MessageRepository, TicketEffect, TicketRepository};
use ticketing_app::views::MessageView;
use ticketing_app::{AppError, PatchInput, RepoError};
use ticketing_domain::{
    Action, ActivityChange, ActivityEntry, ActivityId, ChangeError, Message, MessageBody,
    MessageId, Priority, Refusal, Rule, Status, Ticket, User,
};

use ticketing_app::testing::{
    Harness, alice, bob, carol, dave, field_errors, gen_id, latest, now, seed, ticket_id,
    ticket_in, ticket_of,
};
use ticketing_store_contract::MemoryStore;

async fn store_with(ticket: &Ticket) -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &dave(), &alice(), &bob()]).await;
    seed::ticket(&store, ticket).await;
    store
}

/// The ticket and its whole log (newest first) as stored.
async fn stored(store: &MemoryStore) -> (Ticket, Vec<ActivityEntry>) {
    (
        TicketRepository::get(store, ticket_id()).await.unwrap(),
        ActivityRepository::list(store, ticket_id(), true, &latest())
            .await
            .unwrap()
            .items,
    )
}

fn body() -> MessageBody {
    MessageBody::parse("Fixed on our side").unwrap()
}

/// The message the use case writes: id `gen_id(1)`, written now.
fn new_message(author: &User, internal: bool) -> Message {
    Message {
        id: MessageId::from_uuid(gen_id(1)),
        ticket_id: ticket_id(),
        author: author.id,
        body: body(),
        is_staff_message: author.role.is_staff(),
        internal,
        created_at: now(),
    }
}

fn entry(n: u128, action: Action, by: &User, details: &str, internal: bool) -> ActivityEntry {
    ActivityEntry {
        id: ActivityId::from_uuid(gen_id(n)),
        ticket_id: ticket_id(),
        action,
        performed_by: by.id,
        details: details.to_owned(),
        change: None,
        internal,
        created_at: now(),
    }
}

fn status(to: Status) -> PatchInput {
    PatchInput {
        status: Some(to),
        ..PatchInput::default()
    }
}

async fn reply_on(
    store: &MemoryStore,
    who: &User,
    internal: bool,
    changes: PatchInput,
) -> Result<MessageView, AppError> {
    Harness::default()
        .build_on(store)
        .add_message_with_changes(&who.actor(), ticket_id(), body(), internal, &changes)
        .await
}

async fn reply(
    h: Harness,
    who: &User,
    internal: bool,
    changes: PatchInput,
) -> Result<MessageView, AppError> {
    h.build()
        .add_message_with_changes(&who.actor(), ticket_id(), body(), internal, &changes)
        .await
}

fn no_write(h: &mut Harness) {
    h.messages.expect_add().never();
    h.tickets.expect_update().never();
    h.users.expect_get_many().never();
}

#[tokio::test]
async fn staff_reply_resolves_reprioritises_and_assigns_in_one_version() {
    let (carol, alice, bob) = (carol(), alice(), bob());
    let before = ticket_in(&carol, Status::InProgress);
    let store = store_with(&before).await;
    let changes = PatchInput {
        status: Some(Status::Resolved),
        priority: Some(Priority::High),
        assigned_to: Some(Some(bob.id)),
        ..PatchInput::default()
    };

    let view = reply_on(&store, &alice, false, changes).await.unwrap();

    assert_eq!(view.message, new_message(&alice, false));
    assert_eq!(
        MessageRepository::get(&store, view.message.id)
            .await
            .unwrap(),
        new_message(&alice, false)
    );
    let after = Ticket {
        status: Status::Resolved,
        resolved_at: Some(now()),
        priority: Priority::High,
        assigned_to: Some(bob.id),
        message_count: before.message_count + 1,
        version: before.version + 1,
        updated_at: now(),
        public_version: before.public_version + 1,
        public_updated_at: now(),
        // Who spoke last: alice.
        last_public_message: new_message(&alice, false).as_last_public(),
        ..before.clone()
    };
    assert_eq!(
        stored(&store).await,
        (
            after,
            vec![
                changed(
                    entry(
                        5,
                        Action::AssignedToChanged,
                        &alice,
                        "Ticket assigned to bob",
                        false
                    ),
                    ActivityChange::Assignee {
                        from: before.assigned_to,
                        to: Some(bob.id)
                    },
                ),
                changed(
                    entry(
                        4,
                        Action::PriorityChanged,
                        &alice,
                        "Priority changed from medium to high",
                        false
                    ),
                    ActivityChange::Priority {
                        from: Priority::Medium,
                        to: Priority::High
                    },
                ),
                changed(
                    entry(
                        3,
                        Action::Resolved,
                        &alice,
                        "Status changed from in_progress to resolved",
                        false
                    ),
                    ActivityChange::Status {
                        from: Status::InProgress,
                        to: Status::Resolved
                    },
                ),
                entry(2, Action::MessageAdded, &alice, "Message added", false),
                seed::created_entry(&before),
            ]
        )
    );
}

#[tokio::test]
async fn an_internal_note_with_a_status_change_moves_what_customers_see_once() {
    let alice = alice();
    let before = ticket_of(&carol());
    let store = store_with(&before).await;

    reply_on(&store, &alice, true, status(Status::InProgress))
        .await
        .unwrap();

    let (ticket, log) = stored(&store).await;
    assert_eq!(ticket.status, Status::InProgress);
    assert_eq!(ticket.internal_note_count, before.internal_note_count + 1);
    assert_eq!(ticket.message_count, before.message_count);
    assert_eq!(ticket.public_version, before.public_version + 1);
    assert_eq!(
        log[..2],
        [
            changed(
                entry(
                    3,
                    Action::StatusChanged,
                    &alice,
                    "Status changed from open to in_progress",
                    false
                ),
                ActivityChange::Status {
                    from: Status::Open,
                    to: Status::InProgress
                },
            ),
            entry(
                2,
                Action::InternalNoteAdded,
                &alice,
                "Internal note added",
                true
            ),
        ]
    );
}

#[tokio::test]
async fn the_owner_answers_and_closes_their_resolved_ticket() {
    let carol = carol();
    let before = ticket_in(&carol, Status::Resolved);
    let store = store_with(&before).await;

    reply_on(&store, &carol, false, status(Status::Closed))
        .await
        .unwrap();

    let (ticket, log) = stored(&store).await;
    assert_eq!(
        (ticket.status, ticket.closed_at),
        (Status::Closed, Some(now()))
    );
    assert_eq!(ticket.message_count, before.message_count + 1);
    assert_eq!(
        log[..2],
        [
            changed(
                entry(
                    3,
                    Action::Closed,
                    &carol,
                    "Status changed from resolved to closed",
                    false
                ),
                ActivityChange::Status {
                    from: Status::Resolved,
                    to: Status::Closed
                },
            ),
            entry(2, Action::MessageAdded, &carol, "Message added", false),
        ]
    );
}

/// A case of a refused reply: what, who, the ticket before, the changes, the expected refusal.
type Refused = (
    &'static str,
    User,
    Ticket,
    PatchInput,
    fn(&AppError) -> bool,
);

/// A refused change leaves no message, no entry and the ticket as it was.
#[tokio::test]
async fn a_refused_change_stores_neither_the_message_nor_any_entry() {
    let cases: Vec<Refused> = vec![
        (
            "invalid move",
            alice(),
            ticket_in(&carol(), Status::InProgress),
            status(Status::Open),
            |e| {
                matches!(
                    e,
                    AppError::Domain(ChangeError::Refused(Refusal::InvalidTransition { .. }))
                )
            },
        ),
        (
            "customer resolves",
            carol(),
            ticket_of(&carol()),
            status(Status::Resolved),
            |e| {
                matches!(
                    e,
                    AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
                        Rule::CustomersOnlyCloseOrReopen
                    )))
                )
            },
        ),
        (
            "customer as assignee",
            alice(),
            ticket_of(&carol()),
            PatchInput {
                status: Some(Status::Resolved),
                assigned_to: Some(Some(dave().id)),
                ..PatchInput::default()
            },
            |e| matches!(e, AppError::Domain(ChangeError::AssigneeNotStaff)),
        ),
        (
            "no such assignee",
            alice(),
            ticket_of(&carol()),
            PatchInput {
                assigned_to: Some(Some(gen_id(0xDEAD).into())),
                ..PatchInput::default()
            },
            |e| {
                matches!(e, AppError::Validation(errors)
                    if *errors == field_errors("assigned_to", &["no such user"]))
            },
        ),
    ];
    for (what, who, before, changes, refused) in cases {
        let store = store_with(&before).await;
        let was = stored(&store).await;

        let err = reply_on(&store, &who, false, changes).await.unwrap_err();

        assert!(refused(&err), "{what}: {err:?}");
        assert_eq!(stored(&store).await, was, "{what}");
        assert!(
            matches!(
                MessageRepository::get(&store, MessageId::from_uuid(gen_id(1))).await,
                Err(RepoError::NotFound)
            ),
            "{what}"
        );
    }
}

#[tokio::test]
async fn a_customer_assigning_with_a_reply_is_refused_before_any_lookup() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.users.expect_get().never();
    no_write(&mut h);
    let changes = PatchInput {
        assigned_to: Some(Some(alice().id)),
        ..PatchInput::default()
    };

    assert_err!(
        reply(h, &carol(), false, changes).await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::AssignmentIsStaffOnly
        )))
    );
}

#[tokio::test]
async fn a_customer_setting_the_priority_with_a_reply_writes_nothing() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    no_write(&mut h);
    let changes = PatchInput {
        priority: Some(Priority::Critical),
        ..PatchInput::default()
    };

    assert_err!(
        reply(h, &carol(), false, changes).await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::PriorityIsStaffOnly
        )))
    );
}

#[tokio::test]
async fn changes_on_a_closed_ticket_write_nothing() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_in(&carol(), Status::Closed), 1);
    no_write(&mut h);

    assert_err!(
        reply(h, &alice(), false, status(Status::Open)).await,
        AppError::Domain(ChangeError::Refused(Refusal::Closed))
    );
}

/// The message and its changes are one port call: the whole new state, guarded by the version
/// read (a status change is never a `Touch`). A lost race is recomputed with the same message
/// id, and the assignee is looked up once.
#[tokio::test]
async fn the_write_is_one_replace_and_a_lost_race_is_recomputed() {
    let (carol, alice, bob) = (carol(), alice(), bob());
    let before = ticket_of(&carol);
    let mut h = Harness::default();
    h.ticket_is(&before, 2);
    h.users
        .expect_get()
        .with(mockall::predicate::eq(bob.id))
        .times(1)
        .returning(|_| Ok(ticketing_app::testing::bob()));
    let after = |first: u128| {
        let ticket = Ticket {
            status: Status::Resolved,
            resolved_at: Some(now()),
            assigned_to: Some(bob.id),
            message_count: before.message_count + 1,
            version: before.version + 1,
            updated_at: now(),
            public_version: before.public_version + 1,
            public_updated_at: now(),
            last_public_message: new_message(&alice, false).as_last_public(),
            ..before.clone()
        };
        let entries = vec![
            entry(first, Action::MessageAdded, &alice, "Message added", false),
            changed(
                entry(
                    first + 1,
                    Action::Resolved,
                    &alice,
                    "Status changed from open to resolved",
                    false,
                ),
                ActivityChange::Status {
                    from: Status::Open,
                    to: Status::Resolved,
                },
            ),
            changed(
                entry(
                    first + 2,
                    Action::AssignedToChanged,
                    &alice,
                    "Ticket assigned to bob",
                    false,
                ),
                ActivityChange::Assignee {
                    from: before.assigned_to,
                    to: Some(bob.id),
                },
            ),
        ];
        (
            TicketEffect::Replace {
                ticket,
                expected_version: before.version,
            },
            entries,
        )
    };
    let mut seq = mockall::Sequence::new();
    for (first, answer) in [(2, Err(RepoError::Stale)), (5, Ok(()))] {
        let (effect, entries) = after(first);
        let message = new_message(&alice, false);
        let answer = std::sync::Mutex::new(Some(answer));
        h.messages
            .expect_add()
            .withf(
                move |m: &Message, e: &TicketEffect, a: &[ActivityEntry], _| {
                    *m == message && *e == effect && a == entries.as_slice()
                },
            )
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_, _, _, _| answer.lock().unwrap().take().unwrap());
    }
    h.people(&[&alice]);
    let changes = PatchInput {
        status: Some(Status::Resolved),
        assigned_to: Some(Some(bob.id)),
        ..PatchInput::default()
    };

    let view = reply(h, &alice, false, changes).await.unwrap();

    assert_eq!(view.message, new_message(&alice, false));
}
