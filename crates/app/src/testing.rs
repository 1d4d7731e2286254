//! The one test harness of the application (feature `mock`), shared by the use-case tests of
//! this crate and the HTTP tests of `ticketing-http`:
//!
//! - [`Harness`]: every port mocked (mockall; a call nobody expected panics), a clock that always
//!   says [`now()`] and ids [`gen_id`]`(1)`, `gen_id(2)`, ... in the order they are asked for.
//!   [`Harness::build`] gives the `App` over the mocks; [`Harness::build_on`] puts a real store
//!   (in tests, `ticketing_store_contract::MemoryStore`) in place of the repository and health
//!   ports, keeping the mocks of the hasher, the token service and the blob store.
//! - Fixtures: users ([`carol`], [`dave`], [`alice`], [`bob`], [`root`]), a ticket
//!   ([`ticket_of`], [`ticket_in`]), messages, attachments, access claims.
//! - [`seed`]: puts fixtures into a store through its ports.
//!
//! Use the store for tests of outcomes (what a use case answers and what it leaves stored); use
//! the repository mocks for "nothing is written when refused" and for failures a store does not
//! produce on demand (a lost race at one precise call, a write that fails after a read).
//!
//! This is test code: it panics on bad test data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use mockall::predicate::eq;
use ticketing_domain::listing::{Limit, Page, TimelineQuery};
use ticketing_domain::{
    Attachment, AttachmentId, Description, Email, FileName, Message, MessageBody, MessageId,
    PersonName, Priority, Role, Status, StoredFile, Ticket, TicketId, Topic, User, UserId,
    Username,
};
use uuid::Uuid;

use crate::error::TokenError;
use crate::ports::{
    AccessClaims, MockActivityRepository, MockApiTokenRepository, MockAttachmentRepository,
    MockAuditRepository, MockBlobStore, MockClock, MockEventRepository, MockHealthCheck,
    MockIdGenerator, MockMessageRepository, MockPasswordHasher, MockSessionRepository,
    MockTicketRepository, MockTokenService, MockUserRepository, Store, Timeline,
};
use crate::{App, FieldErrors, Ports, Settings, StorePorts};

/// What the fixed clock says.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000, 0).unwrap()
}

/// Some time before `now()`, when fixtures were made.
pub fn earlier() -> DateTime<Utc> {
    now() - Duration::days(3)
}

/// The `n`-th id the counting generator hands out (the first is `gen_id(1)`).
pub fn gen_id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// Every port mocked; set expectations on the fields, then [`build`](Self::build) (or
/// [`build_on`](Self::build_on) a store).
#[derive(Debug, Default)]
pub struct Harness {
    /// Users.
    pub users: MockUserRepository,
    /// Tickets.
    pub tickets: MockTicketRepository,
    /// Messages.
    pub messages: MockMessageRepository,
    /// Attachment rows.
    pub attachments: MockAttachmentRepository,
    /// The activity log.
    pub activities: MockActivityRepository,
    /// Refresh sessions.
    pub sessions: MockSessionRepository,
    /// The audit log.
    pub audit: MockAuditRepository,
    /// The event outbox.
    pub events: MockEventRepository,
    /// API tokens.
    pub api_tokens: MockApiTokenRepository,
    /// The shared counters of the limits: real ones, in memory (not a mock).
    pub counters: crate::MemoryCounters,
    /// Store health.
    pub health: MockHealthCheck,
    /// Attachment bytes.
    pub blobs: MockBlobStore,
    /// Password hashing.
    pub hasher: MockPasswordHasher,
    /// Tokens and signed links.
    pub tokens: MockTokenService,
    /// The use-case settings (default: `Settings::default()`).
    pub settings: Settings,
}

impl Harness {
    /// The app over these mocks, a clock that always says `now()` and ids `gen_id(1)`,
    /// `gen_id(2)`, ... in the order they are asked for.
    pub fn build(mut self) -> App {
        // Nobody is near the upload quota unless a test says otherwise (earlier expectations
        // match first).
        self.attachments
            .expect_bytes_uploaded_by()
            .returning(|_| Ok(0));
        let Self {
            users,
            tickets,
            messages,
            attachments,
            activities,
            sessions,
            audit,
            events,
            api_tokens,
            counters,
            health,
            blobs,
            hasher,
            tokens,
            settings,
        } = self;
        assemble(
            StorePorts {
                users: Arc::new(users),
                tickets: Arc::new(tickets),
                messages: Arc::new(messages),
                attachments: Arc::new(attachments),
                activities: Arc::new(activities),
                sessions: Arc::new(sessions),
                audit: Arc::new(audit),
                events: Arc::new(events),
                api_tokens: Arc::new(api_tokens),
                counters: Arc::new(counters),
                health: Arc::new(health),
            },
            blobs,
            hasher,
            tokens,
            settings,
        )
    }

    /// The app over `store` for every repository port and the health check, the mocks of the
    /// hasher, the token service and the blob store, the fixed clock and the counting ids. The
    /// repository mocks of this harness are dropped here: an expectation set on them that wants
    /// a call fails at once.
    pub fn build_on<S: Store + Clone + 'static>(self, store: &S) -> App {
        assemble(
            StorePorts::of(Arc::new(store.clone())),
            self.blobs,
            self.hasher,
            self.tokens,
            self.settings,
        )
    }

    /// `TicketRepository::get(ticket.id)` answers `ticket`, exactly `times` times.
    pub fn ticket_is(&mut self, ticket: &Ticket, times: usize) {
        let t = ticket.clone();
        self.tickets
            .expect_get()
            .with(eq(ticket.id))
            .times(times)
            .returning(move |_| Ok(t.clone()));
    }

    /// `UserRepository::get_many` is asked once for exactly these users (in any order).
    pub fn people(&mut self, people: &[&User]) {
        let mut wanted: Vec<UserId> = people.iter().map(|u| u.id).collect();
        wanted.sort();
        wanted.dedup();
        let found: Vec<User> = people.iter().map(|u| (*u).clone()).collect();
        self.users
            .expect_get_many()
            .withf(move |ids: &[UserId]| {
                let mut ids = ids.to_vec();
                ids.sort();
                ids == wanted
            })
            .times(1)
            .returning(move |_| Ok(found.clone()));
    }

    /// The detail of `ticket` has no messages, attachments or activities; its timeline is asked
    /// for with `include_internal`.
    pub fn empty_detail(&mut self, ticket: TicketId, include_internal: bool) {
        self.tickets
            .expect_timeline()
            .with(eq(ticket), eq(include_internal), eq(Limit::default()))
            .times(1)
            .returning(|_, _, _| {
                Ok(Timeline {
                    messages: page(Vec::new()),
                    files: Vec::new(),
                    attachments: page(Vec::new()),
                    activities: page(Vec::new()),
                })
            });
    }

    /// The access token `<username>` authenticates as `user` (any number of times): the token
    /// service accepts it with [`claims`] of `user`, and `UserRepository::get` finds `user`.
    pub fn caller(&mut self, user: &User) {
        let token = user.username.as_str().to_owned();
        let claims_of = user.clone();
        self.tokens
            .expect_verify_access()
            .withf(move |t, _| t == token)
            .returning(move |_, _| Ok(claims(&claims_of)));
        let id = user.id;
        let found = user.clone();
        self.users
            .expect_get()
            .withf(move |u| *u == id)
            .returning(move |_| Ok(found.clone()));
    }

    /// The access token `token` is refused by the token service with `error`.
    pub fn bad_token(&mut self, token: &'static str, error: TokenError) {
        self.tokens
            .expect_verify_access()
            .withf(move |t, _| t == token)
            .returning(move |_, _| Err(error));
    }
}

/// What a ticket detail asks each list for: the latest 50, newest first.
pub fn latest() -> TimelineQuery {
    TimelineQuery::newest_first(Limit::default())
}

/// The first page of a list, oldest first, 50 at most.
pub fn oldest() -> TimelineQuery {
    TimelineQuery::oldest_first(Limit::default())
}

/// A single page holding `items`.
pub fn page<T>(items: Vec<T>) -> Page<T> {
    Page {
        total: items.len() as u64,
        items,
        next: None,
        exact: true,
    }
}

fn assemble(
    repos: StorePorts,
    blobs: MockBlobStore,
    hasher: MockPasswordHasher,
    tokens: MockTokenService,
    settings: Settings,
) -> App {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    let mut ids = MockIdGenerator::new();
    let mut n = 0u128;
    ids.expect_new_id().returning(move || {
        n += 1;
        gen_id(n)
    });
    App::new(
        Ports {
            store: repos,
            blobs: Arc::new(blobs),
            hasher: Arc::new(hasher),
            tokens: Arc::new(tokens),
            clock: Arc::new(clock),
            ids: Arc::new(ids),
        },
        settings,
    )
}

/// The claims of a fresh access token of `user` (expiring 15 minutes after `now()`).
pub fn claims(user: &User) -> AccessClaims {
    AccessClaims {
        user_id: user.id,
        role: user.role,
        token_epoch: user.token_epoch,
        jti: Uuid::nil(),
        expires_at: now() + Duration::minutes(15),
    }
}

fn person(id: u128, name: &str, role: Role) -> User {
    User {
        id: UserId::from_uuid(Uuid::from_u128(id)),
        username: Username::parse(name).unwrap(),
        email: Email::parse(&format!("{name}@example.com")).unwrap(),
        first_name: PersonName::parse(name).unwrap(),
        last_name: PersonName::empty(),
        role,
        is_active: true,
        must_change_password: false,
        token_epoch: 0,
        date_joined: earlier(),
        last_login: None,
    }
}

/// A customer.
pub fn carol() -> User {
    person(0xCA_0001, "carol", Role::Customer)
}

/// Another customer.
pub fn dave() -> User {
    person(0xDA_0002, "dave", Role::Customer)
}

/// An agent.
pub fn alice() -> User {
    person(0xA1_0003, "alice", Role::Agent)
}

/// Another agent.
pub fn bob() -> User {
    person(0xB0_0004, "bob", Role::Agent)
}

/// An admin.
pub fn root() -> User {
    person(0xAD_0005, "root", Role::Admin)
}

/// The ticket every ticket test works on.
pub fn ticket_id() -> TicketId {
    TicketId::from_uuid(Uuid::from_u128(0x7_0001))
}

/// Another ticket.
pub fn other_ticket_id() -> TicketId {
    TicketId::from_uuid(Uuid::from_u128(0x7_0002))
}

/// An open, unassigned ticket of `owner` at version 3, with 2 public messages and 1 internal
/// note. Its number is 1 and it has no last public message: what a store holds after
/// [`seed::ticket`] stores it first (stores number tickets themselves, and only a stored message
/// sets the last public one).
pub fn ticket_of(owner: &User) -> Ticket {
    Ticket {
        id: ticket_id(),
        number: 1,
        owner: owner.id,
        assigned_to: None,
        topic: Topic::parse("VPN down").unwrap(),
        description: Description::parse("Since this morning").unwrap(),
        status: Status::Open,
        priority: Priority::Medium,
        created_at: earlier(),
        updated_at: earlier(),
        public_updated_at: earlier(),
        resolved_at: None,
        closed_at: None,
        version: 3,
        public_version: 3,
        message_count: 2,
        internal_note_count: 1,
        last_public_message: None,
        deleted_at: None,
    }
}

/// `ticket_of(owner)` in `status` (with its timestamps).
pub fn ticket_in(owner: &User, status: Status) -> Ticket {
    let mut t = ticket_of(owner);
    t.status = status;
    if status == Status::Resolved {
        t.resolved_at = Some(earlier());
    }
    if status == Status::Closed {
        t.closed_at = Some(earlier());
    }
    t
}

/// A message on the ticket.
pub fn message(id: u128, author: &User, internal: bool) -> Message {
    Message {
        id: MessageId::from_uuid(Uuid::from_u128(id)),
        ticket_id: ticket_id(),
        author: author.id,
        body: MessageBody::parse("Have you tried turning it off and on again?").unwrap(),
        is_staff_message: author.role.is_staff(),
        internal,
        created_at: earlier(),
    }
}

/// An attachment of the ticket (of `message`, when given), stored under `key-<id>`.
pub fn attachment(id: u128, uploader: &User, message: Option<&Message>) -> Attachment {
    Attachment {
        id: AttachmentId::from_uuid(Uuid::from_u128(id)),
        ticket_id: ticket_id(),
        message_id: message.map(|m| m.id),
        filename: FileName::sanitize("screenshot.png"),
        content_type: "image/png".to_owned(),
        file: StoredFile {
            storage_key: format!("key-{id:x}"),
            size: 1234,
            sha256: "ab".repeat(32),
        },
        uploaded_by: uploader.id,
        uploaded_at: earlier(),
        internal: message.is_some_and(|m| m.internal),
    }
}

/// Validation errors on one field.
pub fn field_errors(field: &str, messages: &[&str]) -> FieldErrors {
    BTreeMap::from([(
        field.to_owned(),
        messages.iter().map(|m| (*m).to_owned()).collect(),
    )])
}

/// Puts fixtures into a store through its ports, as they are (panics when the store refuses).
pub mod seed {
    use ticketing_domain::{
        Action, ActivityEntry, ActivityId, Attachment, Message, Ticket, TicketId, User,
    };
    use uuid::Uuid;

    use crate::ports::{
        AttachmentRepository, MessageRepository, Store, TicketEffect, TicketRepository,
        UserRepository,
    };

    /// The password hash [`users`] stores for `user`.
    pub fn hash_of(user: &User) -> String {
        format!("hash-of-{}", user.username.as_str())
    }

    /// Stores these users, each with the password hash [`hash_of`] it.
    pub async fn users<S: Store>(store: &S, users: &[&User]) {
        for user in users {
            UserRepository::insert(store, user, &hash_of(user), &[])
                .await
                .unwrap();
        }
    }

    /// The `created` entry [`ticket`] stores with a ticket: by its owner, at its creation, with
    /// an id derived from the ticket's (never one of the counting ids).
    pub fn created_entry(ticket: &Ticket) -> ActivityEntry {
        ActivityEntry {
            id: ActivityId::from_uuid(Uuid::from_u128(ticket.id.as_uuid().as_u128() | (1 << 127))),
            ticket_id: ticket.id,
            action: Action::Created,
            performed_by: ticket.owner,
            details: "Ticket created".to_owned(),
            change: None,
            internal: false,
            created_at: ticket.created_at,
        }
    }

    /// Stores `ticket` as it is (version, counters and all) with its [`created_entry`].
    pub async fn ticket<S: Store>(store: &S, ticket: &Ticket) {
        TicketRepository::create(store, ticket, &created_entry(ticket), &[])
            .await
            .unwrap();
    }

    /// The ticket as stored, for an effect that leaves it as it is.
    async fn unchanged<S: Store>(store: &S, id: TicketId) -> TicketEffect {
        let ticket = TicketRepository::get(store, id).await.unwrap();
        TicketEffect::Replace {
            expected_version: ticket.version,
            ticket,
        }
    }

    /// Stores a message of a stored ticket, leaving the ticket (version, counters) as it is.
    pub async fn message<S: Store>(store: &S, message: &Message) {
        let effect = unchanged(store, message.ticket_id).await;
        MessageRepository::add(store, message, &effect, &[], &[])
            .await
            .unwrap();
    }

    /// Stores an attachment row of a stored ticket, leaving the ticket as it is.
    pub async fn attachment<S: Store>(store: &S, attachment: &Attachment) {
        let effect = unchanged(store, attachment.ticket_id).await;
        AttachmentRepository::add(store, attachment, &effect, &[], &[])
            .await
            .unwrap();
    }

    /// Appends entries to the log of a stored ticket, leaving the ticket as it is.
    pub async fn log<S: Store>(store: &S, ticket: TicketId, entries: &[ActivityEntry]) {
        let stored = TicketRepository::get(store, ticket).await.unwrap();
        TicketRepository::update(store, &stored, stored.version, entries, &[])
            .await
            .unwrap();
    }
}
