//! Ports: what the use cases need from the outside world. Adapters implement them; tests mock
//! them (`mock` feature, mockall).
//!
//! Every repository method runs as one transaction in its adapter: a method that writes several
//! rows writes all of them or none. A write that records a change takes its activity entries and
//! its events (`ticketing_domain::event`, from `domain::change`) and appends both in that
//! transaction; the audit entries of account changes bring their events along
//! ([`AuditEntry::event`]). Unless a method says otherwise, failures are
//! [`RepoError::Unavailable`] (database unreachable, pool exhausted, locked too long; nothing was
//! written) and [`RepoError::Unexpected`] (anything else; nothing was written).

use std::collections::HashSet;
use std::pin::Pin;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ticketing_domain::listing::{Limit, Page, TicketQuery, TimelineQuery, UserQuery};
use ticketing_domain::{
    ActivityEntry, ApiToken, ApiTokenId, Attachment, AttachmentId, Event, FamilyId, LoginName,
    Message, MessageId, Password, Presence, Role, SessionId, Status, StoredFile, Ticket, TicketId,
    User, UserId,
};
use uuid::Uuid;

use crate::audit::{AuditEntry, AuditQuery};
use crate::error::{BlobError, CryptoError, RepoError, TokenError};

/// An admin's change to a user's access (absent fields stay as stored).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessChange {
    /// New role.
    pub role: Option<Role>,
    /// Activate or deactivate.
    pub is_active: Option<bool>,
    /// Increment the stored token epoch (every access token issued before stops working).
    pub revoke_tokens: bool,
}

/// What [`UserRepository::update_access`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessOutcome {
    /// The change was applied; the user as stored afterwards.
    Updated(User),
    /// Refused, nothing changed: no active admin would remain.
    LastAdmin,
}

/// User accounts and their password hashes.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user with its password hash and the username's skeleton
    /// (`Username::skeleton`), and appends `audit`, all or nothing.
    /// `Conflict { field: "username" | "email" }` when either is taken (case-insensitively), or
    /// is (case-insensitively) another user's email or username respectively (usernames and
    /// emails share one namespace of login names); `Conflict { field: "username_skeleton" }`
    /// when another username looks alike.
    async fn insert(
        &self,
        user: &User,
        password_hash: &str,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError>;

    /// The user with this id (active or not). `NotFound` when there is none.
    async fn get(&self, id: UserId) -> Result<User, RepoError>;

    /// The users with these ids, in any order; unknown ids are skipped.
    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<User>, RepoError>;

    /// The user (active or not) whose username or email (case-insensitively) is `login`, with
    /// their password hash; `Ok(None)` when there is none.
    async fn find_credentials(
        &self,
        login: &LoginName,
    ) -> Result<Option<(User, String)>, RepoError>;

    /// The password hash of a user. `NotFound` when there is none.
    async fn password_hash(&self, id: UserId) -> Result<String, RepoError>;

    /// Saves `email`, `first_name` and `last_name` of an existing user, and nothing else (role,
    /// active flag and token epoch are left as stored, whatever `user` says). `NotFound` when it
    /// does not exist; `Conflict { field: "email" }` when the email belongs to another user or
    /// is (case-insensitively) another user's username.
    async fn update_profile(&self, user: &User) -> Result<(), RepoError>;

    /// Changes a user's username (and its skeleton) and appends `audit`, all or nothing; returns
    /// the user as stored afterwards. `NotFound` when the user does not exist; `Conflict` as for
    /// [`UserRepository::insert`] (`username`, `username_skeleton`; the user's own current
    /// username does not count).
    async fn rename(
        &self,
        id: UserId,
        username: &ticketing_domain::Username,
        audit: &[AuditEntry],
    ) -> Result<User, RepoError>;

    /// Applies an admin's change to a user's access, in one transaction, serialized with every
    /// other `update_access`: sets `role` and `is_active` where given, increments the stored
    /// `token_epoch` by one when `revoke_tokens`, deletes every API token of the user when
    /// `revoke_tokens` or when the role changes (they would never be honoured again, see
    /// `ApiToken::check`), and returns the user as stored afterwards.
    /// When the user is an active admin and would stop being one while no other active admin
    /// exists, changes nothing and returns [`AccessOutcome::LastAdmin`]. `NotFound` when the
    /// user does not exist. `audit` is appended in the same transaction when the change is
    /// applied (not on `LastAdmin`).
    async fn update_access(
        &self,
        id: UserId,
        change: &AccessChange,
        audit: &[AuditEntry],
    ) -> Result<AccessOutcome, RepoError>;

    /// Replaces a user's password hash, increments the stored token epoch by one (revoking
    /// every access token issued before), clears `must_change_password`, deletes every API token
    /// of the user, and appends `audit`, all or nothing; returns the new epoch. `NotFound` when
    /// the user does not exist.
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &[AuditEntry],
    ) -> Result<i64, RepoError>;

    /// Records a successful login time. `NotFound` when the user does not exist.
    async fn record_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), RepoError>;

    /// A page of users ordered by username (case-insensitively) then id, with the total.
    async fn list(&self, query: &UserQuery) -> Result<Page<User>, RepoError>;

    /// The changes of users committed by any process (this one, another replica, the CLI), for
    /// caches of users: `None` when the store has no such feed (SQLite: one process serves a
    /// database file, and its own writes are seen where they are made). On PostgreSQL every
    /// write that changes what a cached user holds (`update_profile`, `rename`,
    /// `update_access`, `set_password`) sends the user's id at its commit (`NOTIFY`); a feed
    /// that may have missed changes (its connection was lost) sends [`UserChange::Any`].
    /// `update_access` and `set_password` return only once this process's feed relayed their
    /// change (bounded wait), so every other process's feed has relayed it too, give or take
    /// its poll interval, which they also wait.
    fn user_changes(&self) -> Option<tokio::sync::broadcast::Receiver<UserChange>>;
}

/// One message of [`UserRepository::user_changes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    /// This user changed.
    One(UserId),
    /// Any user may have changed (changes may have been missed): forget every user.
    Any,
}

/// How many hits a key has in its current window ([`CounterRepository::hit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    /// Hits in the current window, the one just counted included.
    pub hits: u32,
    /// When the current window started.
    pub window_start: DateTime<Utc>,
}

/// Counters of hits in fixed windows, one per key, shared by every process of an installation:
/// the limits on password checks and writes hold across replicas (see `docs/security.md`).
/// Counting is atomic per key on both databases: concurrent hits from any number of processes
/// are all counted.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait CounterRepository: Send + Sync {
    /// Counts one hit on each of `keys` (in one transaction), each in its window of `window`:
    /// a key whose window started at or before `now - window` (or that has no count) starts a
    /// new window at `now` with this hit. Returns the counts in the order of `keys`.
    async fn hit(
        &self,
        keys: &[String],
        window: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<WindowCount>, RepoError>;

    /// Takes back one hit of each of `take_back` (never below zero, in the window it is in)
    /// and forgets the counts of `forget`, in one transaction. Keys without a count are left
    /// alone.
    async fn release(&self, take_back: &[String], forget: &[String]) -> Result<(), RepoError>;

    /// Deletes the counters whose window started before `before`; returns how many.
    async fn prune_counters(&self, before: DateTime<Utc>) -> Result<u64, RepoError>;
}

/// How a write that adds to a ticket (a message, an attachment) changes the ticket row.
// One value per write, moved once into the store: boxing the ticket of `Replace` would save
// nothing worth an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketEffect {
    /// Bump the version by one, set `updated_at`, add the counter deltas; when `public`, bump
    /// `public_version` and set `public_updated_at` too. The ticket must still exist, not be
    /// deleted and still be in `status` (the status the change was computed from, never
    /// `closed`), else the whole write fails with `Stale`.
    Touch {
        /// The ticket.
        ticket_id: TicketId,
        /// The status the change was computed from.
        status: Status,
        /// New `updated_at`.
        at: DateTime<Utc>,
        /// Added public messages (0 or 1).
        messages: u32,
        /// Added internal notes (0 or 1).
        internal_notes: u32,
        /// Whether customers see the change (the domain decided: its public version moved).
        public: bool,
    },
    /// Replace every mutable column with this state if the stored version is still
    /// `expected_version`, else the whole write fails with `Stale`.
    Replace {
        /// The new state (its `version` is the new version).
        ticket: Ticket,
        /// The version the change was computed from.
        expected_version: i64,
    },
}

/// The newest part of a ticket's timeline (see [`TicketRepository::timeline`]); each list
/// newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The newest messages.
    pub messages: Page<Message>,
    /// The attachments of those messages, oldest first (then by id).
    pub files: Vec<Attachment>,
    /// The newest attachments.
    pub attachments: Page<Attachment>,
    /// The newest activity entries.
    pub activities: Page<ActivityEntry>,
}

/// Tickets.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait TicketRepository: Send + Sync {
    /// Stores a new ticket with its `created` activity entry, appends `events` to the outbox,
    /// and returns the ticket's number, assigned in the same transaction (`ticket.number` is
    /// ignored): the next of one sequence for the whole installation, greater than every number
    /// given before, never given twice (not even after the ticket that had it is deleted), also
    /// under concurrent creations. A failed creation may leave a gap. `ticket.last_public_message`
    /// is ignored too (a new ticket has no message).
    async fn create(
        &self,
        ticket: &Ticket,
        created: &ActivityEntry,
        events: &[Event],
    ) -> Result<u64, RepoError>;

    /// The ticket with this id. `NotFound` when there is none or it is soft-deleted.
    async fn get(&self, id: TicketId) -> Result<Ticket, RepoError>;

    /// One page of the tickets `query` selects (never deleted ones), in its ordering, ties
    /// broken by id in the same direction, starting after `query.after`; `total` counts all
    /// pages; `next` is the encoded cursor after the last item when more follow.
    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket>, RepoError>;

    /// What a ticket detail embeds, read in one round to the store: the newest `limit`
    /// messages, attachments and activity entries of `ticket` (each the page `list` answers for
    /// `TimelineQuery::newest_first(limit)`) and the attachments of those messages (as
    /// `of_messages` answers); internal ones only when `include_internal`.
    async fn timeline(
        &self,
        ticket: TicketId,
        include_internal: bool,
        limit: Limit,
    ) -> Result<Timeline, RepoError>;

    /// Saves every mutable column of `ticket` (assignee, topic, description, status, priority,
    /// times, version, deleted marker) and appends `activities` and `events`, if the stored
    /// version is still `expected_version`. `Stale` when it is not; `NotFound` when the ticket
    /// does not exist. The number and the last public message are never changed by it (only
    /// [`MessageRepository::add`] moves the latter).
    async fn update(
        &self,
        ticket: &Ticket,
        expected_version: i64,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError>;
}

/// Messages of tickets.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait MessageRepository: Send + Sync {
    /// Stores a message, applies `effect` to its ticket and appends `activities` and `events`,
    /// all or nothing. `Stale` as described by [`TicketEffect`]. A public message becomes the
    /// ticket's `last_public_message` ([`Message::as_last_public`]) unless a later one is stored
    /// already; an internal note leaves it.
    async fn add(
        &self,
        message: &Message,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError>;

    /// The message with this id. `NotFound` when there is none.
    async fn get(&self, id: MessageId) -> Result<Message, RepoError>;

    /// One page of a ticket's messages by creation time then id, in the direction of `page`,
    /// after its cursor; internal notes only when `include_internal`. `total` counts all pages;
    /// `next` is the cursor after the last item when more follow.
    async fn list(
        &self,
        ticket: TicketId,
        include_internal: bool,
        page: &TimelineQuery,
    ) -> Result<Page<Message>, RepoError>;
}

/// Attachment metadata rows (the bytes live in a [`BlobStore`]).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait AttachmentRepository: Send + Sync {
    /// Stores an attachment row, applies `effect` and appends `activities` and `events`, all or
    /// nothing. `Stale` as described by [`TicketEffect`].
    async fn add(
        &self,
        attachment: &Attachment,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError>;

    /// The attachment with this id. `NotFound` when there is none.
    async fn get(&self, id: AttachmentId) -> Result<Attachment, RepoError>;

    /// One page of a ticket's attachments by upload time then id, in the direction of `page`,
    /// after its cursor; internal ones only when `include_internal`. `total` and `next` as for
    /// messages.
    async fn list(
        &self,
        ticket: TicketId,
        include_internal: bool,
        page: &TimelineQuery,
    ) -> Result<Page<Attachment>, RepoError>;

    /// The attachments of these messages, oldest first (then by id); internal ones only when
    /// `include_internal`.
    async fn of_messages(
        &self,
        messages: &[MessageId],
        include_internal: bool,
    ) -> Result<Vec<Attachment>, RepoError>;

    /// Deletes an attachment row, applies `effect` and appends `activities` and `events`, all or
    /// nothing. `NotFound` when the row does not exist; `Stale` as described by
    /// [`TicketEffect`].
    async fn remove(
        &self,
        id: AttachmentId,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError>;

    /// The total size in bytes of the attachments `user` uploaded that are still stored (what
    /// counts against the upload quota).
    async fn bytes_uploaded_by(&self, user: UserId) -> Result<u64, RepoError>;

    /// Every storage key that has a row (for sweeping orphan files at start-up).
    async fn storage_keys(&self) -> Result<HashSet<String>, RepoError>;
}

/// The activity log (written together with the changes, by the other repositories).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait ActivityRepository: Send + Sync {
    /// One page of a ticket's entries by time then id, in the direction of `page` (the log is
    /// read newest first), after its cursor, deleted tickets included; internal entries only
    /// when `include_internal`. `total` and `next` as for messages.
    async fn list(
        &self,
        ticket: TicketId,
        include_internal: bool,
        page: &TimelineQuery,
    ) -> Result<Page<ActivityEntry>, RepoError>;
}

/// The audit log of account administration (written together with the changes, by the other
/// repositories; see `crate::audit`). Append-only: nothing updates or deletes an entry.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait AuditRepository: Send + Sync {
    /// Appends one entry on its own (for an audited action that writes nothing else).
    async fn append(&self, entry: &AuditEntry) -> Result<(), RepoError>;

    /// One page of the entries `query` selects, newest first (by time, then id descending),
    /// starting after `query.after`; `total` counts all pages; `next` is the encoded cursor
    /// after the last item when more follow.
    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, RepoError>;
}

/// An event as stored in the outbox, under its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The outbox id (see [`EventRepository`]).
    pub id: i64,
    /// The event.
    pub event: Event,
    /// The number of its ticket (as stored now: numbers never change), for ticket events.
    pub ticket_number: Option<u64>,
}

/// The event outbox: every committed change's events, in commit order (written together with the
/// changes, by the other repositories; read by the consumers: the event stream, and later the
/// mailer and the webhooks).
///
/// Ids are 1, 2, 3, … without gaps, handed out in commit order: the events of a transaction that
/// commits after another's have higher ids. So a reader that has seen id N and later reads the
/// events after N never misses one: an event below an id it has seen, that it has not seen, can
/// only have been pruned. (A sequence would not do: a transaction that takes its value first may
/// commit last, after a reader has already moved past it.)
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait EventRepository: Send + Sync {
    /// Up to `limit` committed events with ids above `after`, by id, each with its ticket's
    /// number.
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<StoredEvent>, RepoError>;

    /// The id of the last committed event (0 when there never was one); pruning does not lower
    /// it.
    async fn last_event_id(&self) -> Result<i64, RepoError>;

    /// Deletes the events that happened before `before`, and every event with a lower id than
    /// one of those (the retained events are always the ids after some N); returns how many.
    async fn prune_events(&self, before: DateTime<Utc>) -> Result<u64, RepoError>;

    /// A receiver whose value changes whenever events may have been committed: at once for the
    /// events written through this store; on PostgreSQL also, soon after, for those written by
    /// other processes (`LISTEN`/`NOTIFY`). Only a hint: readers poll as well, so a lost
    /// notification delays delivery but loses nothing.
    fn event_wakeups(&self) -> tokio::sync::watch::Receiver<u64>;

    /// Records that a staff member is viewing or replying to a ticket (replacing their earlier
    /// presence on it), deletes every presence expired by `presence.at`, and wakes the readers
    /// ([`EventRepository::event_wakeups`], on every process). Presence is ephemeral: it is not
    /// an event of the outbox.
    async fn set_presence(&self, presence: Presence) -> Result<(), RepoError>;

    /// Forgets `user`'s presence on `ticket` (they left it) and wakes the readers; whether there
    /// was one.
    async fn clear_presence(&self, ticket: TicketId, user: UserId) -> Result<bool, RepoError>;

    /// Every presence that has not expired at `now`, by ticket then user.
    async fn current_presence(&self, now: DateTime<Utc>) -> Result<Vec<Presence>, RepoError>;
}

/// A whole store: every repository port plus the health check, as the database stores (and the
/// in-memory fake of `ticketing-store-contract`) implement them. The contract suite and the test
/// harness (`testing`, feature `mock`) take one.
pub trait Store:
    UserRepository
    + TicketRepository
    + MessageRepository
    + AttachmentRepository
    + ActivityRepository
    + SessionRepository
    + AuditRepository
    + EventRepository
    + ApiTokenRepository
    + CounterRepository
    + HealthCheck
{
}

impl<T> Store for T where
    T: UserRepository
        + TicketRepository
        + MessageRepository
        + AttachmentRepository
        + ActivityRepository
        + SessionRepository
        + AuditRepository
        + EventRepository
        + ApiTokenRepository
        + CounterRepository
        + HealthCheck
{
}

/// What [`ApiTokenRepository::create`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCreated {
    /// The token was stored.
    Created,
    /// Refused, nothing written: the owner holds the most tokens allowed already.
    LimitReached,
}

/// Personal access tokens (API tokens). Only the SHA-256 hash of a token's secret is stored.
/// A user's tokens are deleted with the changes that end them (see
/// [`UserRepository::set_password`] and [`UserRepository::update_access`]).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait ApiTokenRepository: Send + Sync {
    /// Stores `token` with the hash of its secret and appends `audit`, all or nothing, unless
    /// its owner holds `max` tokens or more already (expired ones count): then nothing is
    /// written and the answer is [`TokenCreated::LimitReached`]. The count and the insert are
    /// serialized per owner (two concurrent creations never both pass the limit).
    /// `Conflict { field: "name" }` when the owner has a token of this name already;
    /// `Conflict { field: "token_hash" }` when the hash is taken; `NotFound` when the owner does
    /// not exist.
    async fn create(
        &self,
        token: &ApiToken,
        token_hash: &str,
        max: usize,
        audit: &[AuditEntry],
    ) -> Result<TokenCreated, RepoError>;

    /// The token whose secret hashes to `token_hash`; `Ok(None)` when there is none.
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, RepoError>;

    /// The token `id` of `user`. `NotFound` when `user` has no such token (another user's
    /// token included).
    async fn get(&self, user: UserId, id: ApiTokenId) -> Result<ApiToken, RepoError>;

    /// Every token of `user`, newest first (by creation time, then id, descending).
    async fn list(&self, user: UserId) -> Result<Vec<ApiToken>, RepoError>;

    /// Deletes the token `id` of `user` and appends `audit`, all or nothing. `NotFound` when
    /// `user` has no such token (nothing written).
    async fn delete(
        &self,
        user: UserId,
        id: ApiTokenId,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError>;

    /// Records a use at `at`: sets `last_used_at` to `at` unless it is already at or after it.
    /// A missing token is no error (it may have just been deleted).
    async fn touch(&self, id: ApiTokenId, at: DateTime<Utc>) -> Result<(), RepoError>;
}

/// One refresh token. Only its SHA-256 hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshSession {
    /// This token's id.
    pub id: SessionId,
    /// The login it descends from; revoking the family ends the login everywhere.
    pub family: FamilyId,
    /// The user.
    pub user_id: UserId,
    /// SHA-256 of the token, lower-case hex.
    pub token_hash: String,
    /// Issued at.
    pub created_at: DateTime<Utc>,
    /// Dead after.
    pub expires_at: DateTime<Utc>,
    /// Set when it was exchanged for a successor.
    pub rotated_at: Option<DateTime<Utc>>,
    /// Set when it (or its family) was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Refresh sessions.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session.
    async fn create(&self, session: &RefreshSession) -> Result<(), RepoError>;

    /// The session whose token hash is `token_hash` (whatever its state); `Ok(None)` if none.
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<RefreshSession>, RepoError>;

    /// Marks `old` rotated at `at` and stores `new`, in one transaction. `Stale` when `old` was
    /// already rotated or revoked (a concurrent refresh won).
    async fn rotate(
        &self,
        old: SessionId,
        new: &RefreshSession,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Revokes every session of `family` that is not revoked yet.
    async fn revoke_family(&self, family: FamilyId, at: DateTime<Utc>) -> Result<(), RepoError>;

    /// Revokes every live session of `user`, except those of `keep` when given.
    async fn revoke_user(
        &self,
        user: UserId,
        keep: Option<FamilyId>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Deletes sessions that expired before `before`; returns how many.
    async fn purge_expired(&self, before: DateTime<Utc>) -> Result<u64, RepoError>;
}

/// Whether the store answers (for `/readyz`).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// `Ok` when a trivial query succeeds in time, else `Unavailable`.
    async fn ping(&self) -> Result<(), RepoError>;
}

/// Hashes and verifies passwords. Hashing is CPU work: implementations run it off the async
/// workers with bounded concurrency.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// A PHC-format hash of `password` with a fresh salt. `Busy` when too many hashes queue.
    async fn hash(&self, password: &Password) -> Result<String, CryptoError>;

    /// Whether `password` matches `hash`. With `None`, spends the same time on a dummy hash and
    /// answers `false` (so unknown users cannot be told apart by timing). A malformed stored hash
    /// is `Unexpected`; `Busy` as for `hash`.
    async fn verify(&self, password: &Password, hash: Option<String>) -> Result<bool, CryptoError>;

    /// Like [`PasswordHasher::verify`], for a signed-in user confirming their password
    /// (change-password). Runs on its own share of the hashing threads, so that a flood of these
    /// checks never delays sign-ins.
    async fn verify_signed_in(
        &self,
        password: &Password,
        hash: String,
    ) -> Result<bool, CryptoError>;
}

/// A signed access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The compact JWT.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// What a valid access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user.
    pub user_id: UserId,
    /// The user's role when the token was issued (the current role is read from the store).
    pub role: Role,
    /// The user's token epoch when issued; older than the stored one means revoked.
    pub token_epoch: i64,
    /// Unique token id.
    pub jti: Uuid,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// Issues and verifies access tokens, refresh tokens and signed download links. Pure CPU work,
/// fast: synchronous.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait TokenService: Send + Sync {
    /// A signed access token for `user`, valid from `now` for the configured lifetime.
    fn issue_access(&self, user: &User, now: DateTime<Utc>) -> Result<IssuedToken, CryptoError>;

    /// Checks signature, algorithm, kind and time. `Expired` only for a token that is valid in
    /// every other way; `Invalid` otherwise.
    fn verify_access(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError>;

    /// A new random refresh token: (the token for the cookie, its SHA-256 hex for the store).
    fn new_refresh_token(&self) -> (String, String);

    /// The SHA-256 hex of a presented refresh token.
    fn hash_refresh_token(&self, token: &str) -> String;

    /// A new random API token: (the secret, `tkt_` followed by at least 32 random bytes in
    /// base64url, and its SHA-256 hex for the store).
    fn new_api_token(&self) -> (String, String);

    /// The SHA-256 hex of a presented API token.
    fn hash_api_token(&self, token: &str) -> String;

    /// A token for downloading `attachment` as `user` without a header, valid until `expires_at`
    /// and only while the user's token epoch is still `token_epoch`.
    fn sign_download(
        &self,
        attachment: AttachmentId,
        user: UserId,
        token_epoch: i64,
        expires_at: DateTime<Utc>,
    ) -> String;

    /// The user a download token was issued to and their token epoch then, if the token is
    /// valid for `attachment` at `now`.
    fn verify_download(
        &self,
        token: &str,
        attachment: AttachmentId,
        now: DateTime<Utc>,
    ) -> Result<(UserId, i64), TokenError>;
}

/// Stored bytes being read.
pub struct BlobReader {
    /// Size in bytes.
    pub size: u64,
    /// The content.
    pub reader: Pin<Box<dyn tokio::io::AsyncRead + Send>>,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// What a sweep removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Unfinished uploads removed (temp files, incomplete multipart uploads).
    pub temp_files: u64,
    /// Stored files without a row removed.
    pub orphans: u64,
}

/// An upload in progress; nothing is visible under its key before `finish`. Call `abort` to
/// discard what was written at once; dropping it without `finish` discards in the background,
/// and what a killed process leaves (a temp file, an incomplete multipart upload) goes at the
/// next sweep.
#[async_trait]
pub trait BlobWriter: Send {
    /// Appends a chunk. `TooLarge` once the total exceeds the limit; `Io` on a full disk, an
    /// unreachable store or another failure. Either way what was written is discarded.
    async fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError>;

    /// Makes the file durable and visible at once under a server-chosen key (fsync and atomic
    /// rename on a disk, a completed upload in a bucket) and reports it with its SHA-256.
    async fn finish(self: Box<Self>) -> Result<StoredFile, BlobError>;

    /// Discards what was written.
    async fn abort(self: Box<Self>);
}

/// Where attachment bytes live.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Starts an upload of at most `max_bytes` bytes.
    async fn begin(&self, max_bytes: u64) -> Result<Box<dyn BlobWriter>, BlobError>;

    /// Opens stored bytes. `NotFound` when no file has this key.
    async fn open(&self, storage_key: &str) -> Result<BlobReader, BlobError>;

    /// Removes stored bytes; a missing file is not an error.
    async fn delete(&self, storage_key: &str) -> Result<(), BlobError>;

    /// Removes unfinished uploads (temp files, incomplete multipart uploads) and stored files
    /// whose key is not in `keep`, if older than `min_age_secs` seconds.
    async fn sweep(
        &self,
        keep: &HashSet<String>,
        min_age_secs: u64,
    ) -> Result<SweepReport, BlobError>;
}

/// The current time (UTC, microsecond precision).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// New ids (UUID v7 in production: time-ordered).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait IdGenerator: Send + Sync {
    /// A fresh id.
    fn new_id(&self) -> Uuid;
}
