//! list_messages, add_message, list_activities.

use std::sync::Arc;

use chrono::Duration;
use mockall::predicate::eq;
use ticketing_app::ports::TicketEffect;
use ticketing_app::views::{ActivityView, AttachmentView, MessageView};
use ticketing_app::{AppError, RepoError};
use ticketing_domain::{
    Action, ActivityEntry, ActivityId, ChangeError, Message, MessageBody, MessageId, Refusal, Rule,
    Status, Ticket, User,
};

use crate::support::{
    Harness, alice, attachment, carol, dave, earlier, gen_id, latest, message, now, oldest, page,
    ticket_id, ticket_in, ticket_of,
};

// ---- list_messages -----------------------------------------------------------------------

#[tokio::test]
async fn list_messages_for_the_owner_hides_internal_notes() {
    let mut h = Harness::default();
    let (carol, alice) = (carol(), alice());
    h.ticket_is(&ticket_of(&carol), 1);
    let reply = message(0x3_0001, &alice, false);
    let file = attachment(0x4_0001, &alice, Some(&reply));
    let listed = vec![reply.clone()];
    h.messages
        .expect_list()
        .with(eq(ticket_id()), eq(false), eq(oldest()))
        .times(1)
        .returning(move |_, _, _| Ok(page(listed.clone())));
    let files = vec![file.clone()];
    h.attachments
        .expect_of_messages()
        .withf(move |ids: &[MessageId], internal: &bool| ids == [reply.id] && !internal)
        .times(1)
        .returning(move |_, _| Ok(files.clone()));
    h.people(&[&alice]);
    h.tokens
        .expect_sign_download()
        .with(eq(file.id), eq(carol.id), eq(now() + Duration::minutes(15)))
        .times(1)
        .returning(|_, _, _| "dl-1".to_owned());
    let app = h.build();

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
    let mut h = Harness::default();
    let alice = alice();
    h.ticket_is(&ticket_of(&carol()), 1);
    let note = message(0x3_0003, &alice, true);
    let listed = vec![note.clone()];
    h.messages
        .expect_list()
        .with(eq(ticket_id()), eq(true), eq(oldest()))
        .times(1)
        .returning(move |_, _, _| Ok(page(listed.clone())));
    h.attachments
        .expect_of_messages()
        .withf(move |ids: &[MessageId], internal: &bool| ids == [note.id] && *internal)
        .times(1)
        .returning(|_, _| Ok(Vec::new()));
    h.people(&[&alice]);
    let app = h.build();

    let messages = app
        .list_messages(&alice.actor(), ticket_id(), oldest())
        .await
        .unwrap();

    assert_eq!(messages.items.len(), 1);
    assert!(messages.items[0].message.internal);
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
        .withf(move |m: &Message, e: &TicketEffect, a: &[ActivityEntry]| {
            *m == message && *e == effect && a == activities.as_slice()
        })
        .times(1)
        .returning(move |_, _, _| answer());
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

#[tokio::test]
async fn add_message_touches_the_ticket_and_counts_one_message() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 1);
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
        || Ok(()),
    );
    h.people(&[&carol]);

    let view = post(h, &carol, false).await.unwrap();

    assert_eq!(
        view,
        MessageView {
            message: new_message(&carol, false),
            author: Arc::new(carol),
            attachments: Vec::new(),
        }
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
    };
    expect_add(&mut h, message.clone(), effect, entries, || Ok(()));
    h.people(&[&carol]);

    let view = post(h, &carol, false).await.unwrap();

    assert_eq!(view.message, message);
}

#[tokio::test]
async fn add_message_by_the_owner_reopens_their_resolved_ticket() {
    let mut h = Harness::default();
    let carol = carol();
    let resolved = ticket_in(&carol, Status::Resolved);
    h.ticket_is(&resolved, 1);
    let reopened = Ticket {
        status: Status::Open,
        resolved_at: None,
        message_count: 3,
        version: 4,
        updated_at: now(),
        ..resolved.clone()
    };
    expect_add(
        &mut h,
        new_message(&carol, false),
        TicketEffect::Replace {
            ticket: reopened,
            expected_version: 3,
        },
        vec![
            entry(2, Action::MessageAdded, &carol, "Message added", false),
            entry(
                3,
                Action::Reopened,
                &carol,
                "Status changed from resolved to open",
                false,
            ),
        ],
        || Ok(()),
    );
    h.people(&[&carol]);

    let view = post(h, &carol, false).await.unwrap();

    assert_eq!(view.message, new_message(&carol, false));
}

#[tokio::test]
async fn add_message_by_staff_on_a_resolved_ticket_does_not_reopen_it() {
    let mut h = Harness::default();
    let alice = alice();
    h.ticket_is(&ticket_in(&carol(), Status::Resolved), 1);
    expect_add(
        &mut h,
        new_message(&alice, false),
        TicketEffect::Touch {
            ticket_id: ticket_id(),
            status: Status::Resolved,
            at: now(),
            messages: 1,
            internal_notes: 0,
        },
        vec![entry(
            2,
            Action::MessageAdded,
            &alice,
            "Message added",
            false,
        )],
        || Ok(()),
    );
    h.people(&[&alice]);

    let view = post(h, &alice, false).await.unwrap();

    assert!(view.message.is_staff_message);
}

#[tokio::test]
async fn add_message_by_staff_as_an_internal_note_counts_a_note() {
    let mut h = Harness::default();
    let alice = alice();
    h.ticket_is(&ticket_of(&carol()), 1);
    expect_add(
        &mut h,
        new_message(&alice, true),
        touch(0, 1),
        vec![entry(
            2,
            Action::InternalNoteAdded,
            &alice,
            "Internal note added",
            true,
        )],
        || Ok(()),
    );
    h.people(&[&alice]);

    let view = post(h, &alice, true).await.unwrap();

    assert_eq!(view.message, new_message(&alice, true));
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
        .returning(|_, _, _| Err(RepoError::Stale));
    h.users.expect_get_many().never();

    assert_err!(
        post(h, &carol, false).await,
        AppError::Domain(ChangeError::Refused(Refusal::Closed))
    );
}

// ---- list_activities ---------------------------------------------------------------------

#[tokio::test]
async fn list_activities_joins_performers_with_the_visibility_of_the_role() {
    for (who, internal) in [(carol(), false), (alice(), true)] {
        let mut h = Harness::default();
        let alice = alice();
        h.ticket_is(&ticket_of(&carol()), 1);
        let logged = ActivityEntry {
            created_at: earlier(),
            ..entry(
                0x5_0001,
                Action::StatusChanged,
                &alice,
                "Status changed from open to in_progress",
                false,
            )
        };
        let log = vec![logged.clone()];
        h.activities
            .expect_list()
            .with(eq(ticket_id()), eq(internal), eq(latest()))
            .times(1)
            .returning(move |_, _, _| Ok(page(log.clone())));
        h.people(&[&alice]);
        let app = h.build();

        let views = app
            .list_activities(&who.actor(), ticket_id(), latest())
            .await
            .unwrap();

        assert_eq!(
            views.items,
            vec![ActivityView {
                entry: logged,
                performer: Arc::new(alice),
            }]
        );
    }
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
