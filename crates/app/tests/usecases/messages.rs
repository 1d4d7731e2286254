//! list_messages, add_message, list_activities. Outcomes on the fake store (`MemoryStore`);
//! refusals that must write nothing, lost races and the exact times on the mocks.

use std::sync::Arc;

use chrono::Duration;
use mockall::predicate::eq;
use ticketing_app::ports::{ActivityRepository, MessageRepository, TicketEffect, TicketRepository};
use ticketing_app::views::{ActivityView, AttachmentView, MessageView};
use ticketing_app::{AppError, RepoError};
use ticketing_domain::{
    Action, ActivityChange, ActivityEntry, ActivityId, ChangeError, Message, MessageBody,
    MessageId, Refusal, Rule, Status, Ticket, User,
};

use ticketing_app::testing::{
    Harness, alice, attachment, carol, dave, earlier, gen_id, latest, message, now, oldest, seed,
    ticket_id, ticket_in, ticket_of,
};
use ticketing_store_contract::MemoryStore;

/// A fake store with carol, dave, alice and `ticket`.
async fn store_with(ticket: &Ticket) -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &dave(), &alice()]).await;
    seed::ticket(&store, ticket).await;
    store
}

/// The ticket as stored.
async fn stored(store: &MemoryStore) -> Ticket {
    TicketRepository::get(store, ticket_id()).await.unwrap()
}

/// The ticket's whole log as stored, newest first.
async fn log_of(store: &MemoryStore) -> Vec<ActivityEntry> {
    ActivityRepository::list(store, ticket_id(), true, &latest())
        .await
        .unwrap()
        .items
}

// ---- list_messages -----------------------------------------------------------------------

/// A fake store with `ticket_of(carol)`, a reply of alice's with a file, and an internal note of
/// alice's with a file.
async fn thread() -> MemoryStore {
    let alice = alice();
    let store = store_with(&ticket_of(&carol())).await;
    let (reply, note) = (
        message(0x3_0001, &alice, false),
        message(0x3_0003, &alice, true),
    );
    for m in [&reply, &note] {
        seed::message(&store, m).await;
    }
    seed::attachment(&store, &attachment(0x4_0001, &alice, Some(&reply))).await;
    seed::attachment(&store, &attachment(0x4_0003, &alice, Some(&note))).await;
    store
}

#[tokio::test]
async fn list_messages_for_the_owner_hides_internal_notes() {
    let store = thread().await;
    let mut h = Harness::default();
    let (carol, alice) = (carol(), alice());
    let reply = message(0x3_0001, &alice, false);
    let file = attachment(0x4_0001, &alice, Some(&reply));
    h.tokens
        .expect_sign_download()
        .with(
            eq(file.id),
            eq(carol.id),
            eq(carol.token_epoch),
            eq(now() + Duration::minutes(15)),
        )
        .times(1)
        .returning(|_, _, _, _| "dl-1".to_owned());
    let app = h.build_on(&store);

    let messages = app
        .list_messages(&carol.actor(), ticket_id(), oldest())
        .await
        .unwrap();

    assert_eq!(
        messages.items,
        vec![MessageView {
            message: reply,
            author: Arc::new(alice.clone()),
            attachments: vec![AttachmentView {
                attachment: file,
                uploader: Arc::new(alice),
                download_token: "dl-1".to_owned(),
                download_expires_at: now() + Duration::minutes(15),
            }],
        }]
    );
}

#[tokio::test]
async fn list_messages_for_staff_includes_internal_notes() {
    let store = thread().await;
    let mut h = Harness::default();
    let alice = alice();
    h.tokens
        .expect_sign_download()
        .times(2)
        .returning(|_, _, _, _| "dl".to_owned());
    let app = h.build_on(&store);

    let messages = app
        .list_messages(&alice.actor(), ticket_id(), oldest())
        .await
        .unwrap();

    let note = message(0x3_0003, &alice, true);
    assert_eq!(messages.items.len(), 2);
    assert_eq!(messages.items[1].message, note);
    assert_eq!(
        messages.items[1].attachments[0].attachment,
        attachment(0x4_0003, &alice, Some(&note))
    );
}

#[tokio::test]
async fn list_messages_of_someone_elses_ticket_is_not_found() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.messages.expect_list().never();
    h.attachments.expect_of_messages().never();
    let app = h.build();

    assert_err!(
        app.list_messages(&dave().actor(), ticket_id(), oldest())
            .await,
        AppError::NotFound("ticket")
    );
}

// ---- add_message -------------------------------------------------------------------------

fn body() -> MessageBody {
    MessageBody::parse("Still broken").unwrap()
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

fn touch(messages: u32, internal_notes: u32) -> TicketEffect {
    TicketEffect::Touch {
        ticket_id: ticket_id(),
        status: ticketing_domain::Status::Open,
        at: now(),
        messages,
        internal_notes,
        public: internal_notes == 0,
    }
}

/// `MessageRepository::add` is expected once with exactly these arguments.
fn expect_add(
    h: &mut Harness,
    message: Message,
    effect: TicketEffect,
    activities: Vec<ActivityEntry>,
    answer: fn() -> Result<(), RepoError>,
) {
    h.messages
        .expect_add()
        .withf(
            move |m: &Message, e: &TicketEffect, a: &[ActivityEntry], _| {
                *m == message && *e == effect && a == activities.as_slice()
            },
        )
        .times(1)
        .returning(move |_, _, _, _| answer());
}

fn no_add(h: &mut Harness) {
    h.messages.expect_add().never();
    h.users.expect_get_many().never();
}

async fn post(h: Harness, who: &User, internal: bool) -> Result<MessageView, AppError> {
    h.build()
        .add_message(&who.actor(), ticket_id(), body(), internal)
        .await
}

async fn post_on(store: &MemoryStore, who: &User, internal: bool) -> Result<MessageView, AppError> {
    Harness::default()
        .build_on(store)
        .add_message(&who.actor(), ticket_id(), body(), internal)
        .await
}

#[tokio::test]
async fn add_message_touches_the_ticket_and_counts_one_message() {
    let carol = carol();
    let before = ticket_of(&carol);
    let store = store_with(&before).await;

    let view = post_on(&store, &carol, false).await.unwrap();

    assert_eq!(
        view,
        MessageView {
            message: new_message(&carol, false),
            author: Arc::new(carol.clone()),
            attachments: Vec::new(),
        }
    );
    assert_eq!(
        MessageRepository::get(&store, view.message.id)
            .await
            .unwrap(),
        new_message(&carol, false)
    );
    assert_eq!(
        stored(&store).await,
        Ticket {
            message_count: 3,
            version: 4,
            updated_at: now(),
            public_version: 4,
            public_updated_at: now(),
            // Who spoke last: carol.
            last_public_message: new_message(&carol, false).as_last_public(),
            ..before.clone()
        }
    );
    assert_eq!(
        log_of(&store).await,
        [
            entry(2, Action::MessageAdded, &carol, "Message added", false),
            seed::created_entry(&before),
        ]
    );
}

#[tokio::test]
async fn add_message_on_a_ticket_changed_by_a_clock_ahead_of_ours_keeps_times_in_order() {
    // Another replica's clock ran ahead: the ticket changed "after" our now. The message is
    // dated at the ticket's last change rather than refused for going back in time.
    let mut h = Harness::default();
    let carol = carol();
    let ahead = now() + chrono::Duration::milliseconds(40);
    let ticket = Ticket {
        updated_at: ahead,
        ..ticket_of(&carol)
    };
    h.ticket_is(&ticket, 1);
    let mut entries = vec![entry(
        2,
        Action::MessageAdded,
        &carol,
        "Message added",
        false,
    )];
    entries[0].created_at = ahead;
    let message = Message {
        created_at: ahead,
        ..new_message(&carol, false)
    };
    let effect = TicketEffect::Touch {
        ticket_id: ticket_id(),
        status: ticketing_domain::Status::Open,
        at: ahead,
        messages: 1,
        internal_notes: 0,
        public: true,
    };
    expect_add(&mut h, message.clone(), effect, entries, || Ok(()));
    h.people(&[&carol]);

    let view = post(h, &carol, false).await.unwrap();

    assert_eq!(view.message, message);
}

#[tokio::test]
async fn add_message_by_the_owner_reopens_their_resolved_ticket() {
    let carol = carol();
    let resolved = ticket_in(&carol, Status::Resolved);
    let store = store_with(&resolved).await;

    let view = post_on(&store, &carol, false).await.unwrap();

    assert_eq!(view.message, new_message(&carol, false));
    assert_eq!(
        stored(&store).await,
        Ticket {
            status: Status::Open,
            resolved_at: None,
            message_count: 3,
            version: 4,
            updated_at: now(),
            public_version: 4,
            public_updated_at: now(),
            last_public_message: new_message(&carol, false).as_last_public(),
            ..resolved.clone()
        }
    );
    assert_eq!(
        log_of(&store).await,
        [
            ActivityEntry {
                change: Some(ActivityChange::Status {
                    from: Status::Resolved,
                    to: Status::Open,
                }),
                ..entry(
                    3,
                    Action::Reopened,
                    &carol,
                    "Status changed from resolved to open",
                    false,
                )
            },
            entry(2, Action::MessageAdded, &carol, "Message added", false),
            seed::created_entry(&resolved),
        ]
    );
}

#[tokio::test]
async fn add_message_by_staff_on_a_resolved_ticket_does_not_reopen_it() {
    let alice = alice();
    let resolved = ticket_in(&carol(), Status::Resolved);
    let store = store_with(&resolved).await;

    let view = post_on(&store, &alice, false).await.unwrap();

    assert!(view.message.is_staff_message);
    assert_eq!(
        stored(&store).await,
        Ticket {
            message_count: 3,
            version: 4,
            updated_at: now(),
            public_version: 4,
            public_updated_at: now(),
            last_public_message: new_message(&alice, false).as_last_public(),
            ..resolved.clone()
        }
    );
    assert_eq!(
        log_of(&store).await,
        [
            entry(2, Action::MessageAdded, &alice, "Message added", false),
            seed::created_entry(&resolved),
        ]
    );
}

#[tokio::test]
async fn add_message_by_staff_as_an_internal_note_counts_a_note() {
    let alice = alice();
    let before = ticket_of(&carol());
    let store = store_with(&before).await;

    let view = post_on(&store, &alice, true).await.unwrap();

    assert_eq!(view.message, new_message(&alice, true));
    assert_eq!(
        stored(&store).await,
        Ticket {
            internal_note_count: 2,
            version: 4,
            updated_at: now(),
            // Customers' version and time stay: they do not see the note.
            ..before.clone()
        }
    );
    assert_eq!(
        log_of(&store).await[0],
        entry(
            2,
            Action::InternalNoteAdded,
            &alice,
            "Internal note added",
            true,
        )
    );
    // The owner sees neither the note nor its entry.
    let app = Harness::default().build_on(&store);
    let theirs = app
        .list_messages(&carol().actor(), ticket_id(), oldest())
        .await
        .unwrap()
        .items;
    assert!(theirs.is_empty(), "{theirs:?}");
    let log = app
        .list_activities(&carol().actor(), ticket_id(), latest())
        .await
        .unwrap()
        .items;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].entry, seed::created_entry(&before));
}

#[tokio::test]
async fn add_message_refuses_an_internal_note_from_a_customer() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    no_add(&mut h);

    assert_err!(
        post(h, &carol(), true).await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::InternalNotesAreStaffOnly
        )))
    );
}

#[tokio::test]
async fn add_message_on_a_closed_ticket_writes_nothing() {
    for who in [carol(), alice()] {
        let mut h = Harness::default();
        h.ticket_is(&ticket_in(&carol(), Status::Closed), 1);
        no_add(&mut h);

        assert_err!(
            post(h, &who, false).await,
            AppError::Domain(ChangeError::Refused(Refusal::Closed))
        );
    }
}

#[tokio::test]
async fn add_message_on_someone_elses_ticket_is_not_found() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    no_add(&mut h);

    assert_err!(post(h, &dave(), false).await, AppError::NotFound("ticket"));
}

#[tokio::test]
async fn add_message_retries_a_lost_race_with_the_same_message_id() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 2);
    expect_add(
        &mut h,
        new_message(&carol, false),
        touch(1, 0),
        vec![entry(
            2,
            Action::MessageAdded,
            &carol,
            "Message added",
            false,
        )],
        || Err(RepoError::Stale),
    );
    expect_add(
        &mut h,
        new_message(&carol, false),
        touch(1, 0),
        vec![entry(
            3,
            Action::MessageAdded,
            &carol,
            "Message added",
            false,
        )],
        || Ok(()),
    );
    h.people(&[&carol]);

    let view = post(h, &carol, false).await.unwrap();

    assert_eq!(view.message.id, MessageId::from_uuid(gen_id(1)));
}

#[tokio::test]
async fn add_message_whose_ticket_closed_during_a_retry_is_refused() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 1);
    h.ticket_is(&ticket_in(&carol, Status::Closed), 1);
    h.messages
        .expect_add()
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::Stale));
    h.users.expect_get_many().never();

    assert_err!(
        post(h, &carol, false).await,
        AppError::Domain(ChangeError::Refused(Refusal::Closed))
    );
}

// ---- list_activities ---------------------------------------------------------------------

#[tokio::test]
async fn list_activities_joins_performers_with_the_visibility_of_the_role() {
    let (carol, alice) = (carol(), alice());
    let ticket = ticket_of(&carol);
    let store = store_with(&ticket).await;
    let moved = ActivityEntry {
        created_at: earlier() + Duration::hours(1),
        ..entry(
            0x5_0001,
            Action::StatusChanged,
            &alice,
            "Status changed from open to in_progress",
            false,
        )
    };
    let noted = ActivityEntry {
        created_at: earlier() + Duration::hours(2),
        ..entry(
            0x5_0002,
            Action::InternalNoteAdded,
            &alice,
            "Internal note added",
            true,
        )
    };
    seed::log(&store, ticket.id, &[moved.clone(), noted.clone()]).await;
    let app = Harness::default().build_on(&store);
    let by = |entry: &ActivityEntry, who: &User| ActivityView {
        entry: entry.clone(),
        named: Vec::new(),
        performer: Arc::new(who.clone()),
    };

    let customer = app
        .list_activities(&carol.actor(), ticket_id(), latest())
        .await
        .unwrap();
    let staff = app
        .list_activities(&alice.actor(), ticket_id(), latest())
        .await
        .unwrap();

    let created = seed::created_entry(&ticket);
    assert_eq!(customer.items, [by(&moved, &alice), by(&created, &carol)]);
    assert_eq!(
        staff.items,
        [by(&noted, &alice), by(&moved, &alice), by(&created, &carol)]
    );
}

#[tokio::test]
async fn list_activities_of_someone_elses_ticket_is_not_found() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.activities.expect_list().never();
    let app = h.build();

    assert_err!(
        app.list_activities(&dave().actor(), ticket_id(), latest())
            .await,
        AppError::NotFound("ticket")
    );
}
