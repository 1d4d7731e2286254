//! Fixtures shared by the unit and property tests: fixed ids, the four kinds of actors, users to
//! assign, and tickets in any status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use crate::change::{self, Applied, NewAttachment, NewMessage, NewTicket};
use crate::ids::{ActivityId, AttachmentId, MessageId, TicketId, UserId};
use crate::message::{Attachment, Message, StoredFile};
use crate::text::{Description, Email, FileName, MessageBody, PersonName, Topic, Username};
use crate::ticket::{Status, Ticket};
use crate::user::{Actor, Assignee, Role, User};

pub const OWNER: UserId = UserId::from_uuid(Uuid::from_u128(0x0a));
pub const OTHER: UserId = UserId::from_uuid(Uuid::from_u128(0x0b));
pub const AGENT: UserId = UserId::from_uuid(Uuid::from_u128(0x0c));
pub const ADMIN: UserId = UserId::from_uuid(Uuid::from_u128(0x0d));
pub const INACTIVE_AGENT: UserId = UserId::from_uuid(Uuid::from_u128(0x0e));
pub const TICKET: TicketId = TicketId::from_uuid(Uuid::from_u128(0x100));
pub const OTHER_TICKET: TicketId = TicketId::from_uuid(Uuid::from_u128(0x101));

pub fn owner() -> Actor {
    Actor {
        id: OWNER,
        role: Role::Customer,
    }
}
pub fn other_customer() -> Actor {
    Actor {
        id: OTHER,
        role: Role::Customer,
    }
}
pub fn agent() -> Actor {
    Actor {
        id: AGENT,
        role: Role::Agent,
    }
}
pub fn admin() -> Actor {
    Actor {
        id: ADMIN,
        role: Role::Admin,
    }
}

/// The four actors with a label for failure messages.
pub fn actors() -> [(&'static str, Actor); 4] {
    [
        ("owner", owner()),
        ("other customer", other_customer()),
        ("agent", agent()),
        ("admin", admin()),
    ]
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
}

/// A later instant, distinct from every timestamp of [`ticket`].
pub fn now() -> DateTime<Utc> {
    t0() + Duration::hours(5)
}

/// Hands out activity ids 1000, 1001, ...
pub fn ids() -> impl FnMut() -> ActivityId {
    let mut n = 1000u128;
    move || {
        n += 1;
        ActivityId::from_uuid(Uuid::from_u128(n))
    }
}

pub fn user(id: UserId, name: &str, role: Role, is_active: bool) -> User {
    User {
        id,
        username: Username::parse(name).unwrap(),
        email: Email::parse(&format!("{name}@example.com")).unwrap(),
        first_name: PersonName::empty(),
        last_name: PersonName::empty(),
        role,
        is_active,
        must_change_password: false,
        token_epoch: 0,
        date_joined: t0(),
        last_login: None,
    }
}

/// What a patch needs of a user to assign them.
pub fn assignee(user: &User) -> Assignee {
    Assignee::from(user)
}

pub fn agent_user() -> User {
    user(AGENT, "alice", Role::Agent, true)
}
pub fn admin_user() -> User {
    user(ADMIN, "root", Role::Admin, true)
}
pub fn customer_user() -> User {
    user(OTHER, "carol", Role::Customer, true)
}
pub fn inactive_agent_user() -> User {
    user(INACTIVE_AGENT, "gone", Role::Agent, false)
}

/// An open ticket of [`OWNER`], version 3, with consistent timestamps for `status`.
pub fn ticket(status: Status) -> Ticket {
    let new = NewTicket::new(
        TICKET,
        Topic::parse("Printer on fire").unwrap(),
        Description::parse("Smoke everywhere").unwrap(),
    );
    let t = change::open_ticket(&owner(), new, t0(), ids()).ticket;
    Ticket {
        status,
        version: 3,
        updated_at: t0() + Duration::minutes(30),
        public_version: 3,
        public_updated_at: t0() + Duration::minutes(30),
        resolved_at: matches!(status, Status::Resolved).then(|| t0() + Duration::minutes(20)),
        closed_at: matches!(status, Status::Closed).then(|| t0() + Duration::minutes(30)),
        ..t
    }
}

pub fn deleted(mut t: Ticket) -> Ticket {
    t.deleted_at = Some(t0() + Duration::hours(1));
    t
}

pub fn message(id: u128, ticket: TicketId, author: UserId, internal: bool) -> Message {
    Message {
        id: MessageId::from_uuid(Uuid::from_u128(id)),
        ticket_id: ticket,
        author,
        body: MessageBody::parse("hello").unwrap(),
        is_staff_message: author == AGENT || author == ADMIN,
        internal,
        created_at: t0(),
    }
}

pub fn new_attachment(id: u128, name: &str) -> NewAttachment {
    NewAttachment {
        id: AttachmentId::from_uuid(Uuid::from_u128(id)),
        filename: FileName::sanitize(name),
        content_type: "text/plain".to_owned(),
        file: StoredFile {
            storage_key: format!("blob-{id}"),
            size: 5,
            sha256: "00".repeat(32),
        },
    }
}

pub fn attachment(id: u128, ticket: TicketId, uploaded_by: UserId, internal: bool) -> Attachment {
    let new = new_attachment(id, "log.txt");
    Attachment {
        id: new.id,
        ticket_id: ticket,
        message_id: None,
        filename: new.filename,
        content_type: new.content_type,
        file: new.file,
        uploaded_by,
        uploaded_at: t0(),
        internal,
    }
}

pub fn new_message(id: MessageId, body: MessageBody, internal: bool) -> NewMessage {
    NewMessage { id, body, internal }
}

/// The change and what it created, apart.
pub fn split<T>(a: Applied<T>) -> (Applied, T) {
    a.split()
}
