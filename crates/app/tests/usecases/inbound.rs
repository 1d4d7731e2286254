//! receive_mail: the decision table of inbound mail. The users and tickets are on the fake store
//! (`MemoryStore`); the mail repository is a mock, so each case checks the one write it makes
//! (`store_inbound`, captured) or that none is made.

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::Duration;
use ticketing_app::inbound::{InboundTarget, InboundWrite, ReplyTokenOwner};
use ticketing_app::mail::{MailPort, MockMailRepository};
use ticketing_app::ports::BlobWriter;
use ticketing_app::{
    AppError, BlobError, InboundFile, InboundMail, MailOrigin, ReceiveError, Received, RepoError,
    UnknownSender,
};
use ticketing_domain::{Role, Status, StoredFile, Ticket, User};

use ticketing_app::testing::{Harness, alice, carol, dave, now, seed, ticket_in, ticket_of};
use ticketing_store_contract::MemoryStore;

const TOKEN: &str = "mfrggzdfmztwq2lknnwg23tpob";

fn mail_from(user: &str) -> InboundMail {
    InboundMail {
        origin: MailOrigin::Person,
        from: format!("{user}@example.com"),
        from_name: Some("Some One".to_owned()),
        message_id: Some(format!("m-{user}@mail.example")),
        subject: "Printer on fire".to_owned(),
        body: "It smokes.".to_owned(),
        reply_tokens: Vec::new(),
        attachments: Vec::new(),
    }
}

fn replying(mut mail: InboundMail) -> InboundMail {
    mail.reply_tokens = vec![TOKEN.to_owned()];
    mail
}

/// A blob writer that stores everything under the key `k1`.
struct Writer;

#[async_trait::async_trait]
impl BlobWriter for Writer {
    async fn write(&mut self, _chunk: &[u8]) -> Result<(), BlobError> {
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<StoredFile, BlobError> {
        Ok(StoredFile {
            storage_key: "k1".to_owned(),
            size: 3,
            sha256: "ab".repeat(32),
        })
    }

    async fn abort(self: Box<Self>) {}
}

/// The write `store_inbound` got, if any.
type Captured = Arc<Mutex<Option<InboundWrite>>>;

/// The app over a fake store with carol, dave, alice and `ticket`, and a mail repository that
/// knows the token `TOKEN` as `owner`'s on `ticket` (made `token_age` ago) and captures the write.
async fn app_with(
    ticket: Option<(&Ticket, &User, Duration)>,
    mut repo: MockMailRepository,
    configure: impl FnOnce(&mut Harness),
) -> (ticketing_app::App, MemoryStore) {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &dave(), &alice()]).await;
    if let Some((t, owner, age)) = ticket {
        seed::ticket(&store, t).await;
        let found = ReplyTokenOwner {
            ticket_id: t.id,
            user_id: owner.id,
            created_at: now() - age,
        };
        repo.expect_reply_token()
            .withf(|h| h == format!("h:{TOKEN}"))
            .returning(move |_| Ok(Some(found)));
    }
    repo.expect_reply_token().returning(|_| Ok(None));
    let mut h = Harness::default();
    h.tokens
        .expect_hash_refresh_token()
        .returning(|t| format!("h:{t}"));
    configure(&mut h);
    let app = h.build_on(&store).with_mail(MailPort {
        repo: Arc::new(repo),
        enabled: false,
        retry_base: StdDuration::from_secs(1),
    });
    (app, store)
}

/// A repository that has seen nothing and stores (capturing) with the number 7.
fn storing() -> (MockMailRepository, Captured) {
    let captured: Captured = Arc::default();
    let mut repo = MockMailRepository::new();
    repo.expect_inbound_seen().returning(|_| Ok(false));
    let c = Arc::clone(&captured);
    repo.expect_store_inbound().times(1).returning(move |w| {
        *c.lock().unwrap() = Some(w.clone());
        Ok(7)
    });
    (repo, captured)
}

/// A repository that has seen nothing and must not be written to.
fn not_storing() -> MockMailRepository {
    let mut repo = MockMailRepository::new();
    repo.expect_inbound_seen().returning(|_| Ok(false));
    repo.expect_store_inbound().never();
    repo
}

fn written(c: &Captured) -> InboundWrite {
    c.lock().unwrap().clone().expect("a write")
}

#[tokio::test]
async fn automatic_mail_writes_nothing_and_reads_nothing() {
    for origin in [MailOrigin::AutoReply, MailOrigin::Bounce] {
        // No expectation on the repository: any call would panic.
        let (app, _) = app_with(None, MockMailRepository::new(), |_| {}).await;
        let mut mail = mail_from("carol");
        mail.origin = origin;
        assert_eq!(
            app.receive_mail(mail, UnknownSender::Create).await.unwrap(),
            Received::Dropped(origin)
        );
    }
}

#[tokio::test]
async fn a_known_sender_opens_a_ticket_of_their_own() {
    let (repo, captured) = storing();
    let (app, _) = app_with(None, repo, |_| {}).await;
    let got = app
        .receive_mail(mail_from("carol"), UnknownSender::Refuse)
        .await
        .unwrap();
    assert!(matches!(
        got,
        Received::Opened {
            ticket_number: 7,
            account_created: false,
            files: 0,
            left_out: 0
        }
    ));
    let w = written(&captured);
    assert!(w.new_user.is_none());
    assert_eq!(
        w.key_hash,
        "h:inbound\ncarol@example.com\nid\nm-carol@mail.example"
    );
    match w.target {
        InboundTarget::Ticket {
            ticket,
            created,
            events,
        } => {
            assert_eq!(ticket.owner, carol().id);
            assert_eq!(ticket.topic.as_str(), "Printer on fire");
            assert_eq!(ticket.description.as_str(), "It smokes.");
            assert_eq!(created.performed_by, carol().id);
            assert_eq!(events.len(), 1);
        }
        other => panic!("a ticket expected, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_senders_are_refused_or_get_an_account() {
    let (app, _) = app_with(None, not_storing(), |_| {}).await;
    let got = app
        .receive_mail(mail_from("stranger"), UnknownSender::Refuse)
        .await;
    assert!(matches!(got, Err(ReceiveError::Refused(_))), "{got:?}");

    let (repo, captured) = storing();
    let (app, _) = app_with(None, repo, |h| {
        h.tokens
            .expect_new_refresh_token()
            .times(1)
            .returning(|| ("random".to_owned(), "unused".to_owned()));
        h.hasher
            .expect_hash()
            .times(1)
            .returning(|_| Ok("$argon2id$unknowable".to_owned()));
    })
    .await;
    let got = app
        .receive_mail(mail_from("stranger"), UnknownSender::Create)
        .await
        .unwrap();
    assert!(matches!(
        got,
        Received::Opened {
            account_created: true,
            ..
        }
    ));
    let w = written(&captured);
    let (user, hash, audit) = w.new_user.clone().expect("an account");
    assert_eq!(user.role, Role::Customer);
    assert_eq!(user.email.as_str(), "stranger@example.com");
    assert_eq!(user.username.as_str(), "stranger");
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("Some", "One")
    );
    assert_eq!(hash, "$argon2id$unknowable");
    assert_eq!(audit.target_id, Some(user.id));
    match w.target {
        InboundTarget::Ticket { ticket, .. } => assert_eq!(ticket.owner, user.id),
        other => panic!("a ticket expected, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deactivated_account_is_refused() {
    let store_user = {
        let mut u = dave();
        u.is_active = false;
        u
    };
    let store = MemoryStore::new();
    seed::users(&store, &[&store_user]).await;
    let mut h = Harness::default();
    h.tokens
        .expect_hash_refresh_token()
        .returning(|t| format!("h:{t}"));
    let app = h.build_on(&store).with_mail(MailPort {
        repo: Arc::new(not_storing()),
        enabled: false,
        retry_base: StdDuration::from_secs(1),
    });
    let got = app
        .receive_mail(mail_from("dave"), UnknownSender::Create)
        .await;
    assert!(matches!(got, Err(ReceiveError::Refused(_))), "{got:?}");
}

#[tokio::test]
async fn a_reply_with_its_participants_token_is_a_public_message() {
    let ticket = ticket_of(&carol());
    // Carol answers her notification; then Alice (staff, any ticket) answers hers.
    for (who, user) in [("carol", carol()), ("alice", alice())] {
        let (repo, captured) = storing();
        let (app, _) = app_with(Some((&ticket, &user, Duration::days(3))), repo, |_| {}).await;
        let got = app
            .receive_mail(replying(mail_from(who)), UnknownSender::Refuse)
            .await
            .unwrap();
        assert!(
            matches!(
                got,
                Received::Replied {
                    ticket_number: 7,
                    ..
                }
            ),
            "{got:?}"
        );
        match written(&captured).target {
            InboundTarget::Message {
                message,
                ticket_number,
                events,
                ..
            } => {
                assert_eq!(message.author, user.id, "{who}");
                assert_eq!(message.ticket_id, ticket.id);
                assert!(!message.internal, "{who}: a public reply");
                assert_eq!(message.body.as_str(), "It smokes.");
                assert_eq!(ticket_number, ticket.number);
                assert!(!events.is_empty());
            }
            other => panic!("a message expected, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_staff_member_may_answer_with_the_customers_token() {
    let ticket = ticket_of(&carol());
    let (repo, captured) = storing();
    let (app, _) = app_with(Some((&ticket, &carol(), Duration::days(3))), repo, |_| {}).await;
    app.receive_mail(replying(mail_from("alice")), UnknownSender::Refuse)
        .await
        .unwrap();
    match written(&captured).target {
        InboundTarget::Message { message, .. } => assert_eq!(message.author, alice().id),
        other => panic!("a message expected, got {other:?}"),
    }
}

#[tokio::test]
async fn a_forged_sender_with_someone_elses_token_writes_nothing() {
    let ticket = ticket_of(&carol());
    // Dave (a customer, not a participant) and a stranger, each with Carol's token.
    for who in ["dave", "stranger"] {
        let (app, _) = app_with(
            Some((&ticket, &carol(), Duration::days(3))),
            not_storing(),
            |_| {},
        )
        .await;
        let got = app
            .receive_mail(replying(mail_from(who)), UnknownSender::Create)
            .await;
        assert!(
            matches!(got, Err(ReceiveError::Refused(_))),
            "{who}: {got:?}"
        );
    }
}

#[tokio::test]
async fn an_expired_token_is_new_mail_and_the_subject_number_is_never_used() {
    let ticket = ticket_of(&carol());
    let (repo, captured) = storing();
    let (app, _) = app_with(Some((&ticket, &carol(), Duration::days(400))), repo, |_| {}).await;
    let mut mail = replying(mail_from("carol"));
    mail.subject = format!("Re: [#{}] Printer on fire", ticket.number);
    app.receive_mail(mail, UnknownSender::Refuse).await.unwrap();
    assert!(matches!(
        written(&captured).target,
        InboundTarget::Ticket { .. }
    ));
}

#[tokio::test]
async fn a_reply_to_a_closed_ticket_opens_a_new_one() {
    let ticket = ticket_in(&carol(), Status::Closed);
    let (repo, captured) = storing();
    let (app, _) = app_with(Some((&ticket, &carol(), Duration::days(3))), repo, |_| {}).await;
    let got = app
        .receive_mail(replying(mail_from("carol")), UnknownSender::Refuse)
        .await
        .unwrap();
    assert!(matches!(got, Received::Opened { .. }), "{got:?}");
    match written(&captured).target {
        InboundTarget::Ticket { ticket: new, .. } => {
            assert_ne!(new.id, ticket.id);
            assert_eq!(new.owner, carol().id);
            assert_eq!(
                new.description.as_str(),
                format!(
                    "[Follow-up to #{}, which is closed.]\n\nIt smokes.",
                    ticket.number
                )
            );
        }
        other => panic!("a ticket expected, got {other:?}"),
    }
}

#[tokio::test]
async fn the_same_message_twice_is_written_once() {
    // Seen before: nothing else is asked.
    let mut repo = MockMailRepository::new();
    repo.expect_inbound_seen().returning(|_| Ok(true));
    repo.expect_store_inbound().never();
    let (app, _) = app_with(None, repo, |_| {}).await;
    assert_eq!(
        app.receive_mail(mail_from("carol"), UnknownSender::Refuse)
            .await
            .unwrap(),
        Received::Duplicate
    );
    // A concurrent delivery stored it first: the store's conflict on the key.
    let mut repo = MockMailRepository::new();
    repo.expect_inbound_seen().returning(|_| Ok(false));
    repo.expect_store_inbound().times(1).returning(|_| {
        Err(RepoError::Conflict {
            field: "message_id",
        })
    });
    let (app, _) = app_with(None, repo, |_| {}).await;
    assert_eq!(
        app.receive_mail(mail_from("carol"), UnknownSender::Refuse)
            .await
            .unwrap(),
        Received::Duplicate
    );
}

#[tokio::test]
async fn an_unreachable_database_is_a_failure_and_removes_the_stored_files() {
    let mut repo = MockMailRepository::new();
    repo.expect_inbound_seen().returning(|_| Ok(false));
    repo.expect_store_inbound()
        .returning(|_| Err(RepoError::Unavailable("down".to_owned())));
    let (app, _) = app_with(None, repo, |h| {
        h.blobs
            .expect_begin()
            .times(1)
            .returning(|_| Ok(Box::new(Writer)));
        h.blobs
            .expect_delete()
            .withf(|k| k == "k1")
            .times(1)
            .returning(|_| Ok(()));
    })
    .await;
    let mut mail = mail_from("carol");
    mail.attachments = vec![InboundFile {
        filename: Some("a.txt".to_owned()),
        content_type: "text/plain".to_owned(),
        bytes: b"abc".to_vec(),
    }];
    let got = app.receive_mail(mail, UnknownSender::Refuse).await;
    assert!(
        matches!(got, Err(ReceiveError::Failed(AppError::Unavailable(_)))),
        "{got:?}"
    );
}

#[tokio::test]
async fn an_attachment_over_the_limit_is_left_out_with_a_note() {
    let (repo, captured) = storing();
    let (app, _) = app_with(None, repo, |h| {
        h.settings.max_upload_bytes = 2;
    })
    .await;
    let mut mail = mail_from("carol");
    mail.attachments = vec![InboundFile {
        filename: Some("big.pdf".to_owned()),
        content_type: "application/pdf".to_owned(),
        bytes: b"abc".to_vec(),
    }];
    let got = app.receive_mail(mail, UnknownSender::Refuse).await.unwrap();
    assert!(
        matches!(
            got,
            Received::Opened {
                files: 0,
                left_out: 1,
                ..
            }
        ),
        "{got:?}"
    );
    let w = written(&captured);
    assert!(w.files.is_empty());
    match w.target {
        InboundTarget::Ticket { ticket, .. } => {
            let d = ticket.description.as_str();
            assert!(d.starts_with("It smokes."), "{d}");
            assert!(d.contains("\"big.pdf\" (3 bytes) not kept"), "{d}");
        }
        other => panic!("a ticket expected, got {other:?}"),
    }
}
