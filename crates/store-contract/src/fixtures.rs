//! Builders for test data, and accessors that pick one port of a store (the ports share method
//! names such as `get` and `list`).
//!
//! This is test code: it panics on bad test data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use ticketing_app::RepoError;
use ticketing_app::ports::{
    ActivityRepository, AttachmentRepository, MessageRepository, RefreshSession, SessionRepository,
    TicketEffect, TicketRepository, UserRepository,
};
use ticketing_domain::listing::{
    Cursor, Limit, MAX_LIMIT, Page, SortKey, TicketOrdering, TicketQuery, TimelineQuery,
};
use ticketing_domain::{
    Action, ActivityEntry, ActivityId, Attachment, AttachmentId, Description, Email, FamilyId,
    FileName, Message, MessageBody, MessageId, PersonName, Priority, Role, SessionId, Status,
    StoredFile, Ticket, TicketId, Topic, User, UserId, Username,
};
use uuid::Uuid;

use crate::StoreUnderTest;

/// The user port of a store.
pub fn users<S: StoreUnderTest>(s: &S) -> &dyn UserRepository {
    s
}
/// The ticket port of a store.
pub fn tickets<S: StoreUnderTest>(s: &S) -> &dyn TicketRepository {
    s
}
/// The message port of a store.
pub fn messages<S: StoreUnderTest>(s: &S) -> &dyn MessageRepository {
    s
}
/// The attachment port of a store.
pub fn attachments<S: StoreUnderTest>(s: &S) -> &dyn AttachmentRepository {
    s
}
/// The activity port of a store.
pub fn activities<S: StoreUnderTest>(s: &S) -> &dyn ActivityRepository {
    s
}
/// Walks every page of a ticket's timeline (`list` of a port) in the direction given, the
/// largest page size, following the `next` cursors.
async fn walk_timeline<T, F, Fut>(descending: bool, mut list: F) -> Result<Vec<T>, RepoError>
where
    F: FnMut(TimelineQuery) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, RepoError>>,
{
    let mut q = TimelineQuery {
        descending,
        after: None,
        limit: Limit::new(i64::from(MAX_LIMIT)).unwrap(),
    };
    let mut all = Vec::new();
    loop {
        let page = list(q).await?;
        all.extend(page.items);
        match page.next {
            Some(next) => q.after = Some(Cursor::decode(&next, q.ordering()).unwrap()),
            None => return Ok(all),
        }
    }
}

/// Every message of a ticket, oldest first (internal notes when `internal`), page by page.
pub async fn all_messages<S: StoreUnderTest>(
    s: &S,
    ticket: TicketId,
    internal: bool,
) -> Result<Vec<Message>, RepoError> {
    walk_timeline(false, |q| async move {
        messages(s).list(ticket, internal, &q).await
    })
    .await
}

/// Every attachment of a ticket, oldest first (internal ones when `internal`), page by page.
pub async fn all_attachments<S: StoreUnderTest>(
    s: &S,
    ticket: TicketId,
    internal: bool,
) -> Result<Vec<Attachment>, RepoError> {
    walk_timeline(false, |q| async move {
        attachments(s).list(ticket, internal, &q).await
    })
    .await
}

/// A ticket's whole activity log, newest first (internal entries when `internal`), page by page.
pub async fn all_activities<S: StoreUnderTest>(
    s: &S,
    ticket: TicketId,
    internal: bool,
) -> Result<Vec<ActivityEntry>, RepoError> {
    walk_timeline(true, |q| async move {
        activities(s).list(ticket, internal, &q).await
    })
    .await
}

/// The session port of a store.
pub fn sessions<S: StoreUnderTest>(s: &S) -> &dyn SessionRepository {
    s
}

/// A fixed instant with microseconds: 2024-03-10T12:34:56.789012Z.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 10, 12, 34, 56)
        .single()
        .unwrap_or_default()
        + Duration::microseconds(789_012)
}

/// `t0()` plus `seconds`.
pub fn at(seconds: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(seconds)
}

/// A random id.
pub fn new_id() -> Uuid {
    Uuid::new_v4()
}

/// A user with defaults: email `{username}@example.com` (`@` in the username becomes `.`),
/// empty names, active, epoch 0.
pub fn user(username: &str, role: Role) -> User {
    let local = username.replace('@', ".");
    User {
        id: UserId::from_uuid(new_id()),
        username: Username::parse(username).expect("test username"),
        email: Email::parse(&format!("{local}@example.com")).expect("test email"),
        first_name: PersonName::empty(),
        last_name: PersonName::empty(),
        role,
        is_active: true,
        must_change_password: false,
        token_epoch: 0,
        date_joined: t0(),
        last_login: None,
    }
}

/// Inserts [`user`] and returns it.
pub async fn add_user<S: StoreUnderTest>(s: &S, username: &str, role: Role) -> User {
    let u = user(username, role);
    users(s).insert(&u, "hash", &[]).await.expect("insert user");
    u
}

/// An open, medium, unassigned ticket at version 1 created at `created`.
pub fn ticket(owner: &User, topic: &str, description: &str, created: DateTime<Utc>) -> Ticket {
    Ticket {
        id: TicketId::from_uuid(new_id()),
        number: 0,
        owner: owner.id,
        assigned_to: None,
        topic: Topic::parse(topic).expect("test topic"),
        description: Description::parse(description).expect("test description"),
        status: Status::Open,
        priority: Priority::Medium,
        created_at: created,
        updated_at: created,
        public_updated_at: created,
        resolved_at: None,
        closed_at: None,
        version: 1,
        public_version: 1,
        message_count: 0,
        internal_note_count: 0,
        last_public_message: None,
        deleted_at: None,
    }
}

/// An activity entry of `ticket`.
pub fn entry(
    ticket: TicketId,
    action: Action,
    by: UserId,
    internal: bool,
    when: DateTime<Utc>,
) -> ActivityEntry {
    ActivityEntry {
        id: ActivityId::from_uuid(new_id()),
        ticket_id: ticket,
        action,
        performed_by: by,
        details: format!("{action} by test"),
        change: None,
        internal,
        created_at: when,
    }
}

/// Creates `t` with its `created` entry, sets `t.number` to the number the store gave it and
/// returns the entry.
pub async fn add_ticket<S: StoreUnderTest>(s: &S, t: &mut Ticket) -> ActivityEntry {
    let created = entry(t.id, Action::Created, t.owner, false, t.created_at);
    t.number = tickets(s)
        .create(t, &created, &[])
        .await
        .expect("create ticket");
    created
}

/// A message of `ticket`.
pub fn message(
    ticket: TicketId,
    author: &User,
    body: &str,
    internal: bool,
    when: DateTime<Utc>,
) -> Message {
    Message {
        id: MessageId::from_uuid(new_id()),
        ticket_id: ticket,
        author: author.id,
        body: MessageBody::parse(body).expect("test body"),
        is_staff_message: author.role.is_staff(),
        internal,
        created_at: when,
    }
}

/// The `Touch` a message adds to an open ticket.
pub fn touch(ticket: TicketId, when: DateTime<Utc>, messages: u32, notes: u32) -> TicketEffect {
    touch_in(Status::Open, ticket, when, messages, notes)
}

/// The `Touch` a message adds to a ticket in `status`.
pub fn touch_in(
    status: Status,
    ticket: TicketId,
    when: DateTime<Utc>,
    messages: u32,
    notes: u32,
) -> TicketEffect {
    TicketEffect::Touch {
        ticket_id: ticket,
        status,
        at: when,
        messages,
        internal_notes: notes,
        public: notes == 0,
    }
}

/// An attachment of `ticket` with a fresh storage key.
pub fn attachment(
    ticket: TicketId,
    message: Option<&Message>,
    by: &User,
    name: &str,
    when: DateTime<Utc>,
) -> Attachment {
    let id = new_id();
    Attachment {
        id: AttachmentId::from_uuid(id),
        ticket_id: ticket,
        message_id: message.map(|m| m.id),
        filename: FileName::sanitize(name),
        content_type: "application/pdf".to_owned(),
        file: StoredFile {
            storage_key: format!("ab/{}", id.simple()),
            size: 1234,
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_owned(),
        },
        uploaded_by: by.id,
        uploaded_at: when,
        internal: message.is_some_and(|m| m.internal),
    }
}

/// A live refresh session.
pub fn session(
    user: UserId,
    family: FamilyId,
    hash: &str,
    created: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> RefreshSession {
    RefreshSession {
        id: SessionId::from_uuid(new_id()),
        family,
        user_id: user,
        token_hash: hash.to_owned(),
        created_at: created,
        expires_at: expires,
        rotated_at: None,
        revoked_at: None,
    }
}

/// The sort key of `t` in `ordering`, then its id.
pub fn sort_key(ordering: TicketOrdering, t: &Ticket) -> (i64, Uuid) {
    let k = match ordering.key {
        SortKey::CreatedAt => t.created_at.timestamp_micros(),
        SortKey::UpdatedAt => t.updated_at.timestamp_micros(),
        SortKey::Priority => i64::from(t.priority.rank()),
    };
    (k, t.id.as_uuid())
}

/// The tickets `query` selects out of `all`, in its ordering (ties by id, same direction); the
/// ticket of the number a number query seeks first.
pub fn expected(all: &[Ticket], query: &TicketQuery) -> Vec<TicketId> {
    expected_with(all, &[], query)
}

/// [`expected`] for tickets whose messages are `conversation` (what a text search also reads:
/// `TicketQuery::selects_with`).
pub fn expected_with(
    all: &[Ticket],
    conversation: &[Message],
    query: &TicketQuery,
) -> Vec<TicketId> {
    let messages: Vec<&Message> = conversation.iter().collect();
    let mut chosen: Vec<&Ticket> = all
        .iter()
        .filter(|t| query.selects_with(t, &messages))
        .collect();
    chosen.sort_by_key(|t| {
        let (k, id) = sort_key(query.ordering, t);
        match query.ordering.key {
            SortKey::UpdatedAt => (query.updated_at_of(t).timestamp_micros(), id),
            _ => (k, id),
        }
    });
    if query.ordering.descending {
        chosen.reverse();
    }
    if let Some(i) = query
        .sought_number()
        .and_then(|n| chosen.iter().position(|t| t.number == n))
    {
        let pinned = chosen.remove(i);
        chosen.insert(0, pinned);
    }
    chosen.into_iter().map(|t| t.id).collect()
}

/// Walks every page of `query`, checking page sizes and totals on the way; the tickets in order.
pub async fn walk<S: StoreUnderTest>(s: &S, mut query: TicketQuery) -> Vec<Ticket> {
    let limit = usize::from(query.limit.get());
    let mut out = Vec::new();
    let mut first_total = None;
    for _ in 0..1000 {
        let page = tickets(s).list(&query).await.expect("list tickets");
        assert!(page.items.len() <= limit, "page larger than the limit");
        if page.next.is_some() {
            assert_eq!(
                page.items.len(),
                limit,
                "a page before the last must be full"
            );
        }
        first_total.get_or_insert(page.total);
        out.extend(page.items);
        match page.next {
            None => return out,
            Some(text) => {
                query.after = Some(
                    Cursor::decode(&text, query.ordering).expect("the store's cursor decodes"),
                );
            }
        }
    }
    panic!("pagination does not end");
}

/// The ids of `tickets`.
pub fn ids(tickets: &[Ticket]) -> Vec<TicketId> {
    tickets.iter().map(|t| t.id).collect()
}

/// Exact comparison (the `PartialEq` of usernames and emails ignores case; `Debug` does not).
#[track_caller]
pub fn assert_same<T: std::fmt::Debug>(got: &T, want: &T) {
    assert_eq!(format!("{got:#?}"), format!("{want:#?}"));
}
