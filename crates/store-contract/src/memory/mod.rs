//! [`MemoryStore`]: an in-memory fake of every repository port, with the semantics of the real
//! stores (it passes the same contract suite). For tests only: nothing is persisted.

mod api_tokens;
mod audit;
mod events;
mod sessions;
mod tickets;
mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ticketing_app::RepoError;
use ticketing_app::ports::{
    CounterRepository, HealthCheck, RefreshSession, StoredEvent, WindowCount,
};
use ticketing_domain::{
    ActivityEntry, ApiToken, ApiTokenId, Attachment, AttachmentId, Message, MessageId, SessionId,
    Ticket, TicketId, User, UserId,
};

/// An in-memory store implementing every repository port and `HealthCheck`. Cheap to clone:
/// clones share the same data.
///
/// Like the database stores it keeps times at microsecond precision (sub-microsecond digits are
/// dropped on write), enforces the case-insensitive uniqueness of usernames and emails, guards
/// ticket writes by version and state, numbers tickets from one counter, searches with
/// `TicketQuery::selects_with` over each ticket's messages (a number query's ticket first, like
/// the stores; totals capped at `TOTAL_CAP + 1`), and keeps an event
/// outbox with ids in commit order, written with each change. It does not
/// check references between rows (an attachment's message, a ticket's owner).
///
/// [`MemoryStore::set_unavailable`] makes every call fail with `RepoError::Unavailable`, to test
/// how callers handle an outage.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<State>>,
    /// The limit counters (`ticketing_app::MemoryCounters`, the same contract in memory).
    counters: Arc<ticketing_app::MemoryCounters>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    unavailable: bool,
    users: HashMap<UserId, (User, String)>,
    tickets: HashMap<TicketId, Ticket>,
    /// The last ticket number given (numbers are never given twice).
    last_number: u64,
    messages: HashMap<MessageId, Message>,
    attachments: HashMap<AttachmentId, Attachment>,
    activities: Vec<ActivityEntry>,
    sessions: HashMap<SessionId, RefreshSession>,
    audit: Vec<ticketing_app::AuditEntry>,
    /// The retained outbox, by id.
    events: Vec<StoredEvent>,
    /// The last event id handed out.
    last_event_id: i64,
    waker: events::Waker,
    /// Presence by (ticket, user).
    presence: std::collections::BTreeMap<(TicketId, UserId), ticketing_domain::Presence>,
    /// API tokens with the hash of their secret.
    api_tokens: HashMap<ApiTokenId, (ApiToken, String)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// While `true`, every call fails with `RepoError::Unavailable` and changes nothing.
    pub fn set_unavailable(&self, unavailable: bool) {
        if let Ok(mut state) = self.inner.lock() {
            state.unavailable = unavailable;
        }
    }

    /// The state, or `Unavailable` when switched off (or when a panic poisoned the lock).
    fn state(&self) -> Result<MutexGuard<'_, State>, RepoError> {
        let state = self
            .inner
            .lock()
            .map_err(|_| RepoError::Unavailable("memory store lock poisoned".to_owned()))?;
        if state.unavailable {
            return Err(RepoError::Unavailable(
                "memory store switched off".to_owned(),
            ));
        }
        Ok(state)
    }
}

/// A time as the databases keep it: whole microseconds (rounded down), UTC.
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

pub(crate) fn opt_micros(t: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    t.map(micros)
}

#[async_trait]
impl CounterRepository for MemoryStore {
    async fn hit(
        &self,
        keys: &[String],
        window: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<WindowCount>, RepoError> {
        drop(self.state()?);
        self.counters.hit(keys, window, now).await
    }

    async fn release(&self, take_back: &[String], forget: &[String]) -> Result<(), RepoError> {
        drop(self.state()?);
        self.counters.release(take_back, forget).await
    }

    async fn prune_counters(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        drop(self.state()?);
        self.counters.prune_counters(before).await
    }
}

#[async_trait]
impl HealthCheck for MemoryStore {
    async fn ping(&self) -> Result<(), RepoError> {
        self.state().map(|_| ())
    }
}
