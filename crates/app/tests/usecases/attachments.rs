//! list_attachments, open_attachment, open_attachment_with_token, remove_attachment,
//! sweep_attachments. Outcomes on the fake store (`MemoryStore`) with the blob store and token
//! service mocked; refusals that must remove (or read) nothing, the order of the row and file
//! removals, lost races and injected failures on the mocks.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Duration;
use mockall::Sequence;
use mockall::predicate::eq;
use ticketing_app::ports::{
    ActivityRepository, AttachmentRepository, BlobReader, SweepReport, TicketEffect,
    TicketRepository,
};
use ticketing_app::views::AttachmentView;
use ticketing_app::{AppError, AuthFailure, BlobError, RepoError, TokenError};
use ticketing_domain::{
    Action, ActivityEntry, Attachment, AttachmentId, ChangeError, Refusal, Role, Rule, Status, User,
};
use tokio::io::AsyncReadExt;

use crate::uploads::{entry, expect_signed, touch_for};
use ticketing_app::testing::{
    Harness, alice, attachment, carol, dave, latest, message, now, oldest, other_ticket_id, seed,
    ticket_id, ticket_in, ticket_of,
};
use ticketing_domain::Ticket;
use ticketing_store_contract::MemoryStore;

/// A fake store with carol, dave and alice; `ticket`; the note `0x3_0002` of alice's on it; and
/// these attachment rows.
async fn store_with(ticket: &Ticket, files: &[&Attachment]) -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &dave(), &alice()]).await;
    seed::ticket(&store, ticket).await;
    seed::message(&store, &note()).await;
    for file in files {
        seed::attachment(&store, file).await;
    }
    store
}

/// An internal note of alice's on the ticket.
fn note() -> ticketing_domain::Message {
    message(0x3_0002, &alice(), true)
}

/// alice's attachment `0x4_0002` of her internal note.
fn internal_file() -> Attachment {
    attachment(0x4_0002, &alice(), Some(&note()))
}

// ---- list_attachments --------------------------------------------------------------------

#[tokio::test]
async fn list_attachments_signs_a_link_per_attachment_with_the_visibility_of_the_role() {
    let carol = carol();
    let file = attachment(0x4_0001, &carol, None);
    let store = store_with(&ticket_of(&carol), &[&file, &internal_file()]).await;
    let view = |a: &Attachment, by: &User, token: &str| AttachmentView {
        attachment: a.clone(),
        uploader: Arc::new(by.clone()),
        download_token: token.to_owned(),
        download_expires_at: now() + Duration::minutes(15),
    };
    let customer = vec![view(&file, &carol, "dl-1")];
    let staff = vec![
        view(&file, &carol, "dl-1"),
        view(&internal_file(), &alice(), "dl-2"),
    ];
    for (who, expected) in [(carol.clone(), customer), (alice(), staff)] {
        let mut h = Harness::default();
        for v in &expected {
            let token: &'static str = if v.attachment.id == file.id {
                "dl-1"
            } else {
                "dl-2"
            };
            expect_signed(&mut h, v.attachment.id, &who, token);
        }
        let app = h.build_on(&store);

        let views = app
            .list_attachments(&who.actor(), ticket_id(), oldest())
            .await
            .unwrap();

        assert_eq!(views.items, expected, "{}", who.username.as_str());
    }
}

#[tokio::test]
async fn list_attachments_of_someone_elses_ticket_is_not_found() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.attachments.expect_list().never();
    let app = h.build();

    assert_err!(
        app.list_attachments(&dave().actor(), ticket_id(), oldest())
            .await,
        AppError::NotFound("ticket")
    );
}

// ---- open_attachment and open_attachment_with_token --------------------------------------

fn expect_attachment(h: &mut Harness, attachment: &Attachment) {
    let a = attachment.clone();
    h.attachments
        .expect_get()
        .with(eq(attachment.id))
        .times(1)
        .returning(move |_| Ok(a.clone()));
}

fn expect_open(h: &mut Harness, attachment: &Attachment) {
    h.blobs
        .expect_open()
        .with(eq(attachment.file.storage_key.clone()))
        .times(1)
        .returning(|_| {
            Ok(BlobReader {
                size: 5,
                reader: Box::pin(&b"hello"[..]),
            })
        });
}

async fn read_all(reader: BlobReader) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut r = reader.reader;
    r.read_to_end(&mut bytes).await.unwrap();
    bytes
}

#[tokio::test]
async fn open_attachment_streams_the_stored_file() {
    let carol = carol();
    let file = attachment(0x4_0001, &carol, None);
    let store = store_with(&ticket_of(&carol), &[&file]).await;
    let mut h = Harness::default();
    expect_open(&mut h, &file);
    let app = h.build_on(&store);

    let (found, reader) = app
        .open_attachment(&carol.actor(), ticket_id(), file.id)
        .await
        .unwrap();

    assert_eq!(found, file);
    assert_eq!(reader.size, 5);
    assert_eq!(read_all(reader).await, b"hello");
}

#[tokio::test]
async fn open_attachment_hides_attachments_of_other_tickets_and_internal_ones() {
    let elsewhere = Attachment {
        ticket_id: other_ticket_id(),
        ..attachment(0x4_0001, &carol(), None)
    };
    let store = store_with(&ticket_of(&carol()), &[&internal_file()]).await;
    seed::ticket(
        &store,
        &Ticket {
            id: other_ticket_id(),
            ..ticket_of(&carol())
        },
    )
    .await;
    seed::attachment(&store, &elsewhere).await;
    for file in [elsewhere, internal_file()] {
        let mut h = Harness::default();
        h.blobs.expect_open().never();
        let app = h.build_on(&store);

        assert_err!(
            app.open_attachment(&carol().actor(), ticket_id(), file.id)
                .await,
            AppError::NotFound("attachment")
        );
    }
}

#[tokio::test]
async fn open_attachment_of_someone_elses_ticket_is_not_found() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.attachments.expect_get().never();
    h.blobs.expect_open().never();
    let app = h.build();

    let id = attachment(0x4_0001, &carol(), None).id;
    assert_err!(
        app.open_attachment(&dave().actor(), ticket_id(), id).await,
        AppError::NotFound("ticket")
    );
}

#[tokio::test]
async fn open_attachment_with_token_opens_as_the_tokens_user() {
    let carol = carol();
    let file = attachment(0x4_0001, &carol, None);
    let store = store_with(&ticket_of(&carol), &[&file]).await;
    let mut h = Harness::default();
    let uid = carol.id;
    h.tokens
        .expect_verify_download()
        .with(eq("dl-token"), eq(file.id), eq(now()))
        .times(1)
        .returning(move |_, _, _| Ok((uid, 0)));
    expect_open(&mut h, &file);
    let app = h.build_on(&store);

    let (found, reader) = app
        .open_attachment_with_token("dl-token", ticket_id(), file.id)
        .await
        .unwrap();

    assert_eq!(found, file);
    assert_eq!(read_all(reader).await, b"hello");
}

#[tokio::test]
async fn open_attachment_with_a_bad_or_expired_token_opens_nothing() {
    for error in [TokenError::Invalid, TokenError::Expired] {
        let mut h = Harness::default();
        h.tokens
            .expect_verify_download()
            .times(1)
            .returning(move |_, _, _| Err(error));
        h.users.expect_get().never();
        h.tickets.expect_get().never();
        h.blobs.expect_open().never();
        let app = h.build();

        let id = attachment(0x4_0001, &carol(), None).id;
        assert_err!(
            app.open_attachment_with_token("dl-token", ticket_id(), id)
                .await,
            AppError::Unauthenticated(AuthFailure::TokenInvalid)
        );
    }
}

#[tokio::test]
async fn open_attachment_with_a_token_of_a_deactivated_user_opens_nothing() {
    let mut h = Harness::default();
    let carol = User {
        is_active: false,
        ..carol()
    };
    let uid = carol.id;
    h.tokens
        .expect_verify_download()
        .times(1)
        .returning(move |_, _, _| Ok((uid, 0)));
    h.users
        .expect_get()
        .times(1)
        .returning(move |_| Ok(carol.clone()));
    h.tickets.expect_get().never();
    h.blobs.expect_open().never();
    let app = h.build();

    let id = attachment(0x4_0001, &alice(), None).id;
    assert_err!(
        app.open_attachment_with_token("dl-token", ticket_id(), id)
            .await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

/// A password change since the link was issued (the epoch moved) ends the link.
#[tokio::test]
async fn open_attachment_with_a_token_of_an_older_epoch_opens_nothing() {
    let mut h = Harness::default();
    let carol = User {
        token_epoch: 2,
        ..carol()
    };
    let uid = carol.id;
    h.tokens
        .expect_verify_download()
        .times(1)
        .returning(move |_, _, _| Ok((uid, 1)));
    h.users
        .expect_get()
        .times(1)
        .returning(move |_| Ok(carol.clone()));
    h.tickets.expect_get().never();
    h.blobs.expect_open().never();
    let app = h.build();

    let id = attachment(0x4_0001, &alice(), None).id;
    assert_err!(
        app.open_attachment_with_token("dl-token", ticket_id(), id)
            .await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn open_attachment_with_token_uses_the_current_role() {
    // The link was signed while alice was an agent; she is a customer now (and owns the ticket,
    // so she still sees it, but not its internal attachments).
    let demoted = User {
        role: Role::Customer,
        ..alice()
    };
    let store = MemoryStore::new();
    seed::users(&store, &[&demoted]).await;
    seed::ticket(&store, &ticket_of(&demoted)).await;
    seed::message(&store, &note()).await;
    seed::attachment(&store, &internal_file()).await;
    let mut h = Harness::default();
    let uid = demoted.id;
    h.tokens
        .expect_verify_download()
        .times(1)
        .returning(move |_, _, _| Ok((uid, 0)));
    h.blobs.expect_open().never();
    let app = h.build_on(&store);

    assert_err!(
        app.open_attachment_with_token("dl-token", ticket_id(), internal_file().id)
            .await,
        AppError::NotFound("attachment")
    );
}

// ---- remove_attachment -------------------------------------------------------------------

fn expect_remove(
    h: &mut Harness,
    seq: &mut Sequence,
    file: &Attachment,
    activities: Vec<ActivityEntry>,
    answer: fn() -> Result<(), RepoError>,
) {
    let id = file.id;
    h.attachments
        .expect_remove()
        .withf(
            move |a: &AttachmentId, e: &TicketEffect, acts: &[ActivityEntry], _| {
                *a == id && *e == touch_for(&activities) && acts == activities.as_slice()
            },
        )
        .times(1)
        .in_sequence(seq)
        .returning(move |_, _, _, _| answer());
}

fn expect_delete(h: &mut Harness, seq: &mut Sequence, file: &Attachment, ok: bool) {
    h.blobs
        .expect_delete()
        .with(eq(file.file.storage_key.clone()))
        .times(1)
        .in_sequence(seq)
        .returning(move |_| {
            if ok {
                Ok(())
            } else {
                Err(BlobError::Io("read-only".to_owned()))
            }
        });
}

#[tokio::test]
async fn remove_attachment_by_its_uploader_removes_the_row_then_the_file() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 1);
    let file = attachment(0x4_0001, &carol, None);
    expect_attachment(&mut h, &file);
    let mut seq = Sequence::new();
    expect_remove(
        &mut h,
        &mut seq,
        &file,
        vec![entry(
            1,
            Action::AttachmentRemoved,
            &carol,
            "Attachment \"screenshot.png\" removed",
            false,
        )],
        || Ok(()),
    );
    expect_delete(&mut h, &mut seq, &file, true);
    let app = h.build();

    app.remove_attachment(&carol.actor(), ticket_id(), file.id)
        .await
        .unwrap();
}

#[tokio::test]
async fn remove_attachment_of_an_internal_note_by_staff_logs_internally() {
    let alice = alice();
    let before = ticket_of(&carol());
    let file = internal_file();
    let store = store_with(&before, &[&file]).await;
    let mut h = Harness::default();
    h.blobs
        .expect_delete()
        .with(eq(file.file.storage_key.clone()))
        .times(1)
        .returning(|_| Ok(()));
    let app = h.build_on(&store);

    app.remove_attachment(&alice.actor(), ticket_id(), file.id)
        .await
        .unwrap();

    assert_err!(
        AttachmentRepository::get(&store, file.id).await,
        RepoError::NotFound
    );
    assert_eq!(
        TicketRepository::get(&store, ticket_id()).await.unwrap(),
        Ticket {
            version: 4,
            updated_at: now(),
            // Customers' version and time stay: they do not see the change.
            ..before.clone()
        }
    );
    let removed = entry(
        1,
        Action::AttachmentRemoved,
        &alice,
        "Attachment \"screenshot.png\" removed",
        true,
    );
    assert_eq!(
        ActivityRepository::list(&store, ticket_id(), true, &latest())
            .await
            .unwrap()
            .items[0],
        removed
    );
    // The owner does not see the entry.
    assert_eq!(
        ActivityRepository::list(&store, ticket_id(), false, &latest())
            .await
            .unwrap()
            .items,
        [seed::created_entry(&before)]
    );
}

#[tokio::test]
async fn remove_attachment_succeeds_when_only_the_file_removal_fails() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 1);
    let file = attachment(0x4_0001, &carol, None);
    expect_attachment(&mut h, &file);
    let mut seq = Sequence::new();
    expect_remove(
        &mut h,
        &mut seq,
        &file,
        vec![entry(
            1,
            Action::AttachmentRemoved,
            &carol,
            "Attachment \"screenshot.png\" removed",
            false,
        )],
        || Ok(()),
    );
    expect_delete(&mut h, &mut seq, &file, false);
    let app = h.build();

    app.remove_attachment(&carol.actor(), ticket_id(), file.id)
        .await
        .unwrap();
}

#[tokio::test]
async fn remove_attachment_retries_a_lost_race_then_deletes_the_file_once() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 2);
    let file = attachment(0x4_0001, &carol, None);
    let a = file.clone();
    h.attachments
        .expect_get()
        .with(eq(file.id))
        .times(2)
        .returning(move |_| Ok(a.clone()));
    let mut seq = Sequence::new();
    expect_remove(
        &mut h,
        &mut seq,
        &file,
        vec![entry(
            1,
            Action::AttachmentRemoved,
            &carol,
            "Attachment \"screenshot.png\" removed",
            false,
        )],
        || Err(RepoError::Stale),
    );
    expect_remove(
        &mut h,
        &mut seq,
        &file,
        vec![entry(
            2,
            Action::AttachmentRemoved,
            &carol,
            "Attachment \"screenshot.png\" removed",
            false,
        )],
        || Ok(()),
    );
    expect_delete(&mut h, &mut seq, &file, true);
    let app = h.build();

    app.remove_attachment(&carol.actor(), ticket_id(), file.id)
        .await
        .unwrap();
}

/// Expects that neither the row nor the file is removed.
fn nothing_removed(h: &mut Harness) {
    h.attachments.expect_remove().never();
    h.blobs.expect_delete().never();
}

#[tokio::test]
async fn remove_attachment_by_a_customer_who_did_not_upload_it_is_forbidden() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    let file = attachment(0x4_0001, &alice(), None);
    expect_attachment(&mut h, &file);
    nothing_removed(&mut h);
    let app = h.build();

    assert_err!(
        app.remove_attachment(&carol().actor(), ticket_id(), file.id)
            .await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::RemovalIsForUploaderOrStaff
        )))
    );
}

#[tokio::test]
async fn remove_attachment_of_a_closed_ticket_removes_nothing() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_in(&carol(), Status::Closed), 1);
    let file = attachment(0x4_0001, &carol(), None);
    expect_attachment(&mut h, &file);
    nothing_removed(&mut h);
    let app = h.build();

    assert_err!(
        app.remove_attachment(&carol().actor(), ticket_id(), file.id)
            .await,
        AppError::Domain(ChangeError::Refused(Refusal::Closed))
    );
}

#[tokio::test]
async fn remove_attachment_whose_row_vanished_keeps_the_file() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    let file = attachment(0x4_0001, &carol(), None);
    expect_attachment(&mut h, &file);
    h.attachments
        .expect_remove()
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::NotFound));
    h.blobs.expect_delete().never();
    let app = h.build();

    assert_err!(
        app.remove_attachment(&carol().actor(), ticket_id(), file.id)
            .await,
        AppError::NotFound("attachment")
    );
}

// ---- sweep_attachments -------------------------------------------------------------------

#[tokio::test]
async fn sweep_attachments_keeps_every_file_that_has_a_row() {
    let (one, two) = (
        attachment(0x4_0001, &carol(), None),
        attachment(0x4_0003, &alice(), None),
    );
    let store = store_with(&ticket_of(&carol()), &[&one, &two, &internal_file()]).await;
    let mut h = Harness::default();
    let keys: HashSet<String> = [&one, &two, &internal_file()]
        .iter()
        .map(|a| a.file.storage_key.clone())
        .collect();
    h.blobs
        .expect_sweep()
        .withf(move |keep: &HashSet<String>, min_age: &u64| *keep == keys && *min_age == 3600)
        .times(1)
        .returning(|_, _| {
            Ok(SweepReport {
                temp_files: 1,
                orphans: 2,
            })
        });
    let app = h.build_on(&store);

    assert_eq!(
        app.sweep_attachments(3600).await.unwrap(),
        SweepReport {
            temp_files: 1,
            orphans: 2
        }
    );
}

#[tokio::test]
async fn sweep_attachments_removes_nothing_when_the_rows_cannot_be_read() {
    let mut h = Harness::default();
    h.attachments
        .expect_storage_keys()
        .times(1)
        .returning(|| Err(RepoError::Unavailable("down".to_owned())));
    h.blobs.expect_sweep().never();
    let app = h.build();

    assert_err!(app.sweep_attachments(3600).await, AppError::Unavailable(_));
}
