//! authorize_upload, begin_upload, discard_upload, commit_upload. Outcomes on the fake store
//! (`MemoryStore`) with the blob store and token service mocked; refusals that must store
//! nothing, the clean-up of the stored file on failures, lost races and injected failures on
//! the mocks.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use mockall::predicate::eq;
use ticketing_app::ports::{
    ActivityRepository, AttachmentRepository, BlobWriter, TicketEffect, TicketRepository,
};
use ticketing_app::views::AttachmentView;
use ticketing_app::{App, AppError, BlobError, RepoError, UploadInput, UploadPermit};
use ticketing_domain::{
    Action, ActivityEntry, ActivityId, Attachment, AttachmentId, ChangeError, FileName, Message,
    Refusal, Rule, Status, StoredFile, User,
};

use ticketing_app::testing::{
    Harness, alice, carol, dave, gen_id, latest, message, now, oldest, other_ticket_id, seed,
    ticket_id, ticket_in, ticket_of,
};
use ticketing_domain::Ticket;
use ticketing_store_contract::MemoryStore;

/// A fake store with carol, dave and alice, `ticket_of(carol)`, and these messages on it.
async fn store_with(messages: &[&Message]) -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &dave(), &alice()]).await;
    seed::ticket(&store, &ticket_of(&carol())).await;
    for m in messages {
        seed::message(&store, m).await;
    }
    store
}

fn stored() -> StoredFile {
    StoredFile {
        storage_key: "stored-key".to_owned(),
        size: 42,
        sha256: "cd".repeat(32),
    }
}

/// A blob writer that accepts everything and reports `stored()`.
struct AcceptingWriter;

#[async_trait]
impl BlobWriter for AcceptingWriter {
    async fn write(&mut self, _chunk: &[u8]) -> Result<(), BlobError> {
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<StoredFile, BlobError> {
        Ok(stored())
    }

    async fn abort(self: Box<Self>) {}
}

fn expect_message(h: &mut Harness, message: &Message, times: usize) {
    let m = message.clone();
    h.messages
        .expect_get()
        .with(eq(message.id))
        .times(times)
        .returning(move |_| Ok(m.clone()));
}

// ---- authorize_upload and begin_upload ---------------------------------------------------

#[tokio::test]
async fn authorize_upload_then_begin_upload_streams_with_the_size_limit() {
    let store = store_with(&[]).await;
    let mut h = Harness::default();
    h.settings.max_upload_bytes = 1024;
    h.blobs
        .expect_begin()
        .with(eq(1024))
        .times(1)
        .returning(|_| Ok(Box::new(AcceptingWriter)));
    let app = h.build_on(&store);

    let permit = app
        .authorize_upload(&carol().actor(), ticket_id(), None)
        .await
        .unwrap();
    let mut writer = app.begin_upload(&permit).await.unwrap();
    writer.write(b"hello").await.unwrap();

    assert_eq!(writer.finish().await.unwrap(), stored());
}

#[tokio::test]
async fn authorize_upload_to_a_visible_message_of_the_ticket() {
    let reply = message(0x3_0001, &alice(), false);
    let own = message(0x3_0002, &carol(), false);
    let store = store_with(&[&reply, &own]).await;
    let app = Harness::default().build_on(&store);

    app.authorize_upload(&carol().actor(), ticket_id(), Some(own.id))
        .await
        .unwrap();
    app.authorize_upload(&alice().actor(), ticket_id(), Some(own.id))
        .await
        .unwrap();
    app.authorize_upload(&alice().actor(), ticket_id(), Some(reply.id))
        .await
        .unwrap();
}

#[tokio::test]
async fn authorize_upload_to_someone_elses_message_is_forbidden() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    let reply = message(0x3_0001, &alice(), false);
    expect_message(&mut h, &reply, 1);
    nothing_stored(&mut h);
    let app = h.build();

    assert_err!(
        app.authorize_upload(&carol().actor(), ticket_id(), Some(reply.id))
            .await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::AttachingIsForAuthorOrStaff
        )))
    );
}

/// Expects nothing to be stored: no upload starts, no row, no file removed.
fn nothing_stored(h: &mut Harness) {
    h.blobs.expect_begin().never();
    h.attachments.expect_add().never();
    h.blobs.expect_delete().never();
}

#[tokio::test]
async fn authorize_upload_to_someone_elses_ticket_is_not_found() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.messages.expect_get().never();
    nothing_stored(&mut h);
    let app = h.build();

    assert_err!(
        app.authorize_upload(&dave().actor(), ticket_id(), None)
            .await,
        AppError::NotFound("ticket")
    );
}

#[tokio::test]
async fn authorize_upload_to_a_closed_ticket_is_refused() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_in(&carol(), Status::Closed), 1);
    nothing_stored(&mut h);
    let app = h.build();

    assert_err!(
        app.authorize_upload(&carol().actor(), ticket_id(), None)
            .await,
        AppError::Domain(ChangeError::Refused(Refusal::Closed))
    );
}

#[tokio::test]
async fn authorize_upload_refuses_messages_the_caller_cannot_attach_to() {
    let elsewhere = Message {
        ticket_id: other_ticket_id(),
        ..message(0x3_0001, &carol(), false)
    };
    let note = message(0x3_0002, &alice(), true);
    for (who, msg) in [(alice(), elsewhere), (carol(), note)] {
        let mut h = Harness::default();
        h.ticket_is(&ticket_of(&carol()), 1);
        expect_message(&mut h, &msg, 1);
        nothing_stored(&mut h);
        let app = h.build();

        assert_err!(
            app.authorize_upload(&who.actor(), ticket_id(), Some(msg.id))
                .await,
            AppError::Domain(ChangeError::MessageNotOnTicket)
        );
    }
}

#[tokio::test]
async fn authorize_upload_to_an_unknown_message_is_a_validation_error() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.messages
        .expect_get()
        .times(1)
        .returning(|_| Err(RepoError::NotFound));
    nothing_stored(&mut h);
    let app = h.build();

    let missing = message(0x3_0009, &carol(), false).id;
    assert_err!(
        app.authorize_upload(&carol().actor(), ticket_id(), Some(missing))
            .await,
        AppError::Domain(ChangeError::MessageNotOnTicket)
    );
}

// ---- discard_upload ----------------------------------------------------------------------

#[tokio::test]
async fn discard_upload_deletes_the_stored_file_and_swallows_a_failure() {
    for ok in [true, false] {
        let mut h = Harness::default();
        h.blobs
            .expect_delete()
            .with(eq("stored-key"))
            .times(1)
            .returning(move |_| {
                if ok {
                    Ok(())
                } else {
                    Err(BlobError::Io("read-only".to_owned()))
                }
            });
        h.attachments.expect_add().never();
        let app = h.build();

        app.discard_upload(&stored()).await;
    }
}

// ---- commit_upload -----------------------------------------------------------------------

fn upload_input() -> UploadInput {
    UploadInput {
        filename: FileName::sanitize("../../report.pdf"),
        content_type: "application/pdf".to_owned(),
    }
}

/// The row the use case writes for `stored()`: id `gen_id(1)`, uploaded now.
fn new_attachment(by: &User, message: Option<&Message>) -> Attachment {
    Attachment {
        id: AttachmentId::from_uuid(gen_id(1)),
        ticket_id: ticket_id(),
        message_id: message.map(|m| m.id),
        filename: FileName::sanitize("report.pdf"),
        content_type: "application/pdf".to_owned(),
        file: stored(),
        uploaded_by: by.id,
        uploaded_at: now(),
        internal: message.is_some_and(|m| m.internal),
    }
}

pub fn entry(n: u128, action: Action, by: &User, details: &str, internal: bool) -> ActivityEntry {
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

/// The `Touch` of a change logged as `activities`: public when customers see any of them.
pub fn touch_for(activities: &[ActivityEntry]) -> TicketEffect {
    let mut effect = touch();
    if let TicketEffect::Touch { public, .. } = &mut effect {
        *public = activities.iter().any(|a| !a.internal);
    }
    effect
}

pub fn touch() -> TicketEffect {
    TicketEffect::Touch {
        ticket_id: ticket_id(),
        status: ticketing_domain::Status::Open,
        at: now(),
        messages: 0,
        internal_notes: 0,
        public: true,
    }
}

fn expect_add(
    h: &mut Harness,
    attachment: Attachment,
    activities: Vec<ActivityEntry>,
    answer: fn() -> Result<(), RepoError>,
) {
    h.attachments
        .expect_add()
        .withf(
            move |a: &Attachment, e: &TicketEffect, acts: &[ActivityEntry], _| {
                *a == attachment && *e == touch_for(&activities) && acts == activities.as_slice()
            },
        )
        .times(1)
        .returning(move |_, _, _, _| answer());
}

pub fn expect_signed(h: &mut Harness, attachment: AttachmentId, user: &User, token: &'static str) {
    h.tokens
        .expect_sign_download()
        .with(
            eq(attachment),
            eq(user.id),
            eq(user.token_epoch),
            eq(now() + Duration::minutes(15)),
        )
        .times(1)
        .returning(move |_, _, _, _| token.to_owned());
}

async fn permit(app: &App, who: &User, message: Option<&Message>) -> UploadPermit {
    app.authorize_upload(&who.actor(), ticket_id(), message.map(|m| m.id))
        .await
        .unwrap()
}

#[tokio::test]
async fn commit_upload_records_the_attachment_and_keeps_the_file() {
    let store = store_with(&[]).await;
    let mut h = Harness::default();
    let carol = carol();
    let expected = new_attachment(&carol, None);
    expect_signed(&mut h, expected.id, &carol, "dl-token");
    h.blobs.expect_delete().never();
    let app = h.build_on(&store);

    let permit = permit(&app, &carol, None).await;
    let view = app
        .commit_upload(permit, upload_input(), stored())
        .await
        .unwrap();

    assert_eq!(
        view,
        AttachmentView {
            attachment: expected.clone(),
            uploader: Arc::new(carol.clone()),
            download_token: "dl-token".to_owned(),
            download_expires_at: now() + Duration::minutes(15),
        }
    );
    assert_eq!(
        AttachmentRepository::get(&store, expected.id)
            .await
            .unwrap(),
        expected
    );
    assert_eq!(
        TicketRepository::get(&store, ticket_id()).await.unwrap(),
        Ticket {
            version: 4,
            updated_at: now(),
            public_version: 4,
            public_updated_at: now(),
            ..ticket_of(&carol)
        }
    );
    assert_eq!(
        ActivityRepository::list(&store, ticket_id(), false, &latest())
            .await
            .unwrap()
            .items[0],
        entry(
            2,
            Action::AttachmentAdded,
            &carol,
            "Attachment \"report.pdf\" added",
            false,
        )
    );
}

#[tokio::test]
async fn commit_upload_to_an_internal_note_makes_an_internal_attachment() {
    let alice = alice();
    let note = message(0x3_0002, &alice, true);
    let store = store_with(&[&note]).await;
    let mut h = Harness::default();
    let expected = new_attachment(&alice, Some(&note));
    assert!(expected.internal);
    expect_signed(&mut h, expected.id, &alice, "dl-token");
    h.blobs.expect_delete().never();
    let app = h.build_on(&store);

    let permit = permit(&app, &alice, Some(&note)).await;
    let view = app
        .commit_upload(permit, upload_input(), stored())
        .await
        .unwrap();

    assert_eq!(view.attachment, expected);
    assert_eq!(
        AttachmentRepository::list(&store, ticket_id(), true, &oldest())
            .await
            .unwrap()
            .items,
        [expected]
    );
    assert_eq!(
        ActivityRepository::list(&store, ticket_id(), true, &latest())
            .await
            .unwrap()
            .items[0],
        entry(
            2,
            Action::AttachmentAdded,
            &alice,
            "Attachment \"report.pdf\" added",
            true,
        )
    );
    // Neither the row nor its entry is shown to the owner.
    let theirs = Harness::default()
        .build_on(&store)
        .list_attachments(&carol().actor(), ticket_id(), oldest())
        .await
        .unwrap()
        .items;
    assert!(theirs.is_empty(), "{theirs:?}");
    assert_eq!(
        ActivityRepository::list(&store, ticket_id(), false, &latest())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

#[tokio::test]
async fn commit_upload_whose_row_cannot_be_written_deletes_the_stored_file() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 2);
    h.attachments
        .expect_add()
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::Unavailable("disk full".to_owned())));
    h.blobs
        .expect_delete()
        .with(eq("stored-key"))
        .times(1)
        .returning(|_| Ok(()));
    h.users.expect_get_many().never();
    let app = h.build();

    let permit = permit(&app, &carol, None).await;
    let result = app.commit_upload(permit, upload_input(), stored()).await;

    assert_err!(result, AppError::Unavailable(m) if m == "disk full");
}

#[tokio::test]
async fn commit_upload_to_a_ticket_closed_meanwhile_deletes_the_stored_file() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 1);
    h.ticket_is(&ticket_in(&carol, Status::Closed), 1);
    h.attachments.expect_add().never();
    h.blobs
        .expect_delete()
        .with(eq("stored-key"))
        .times(1)
        .returning(|_| Ok(()));
    let app = h.build();

    let permit = permit(&app, &carol, None).await;
    let result = app.commit_upload(permit, upload_input(), stored()).await;

    assert_err!(
        result,
        AppError::Domain(ChangeError::Refused(Refusal::Closed))
    );
}

#[tokio::test]
async fn commit_upload_reports_the_original_error_when_the_cleanup_fails_too() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 2);
    h.attachments
        .expect_add()
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::Conflict { field: "id" }));
    h.blobs
        .expect_delete()
        .with(eq("stored-key"))
        .times(1)
        .returning(|_| Err(BlobError::Io("read-only".to_owned())));
    let app = h.build();

    let permit = permit(&app, &carol, None).await;
    let result = app.commit_upload(permit, upload_input(), stored()).await;

    assert_err!(
        result,
        AppError::Conflict {
            field: Some("id"),
            ..
        }
    );
}

#[tokio::test]
async fn commit_upload_keeps_the_file_once_its_row_is_written() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 2);
    h.attachments
        .expect_add()
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    // Building the answer fails after the row was committed: the file must stay.
    h.users
        .expect_get_many()
        .times(1)
        .returning(|_| Err(RepoError::Unavailable("pool timeout".to_owned())));
    h.blobs.expect_delete().never();
    let app = h.build();

    let permit = permit(&app, &carol, None).await;
    let result = app.commit_upload(permit, upload_input(), stored()).await;

    assert_err!(result, AppError::Unavailable(m) if m == "pool timeout");
}

#[tokio::test]
async fn commit_upload_retries_a_lost_race_with_the_same_attachment_id() {
    let mut h = Harness::default();
    let carol = carol();
    h.ticket_is(&ticket_of(&carol), 3);
    let expected = new_attachment(&carol, None);
    expect_add(
        &mut h,
        expected.clone(),
        vec![entry(
            2,
            Action::AttachmentAdded,
            &carol,
            "Attachment \"report.pdf\" added",
            false,
        )],
        || Err(RepoError::Stale),
    );
    expect_add(
        &mut h,
        expected.clone(),
        vec![entry(
            3,
            Action::AttachmentAdded,
            &carol,
            "Attachment \"report.pdf\" added",
            false,
        )],
        || Ok(()),
    );
    h.people(&[&carol]);
    expect_signed(&mut h, expected.id, &carol, "dl-token");
    h.blobs.expect_delete().never();
    let app = h.build();

    let permit = permit(&app, &carol, None).await;
    let view = app
        .commit_upload(permit, upload_input(), stored())
        .await
        .unwrap();

    assert_eq!(view.attachment, expected);
}
