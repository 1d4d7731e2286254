//! The test harness: an `App` over mocks that panic on any call nobody expected, a fixed clock
//! and a counting id generator; plus fixtures.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use mockall::predicate::eq;
use ticketing_app::ports::{
    MockActivityRepository, MockAttachmentRepository, MockAuditRepository, MockBlobStore,
    MockClock, MockHealthCheck, MockIdGenerator, MockMessageRepository, MockPasswordHasher,
    MockSessionRepository, MockTicketRepository, MockTokenService, MockUserRepository,
};
use ticketing_app::{App, FieldErrors, Ports, Settings};
use ticketing_domain::{
    Attachment, AttachmentId, Description, Email, FileName, Message, MessageBody, MessageId,
    PersonName, Priority, Role, Status, StoredFile, Ticket, TicketId, Topic, User, UserId,
    Username,
};
use uuid::Uuid;

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

/// Every port mocked; set expectations on the fields, then `build()`.
#[derive(Default)]
pub struct Harness {
    pub users: MockUserRepository,
    pub tickets: MockTicketRepository,
    pub messages: MockMessageRepository,
    pub attachments: MockAttachmentRepository,
    pub activities: MockActivityRepository,
    pub sessions: MockSessionRepository,
    pub audit: MockAuditRepository,
    pub health: MockHealthCheck,
    pub blobs: MockBlobStore,
    pub hasher: MockPasswordHasher,
    pub tokens: MockTokenService,
    pub settings: Settings,
}

impl Harness {
    /// The app over these mocks, a clock that always says `now()` and ids `gen_id(1)`,
    /// `gen_id(2)`, ... in the order they are asked for.
    pub fn build(self) -> App {
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
                users: Arc::new(self.users),
                tickets: Arc::new(self.tickets),
                messages: Arc::new(self.messages),
                attachments: Arc::new(self.attachments),
                activities: Arc::new(self.activities),
                sessions: Arc::new(self.sessions),
                audit: Arc::new(self.audit),
                health: Arc::new(self.health),
                blobs: Arc::new(self.blobs),
                hasher: Arc::new(self.hasher),
                tokens: Arc::new(self.tokens),
                clock: Arc::new(clock),
                ids: Arc::new(ids),
            },
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

    /// The detail of `ticket` has no messages, attachments or activities; the lists are asked
    /// for with `include_internal`.
    pub fn empty_detail(&mut self, ticket: TicketId, include_internal: bool) {
        self.messages
            .expect_list()
            .with(eq(ticket), eq(include_internal))
            .times(1)
            .returning(|_, _| Ok(Vec::new()));
        self.attachments
            .expect_list()
            .with(eq(ticket), eq(include_internal))
            .times(1)
            .returning(|_, _| Ok(Vec::new()));
        self.activities
            .expect_list()
            .with(eq(ticket), eq(include_internal))
            .times(1)
            .returning(|_, _| Ok(Vec::new()));
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
/// note.
pub fn ticket_of(owner: &User) -> Ticket {
    Ticket {
        id: ticket_id(),
        owner: owner.id,
        assigned_to: None,
        topic: Topic::parse("VPN down").unwrap(),
        description: Description::parse("Since this morning").unwrap(),
        status: Status::Open,
        priority: Priority::Medium,
        created_at: earlier(),
        updated_at: earlier(),
        resolved_at: None,
        closed_at: None,
        version: 3,
        message_count: 2,
        internal_note_count: 1,
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
