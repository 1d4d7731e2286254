//! The application service: every use case is a method of [`App`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ticketing_domain::{ActivityId, Actor, Ticket, TicketId, User, UserId};

use crate::error::{AppError, RepoError};
use crate::ports::{
    ActivityRepository, ApiTokenRepository, AttachmentRepository, AuditRepository, BlobStore,
    Clock, CounterRepository, EventRepository, HealthCheck, IdGenerator, MessageRepository,
    PasswordHasher, SessionRepository, Store, TicketRepository, TokenService, UserRepository,
};

/// The adapters the use cases run on.
#[derive(Clone)]
pub struct Ports {
    /// The store: every repository and the health check.
    pub store: StorePorts,
    /// Attachment bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Tokens and signed links.
    pub tokens: Arc<dyn TokenService>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Ids.
    pub ids: Arc<dyn IdGenerator>,
}

impl fmt::Debug for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ports { .. }")
    }
}

/// The ports a store provides: every repository and the health check (see [`Store`]).
#[derive(Clone)]
pub struct StorePorts {
    /// User accounts.
    pub users: Arc<dyn UserRepository>,
    /// Tickets.
    pub tickets: Arc<dyn TicketRepository>,
    /// Messages.
    pub messages: Arc<dyn MessageRepository>,
    /// Attachment rows.
    pub attachments: Arc<dyn AttachmentRepository>,
    /// The activity log.
    pub activities: Arc<dyn ActivityRepository>,
    /// Refresh sessions.
    pub sessions: Arc<dyn SessionRepository>,
    /// The audit log.
    pub audit: Arc<dyn AuditRepository>,
    /// The event outbox.
    pub events: Arc<dyn EventRepository>,
    /// API tokens.
    pub api_tokens: Arc<dyn ApiTokenRepository>,
    /// The shared counters of the abuse limits.
    pub counters: Arc<dyn CounterRepository>,
    /// Store health.
    pub health: Arc<dyn HealthCheck>,
}

impl StorePorts {
    /// Every store port served by one store.
    pub fn of<S: Store + 'static>(store: Arc<S>) -> Self {
        Self {
            users: store.clone(),
            tickets: store.clone(),
            messages: store.clone(),
            attachments: store.clone(),
            activities: store.clone(),
            sessions: store.clone(),
            audit: store.clone(),
            events: store.clone(),
            api_tokens: store.clone(),
            counters: store.clone(),
            health: store,
        }
    }
}

impl fmt::Debug for StorePorts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorePorts { .. }")
    }
}

/// Use-case settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Lifetime of a refresh session (default 7 days).
    pub refresh_ttl: Duration,
    /// Lifetime of a signed download link (default 15 minutes).
    pub download_ttl: Duration,
    /// Largest accepted upload in bytes (default 25 MiB).
    pub max_upload_bytes: u64,
    /// Total size of the attachments one user may have stored (default 1 GiB).
    pub upload_quota_bytes: u64,
    /// How a write that lost an optimistic-concurrency race is retried (bounded, with jittered
    /// exponential pauses); past the last retry it is a 409 `conflict`.
    pub retry: crate::RetryPolicy,
    /// How long a user loaded by id (the caller of every request) may be served from memory;
    /// zero (the default here) turns the cache off. Changes made through this process apply at
    /// once; changes made elsewhere (another replica) within this delay. See `user_cache.rs`.
    pub user_cache_ttl: std::time::Duration,
    /// How long events stay in the outbox (default 7 days): a reader resuming from an older
    /// event gets a reset.
    pub events_retention: std::time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            refresh_ttl: Duration::days(7),
            download_ttl: Duration::minutes(15),
            max_upload_bytes: 25 * 1024 * 1024,
            upload_quota_bytes: 1 << 30,
            retry: crate::RetryPolicy::default(),
            user_cache_ttl: std::time::Duration::ZERO,
            events_retention: std::time::Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// The application: cheap to clone, shared by every request.
#[derive(Debug, Clone)]
pub struct App {
    pub(crate) ports: Arc<Ports>,
    pub(crate) settings: Arc<Settings>,
    /// The mail queue (`None`: not wired, e.g. in unit tests; see [`App::with_mail`]).
    pub(crate) mail: Option<Arc<crate::mail::MailPort>>,
}

impl App {
    /// Builds the application over its adapters.
    pub fn new(mut ports: Ports, settings: Settings) -> Self {
        if !settings.user_cache_ttl.is_zero() {
            ports.store.users = Arc::new(crate::user_cache::CachedUsers::new(
                ports.store.users,
                settings.user_cache_ttl,
            ));
        }
        Self {
            ports: Arc::new(ports),
            settings: Arc::new(settings),
            mail: None,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the store answers (`/readyz`).
    pub async fn ready(&self) -> Result<(), AppError> {
        self.ports.store.health.ping().await.map_err(AppError::from)
    }

    /// The time of a change of `ticket`: the clock's, but never before the ticket's last change.
    /// Another replica's clock may run a little ahead; times of a ticket never go backwards (the
    /// domain refuses that as `ChangeError::OutOfOrder`), so a skewed clock never fails a request.
    pub(crate) fn now_for(&self, ticket: &Ticket) -> DateTime<Utc> {
        self.ports.clock.now().max(ticket.updated_at)
    }

    pub(crate) fn next_activity_id(&self) -> impl FnMut() -> ActivityId + '_ {
        || ActivityId::from_uuid(self.ports.ids.new_id())
    }

    /// Loads a ticket the actor may see; an invisible or missing one is `NotFound("ticket")`.
    pub(crate) async fn visible_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
    ) -> Result<Ticket, AppError> {
        let ticket = self
            .ports
            .store
            .tickets
            .get(id)
            .await
            .map_err(|e| not_found(e, "ticket"))?;
        // Missing or invisible: the same answer, so nobody learns that the ticket exists.
        ticketing_domain::policy::may(actor, &ticket, ticketing_domain::Intent::View)
            .map_err(|_| AppError::NotFound("ticket"))?;
        Ok(ticket)
    }

    /// The users with these ids, by id; a missing one is an internal error (foreign keys
    /// guarantee they exist).
    pub(crate) async fn people(
        &self,
        ids: impl IntoIterator<Item = UserId>,
    ) -> Result<People, AppError> {
        let mut wanted: Vec<UserId> = ids.into_iter().collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(People(HashMap::new()));
        }
        let found = self.ports.store.users.get_many(&wanted).await?;
        let map: HashMap<UserId, Arc<User>> =
            found.into_iter().map(|u| (u.id, Arc::new(u))).collect();
        if let Some(missing) = wanted.iter().find(|id| !map.contains_key(id)) {
            return Err(AppError::Internal(anyhow::anyhow!(
                "user {missing} referenced but missing"
            )));
        }
        Ok(People(map))
    }
}

/// Users by id, for building views.
#[derive(Debug, Default)]
pub(crate) struct People(HashMap<UserId, Arc<User>>);

impl People {
    pub(crate) fn get(&self, id: UserId) -> Result<Arc<User>, AppError> {
        self.0
            .get(&id)
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user {id} not loaded")))
    }

    /// The user with this id, if loaded (for names that may be missing without harm).
    pub(crate) fn find(&self, id: UserId) -> Option<Arc<User>> {
        self.0.get(&id).cloned()
    }
}

/// `NotFound` from a repository becomes a 404 naming `what`; everything else maps as usual.
pub(crate) fn not_found(e: RepoError, what: &'static str) -> AppError {
    match e {
        RepoError::NotFound => AppError::NotFound(what),
        other => other.into(),
    }
}
