//! Outbound webhooks: the endpoints admins manage, and the dispatcher that reads the event
//! outbox and delivers it to them.
//!
//! - Admin use cases ([`App::webhook_endpoints`], [`App::create_webhook`], …): admins only
//!   ([`policy::manage_webhooks`]); creation, deletion and secret rotation are audited.
//! - The dispatcher, one round per call of [`App::dispatch_webhooks`]: first the store turns the
//!   outbox events after the consumer's cursor (the row `webhooks` of `outbox_state`) into one
//!   delivery per (endpoint, event) the endpoint wants and may see, advancing the cursor in the
//!   same transaction ([`WebhookRepository::enqueue`]); then it claims the due head of each
//!   endpoint's queue (the pending delivery with the lowest event id: order per endpoint is
//!   kept), sends each outside any transaction through the [`WebhookTransport`] and records the
//!   attempt with the next step of the retry schedule.
//!
//! The body of a delivery is the event as the event stream delivers it (a
//! [`ticketing_domain::Notice`]) with a `ticket` snapshot (`null` for account events and deleted
//! tickets); the `webhook-id` is the event id, stable across retries.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use ticketing_domain::event::{EventKind, Visibility};
use ticketing_domain::{Actor, Ticket, policy};
use uuid::Uuid;

use crate::app::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::error::{AppError, RepoError};
use crate::metrics::{Channel, Outcome};

/// Deliveries of an endpoint are claimed for this long: past the client's time limit (10 s), so
/// that no other dispatcher sends the same delivery meanwhile; a dispatcher that died while
/// sending leaves it to be sent again after this.
pub const CLAIM_LEASE: Duration = Duration::seconds(60);
/// Events turned into deliveries per transaction.
const ENQUEUE_BATCH: u32 = 200;
/// Deliveries claimed per round (at most one per endpoint).
const CLAIM_BATCH: u32 = 32;
/// The most endpoints an installation may have.
pub const MAX_ENDPOINTS: usize = 100;
/// The longest overlap of a rotated secret.
pub const MAX_OVERLAP_HOURS: u32 = 7 * 24;
/// The most characters of a response kept in the delivery log.
pub const MAX_RESPONSE_CHARS: usize = 4096;

/// A registered endpoint, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries go (`http` or `https`).
    pub url: String,
    /// The event types (wire names) it wants, sorted, without duplicates.
    pub event_types: Vec<String>,
    /// Whether it receives staff-only and admin-only events too.
    pub include_staff_events: bool,
    /// Whether deliveries are made (an endpoint failing for 3 days is disabled).
    pub enabled: bool,
    /// Why it was disabled by the dispatcher (`None` when enabled or disabled by an admin).
    pub disabled_reason: Option<String>,
    /// The signing secret `whsec_…` (never logged: see `Debug`).
    pub secret: String,
    /// The previous secret, signing too until `previous_secret_until`.
    pub previous_secret: Option<String>,
    /// The end of the rotation's overlap.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// The first failure since the last success.
    pub failing_since: Option<DateTime<Utc>>,
    /// The last outbox id when it was created: it receives only later events.
    pub after_event_id: i64,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed by an admin at.
    pub updated_at: DateTime<Utc>,
}

impl fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("url", &redacted_url(&self.url))
            .field("event_types", &self.event_types)
            .field("include_staff_events", &self.include_staff_events)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl WebhookEndpoint {
    /// Whether it wants an event of this type and visibility with this outbox id.
    pub fn wants(&self, event_id: i64, event_type: &str, visibility: Visibility) -> bool {
        event_id > self.after_event_id
            && self.event_types.iter().any(|t| t == event_type)
            && (visibility == Visibility::Public || self.include_staff_events)
    }

    /// The previous secret while its overlap lasts at `now`.
    pub fn previous_secret_at(&self, now: DateTime<Utc>) -> Option<&str> {
        match (&self.previous_secret, self.previous_secret_until) {
            (Some(secret), Some(until)) if now < until => Some(secret),
            _ => None,
        }
    }

    /// The URL without its query string and fragment (for logs and the audit log: a token in
    /// the query string stays secret).
    pub fn display_url(&self) -> String {
        redacted_url(&self.url)
    }
}

/// `url` without what follows `?` or `#`.
fn redacted_url(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url[..end].to_owned()
}

/// The state of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// A 2xx answer arrived.
    Delivered,
    /// Given up after the last attempt of the schedule.
    Failed,
}

impl DeliveryState {
    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// The state of a stored name.
    pub fn from_wire(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One delivery of the log: an event for an endpoint, with its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// Its id.
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The outbox id of the event (the `webhook-id`).
    pub event_id: i64,
    /// The event's type.
    pub event_type: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending ones).
    pub next_attempt_at: DateTime<Utc>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// The last attempt's time.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last attempt's response status, if one arrived.
    pub last_status: Option<u16>,
    /// The last attempt's latency in milliseconds.
    pub last_latency_ms: Option<u64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The start of the last response body.
    pub last_response: Option<String>,
}

/// A delivery claimed for sending, with its endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// The delivery (its `next_attempt_at` is the end of the claim).
    pub delivery: WebhookDelivery,
    /// Its endpoint as stored when claimed.
    pub endpoint: WebhookEndpoint,
}

/// What happens after an attempt (the transport's retry schedule decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Delivered: clear the endpoint's `failing_since`, go on with the next event.
    Delivered,
    /// Try this event again at this time; later events of the endpoint wait (order is kept).
    RetryAt(DateTime<Utc>),
    /// Give this event up (record it as failed) and go on with the next event.
    GiveUp,
    /// Disable the endpoint (failing for too long), keeping the failure as the reason shown to
    /// admins; the delivery stays pending.
    DisableEndpoint,
}

/// One attempt to record ([`WebhookRepository::record_attempt`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_id: Uuid,
    /// Its endpoint.
    pub endpoint_id: Uuid,
    /// When the attempt started.
    pub at: DateTime<Utc>,
    /// What the transport saw.
    pub outcome: AttemptOutcome,
    /// What follows.
    pub next: NextStep,
    /// The endpoint's `failing_since` after this attempt (`None` after a success).
    pub failing_since: Option<DateTime<Utc>>,
}

/// What one attempt gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The response status, if one arrived.
    pub status: Option<u16>,
    /// Milliseconds to the response (or the failure).
    pub latency_ms: u64,
    /// The start of the response body.
    pub response: String,
    /// Why it failed (`None`: a 2xx answer), a sentence without the URL's query string.
    pub failure: Option<String>,
}

impl AttemptOutcome {
    /// A 2xx answer arrived in time.
    pub fn is_success(&self) -> bool {
        self.failure.is_none()
    }
}

/// One signed request to send (its `Debug` hides the secrets and the URL's query string).
#[derive(Clone, Copy)]
pub struct OutgoingWebhook<'a> {
    /// The endpoint URL.
    pub url: &'a str,
    /// The `webhook-id`.
    pub id: &'a str,
    /// The JSON body.
    pub body: &'a [u8],
    /// The current secret.
    pub secret: &'a str,
    /// The previous secret during a rotation's overlap.
    pub previous_secret: Option<&'a str>,
}

impl fmt::Debug for OutgoingWebhook<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingWebhook")
            .field("url", &redacted_url(self.url))
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The webhook adapter: URL rules, secrets, sending, the retry schedule.
#[async_trait]
pub trait WebhookTransport: Send + Sync {
    /// Whether `url` may be saved as an endpoint (`Err`: a sentence saying why not).
    fn check_url(&self, url: &str) -> Result<(), String>;

    /// A new random secret, `whsec_…`.
    fn new_secret(&self) -> String;

    /// One attempt, signed at `now` (never retried here).
    async fn send(&self, request: OutgoingWebhook<'_>, now: DateTime<Utc>) -> AttemptOutcome;

    /// The next step after attempt number `attempt` (1 for the first) of an event, given
    /// whether it succeeded and since when the endpoint fails (`None`: not failing before).
    fn next_step(
        &self,
        succeeded: bool,
        attempt: u32,
        failing_since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> NextStep;
}

/// Webhook endpoints and deliveries. Each method is one transaction.
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// Stores a new endpoint and appends `audit`, all or nothing, unless there are `max`
    /// endpoints already (then `Conflict { field: "endpoints" }`, nothing written). Its
    /// `after_event_id` is set to the dispatcher's cursor, read under the cursor's lock (and
    /// moved to the last event id first when no endpoint was enabled, see
    /// [`WebhookRepository::enqueue`]): it gets every event the dispatcher has not handled yet,
    /// and none it has.
    async fn create_endpoint(
        &self,
        endpoint: &WebhookEndpoint,
        max: usize,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError>;

    /// Every endpoint, oldest first.
    async fn endpoints(&self) -> Result<Vec<WebhookEndpoint>, RepoError>;

    /// The endpoint `id`. `NotFound` when there is none.
    async fn endpoint(&self, id: Uuid) -> Result<WebhookEndpoint, RepoError>;

    /// Saves what an admin may change (url, event types, staff events, enabled, disabled
    /// reason, secrets, failing_since, updated_at) and appends `audit`, all or nothing. When the
    /// endpoint is enabled, its pending deliveries are due at once. `NotFound` when it does not
    /// exist.
    async fn update_endpoint(
        &self,
        endpoint: &WebhookEndpoint,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError>;

    /// Deletes the endpoint and its deliveries and appends `audit`. `NotFound` when it does not
    /// exist.
    async fn delete_endpoint(&self, id: Uuid, audit: &[AuditEntry]) -> Result<(), RepoError>;

    /// Up to `limit` deliveries of `endpoint`, newest event first, with event ids below
    /// `before` when given.
    async fn deliveries(
        &self,
        endpoint: Uuid,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, RepoError>;

    /// In one transaction: locks the cursor row `webhooks` of `outbox_state` (creating it at the
    /// last event id if missing), reads up to `limit` events after it, creates a pending
    /// delivery due at `now` for each enabled endpoint that [wants](WebhookEndpoint::wants) each
    /// (unique per endpoint and event: an existing one is kept), and advances the cursor past
    /// them. Returns how many events were read. When no endpoint is enabled it reads nothing
    /// and writes nothing (0): the cursor stays behind until an endpoint is created or enabled,
    /// which first moves it to the last event id (the events passed over would have gone to
    /// nobody), under the cursor's lock.
    async fn enqueue(&self, limit: u32, now: DateTime<Utc>) -> Result<u32, RepoError>;

    /// The dispatcher's cursor: the last outbox id turned into deliveries (the last event id
    /// while no endpoint is enabled: nothing waits).
    async fn cursor(&self) -> Result<i64, RepoError>;

    /// Claims up to `limit` due deliveries, at most one per enabled endpoint and only the
    /// pending one with the lowest event id of its endpoint (order is kept), skipping rows
    /// another dispatcher holds locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL): each claimed
    /// delivery's `next_attempt_at` becomes `claim_until`, so nobody else claims it meanwhile.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        claim_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, RepoError>;

    /// Records an attempt on the delivery (attempts + 1, the last attempt's fields, its new
    /// state per `next`) and on the endpoint (`failing_since`; disabled with the failure as the
    /// reason for [`NextStep::DisableEndpoint`]). A delivery or endpoint deleted meanwhile is no
    /// error.
    async fn record_attempt(&self, record: &AttemptRecord) -> Result<(), RepoError>;
}

/// The webhook ports of the application (absent: webhooks are not available).
#[derive(Clone)]
pub struct WebhookPorts {
    /// Endpoints and deliveries.
    pub store: Arc<dyn WebhookRepository>,
    /// Sending.
    pub transport: Arc<dyn WebhookTransport>,
}

impl fmt::Debug for WebhookPorts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookPorts { .. }")
    }
}

/// A new endpoint, parsed at the edge (the URL is checked by the transport).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// Where to deliver.
    pub url: String,
    /// The event types wanted.
    pub event_types: Vec<String>,
    /// Staff-only and admin-only events too.
    pub include_staff_events: bool,
    /// Enabled at once (default true).
    pub enabled: bool,
}

/// A change of an endpoint (absent fields stay).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookChange {
    /// New URL.
    pub url: Option<String>,
    /// New event types.
    pub event_types: Option<Vec<String>>,
    /// Staff-only events or not.
    pub include_staff_events: Option<bool>,
    /// Enable or disable.
    pub enabled: Option<bool>,
}

/// An endpoint with its secret, just created or rotated: the only time the secret is shown.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookWithSecret {
    /// The endpoint as stored.
    pub endpoint: WebhookEndpoint,
    /// The new secret.
    pub secret: String,
}

impl fmt::Debug for WebhookWithSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookWithSecret")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// What a dispatch round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Outbox events read.
    pub events: u32,
    /// Attempts made.
    pub attempts: u32,
}

/// Parses a list of event types: each an outbox type, at least one; sorted, deduplicated.
pub fn parse_event_types<S: AsRef<str>>(types: &[S]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for t in types {
        let t = t.as_ref();
        if !EventKind::TYPE_NAMES.contains(&t) {
            return Err(format!(
                "unknown event type `{}`: use {}",
                t.chars().take(60).collect::<String>(),
                EventKind::TYPE_NAMES.join(", ")
            ));
        }
        out.push(t.to_owned());
    }
    out.sort_unstable();
    out.dedup();
    if out.is_empty() {
        return Err("name at least one event type".to_owned());
    }
    Ok(out)
}

impl App {
    /// Adds the webhook ports (the server always does; without them the webhook use cases
    /// answer 503).
    pub fn with_webhooks(mut self, ports: WebhookPorts) -> Self {
        self.webhooks = Some(Arc::new(ports));
        self
    }

    fn webhook_ports(&self) -> Result<&WebhookPorts, AppError> {
        self.webhooks
            .as_deref()
            .ok_or_else(|| AppError::Unavailable("webhooks are not configured".to_owned()))
    }

    /// Every endpoint (admins only).
    pub async fn webhook_endpoints(&self, actor: &Actor) -> Result<Vec<WebhookEndpoint>, AppError> {
        policy::manage_webhooks(actor)?;
        Ok(self.webhook_ports()?.store.endpoints().await?)
    }

    /// One endpoint (admins only). `NotFound` when there is none.
    pub async fn webhook_endpoint(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<WebhookEndpoint, AppError> {
        policy::manage_webhooks(actor)?;
        self.load_webhook(id).await
    }

    async fn load_webhook(&self, id: Uuid) -> Result<WebhookEndpoint, AppError> {
        self.webhook_ports()?
            .store
            .endpoint(id)
            .await
            .map_err(|e| crate::app::not_found(e, "webhook"))
    }

    fn check_webhook_url(&self, url: &str) -> Result<(), AppError> {
        self.webhook_ports()?
            .transport
            .check_url(url)
            .map_err(|message| AppError::field("url", message))
    }

    /// Registers an endpoint with a new secret (admins only), audited.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        input: NewWebhook,
        address: Option<IpAddr>,
    ) -> Result<WebhookWithSecret, AppError> {
        policy::manage_webhooks(actor)?;
        let ports = self.webhook_ports()?;
        self.check_webhook_url(&input.url)?;
        let now = self.ports.clock.now();
        let secret = ports.transport.new_secret();
        let endpoint = WebhookEndpoint {
            id: self.ports.ids.new_id(),
            url: input.url,
            event_types: input.event_types,
            include_staff_events: input.include_staff_events,
            enabled: input.enabled,
            disabled_reason: None,
            secret: secret.clone(),
            previous_secret: None,
            previous_secret_until: None,
            failing_since: None,
            // Set by the store (the dispatcher's cursor).
            after_event_id: 0,
            created_at: now,
            updated_at: now,
        };
        let source = self.audit_source(actor, address).await?;
        let details = format!(
            "{}{}",
            endpoint.event_types.join(", "),
            if endpoint.include_staff_events {
                " (with staff-only events)"
            } else {
                ""
            }
        );
        let audit = self.audit_entry_about(
            &source,
            AuditAction::WebhookCreated,
            endpoint.display_url(),
            details,
        );
        match ports
            .store
            .create_endpoint(&endpoint, MAX_ENDPOINTS, &[audit])
            .await
        {
            Ok(()) => Ok(WebhookWithSecret { endpoint, secret }),
            Err(RepoError::Conflict { .. }) => Err(AppError::Conflict {
                field: None,
                message: format!("at most {MAX_ENDPOINTS} webhook endpoints; delete one first"),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Changes an endpoint (admins only). Enabling it clears the disabled reason and the
    /// failure streak; its waiting deliveries are due at once.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: Uuid,
        change: WebhookChange,
    ) -> Result<WebhookEndpoint, AppError> {
        policy::manage_webhooks(actor)?;
        if let Some(url) = &change.url {
            self.check_webhook_url(url)?;
        }
        let mut endpoint = self.load_webhook(id).await?;
        if let Some(url) = change.url {
            endpoint.url = url;
        }
        if let Some(types) = change.event_types {
            endpoint.event_types = types;
        }
        if let Some(staff) = change.include_staff_events {
            endpoint.include_staff_events = staff;
        }
        if let Some(enabled) = change.enabled {
            if enabled && !endpoint.enabled {
                endpoint.failing_since = None;
            }
            if enabled {
                endpoint.disabled_reason = None;
            }
            endpoint.enabled = enabled;
        }
        endpoint.updated_at = self.ports.clock.now();
        self.webhook_ports()?
            .store
            .update_endpoint(&endpoint, &[])
            .await
            .map_err(|e| crate::app::not_found(e, "webhook"))?;
        Ok(endpoint)
    }

    /// Gives an endpoint a new secret (admins only), audited; the old one keeps signing too for
    /// `overlap_hours` (0: not at all, at most [`MAX_OVERLAP_HOURS`]).
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: Uuid,
        overlap_hours: u32,
        address: Option<IpAddr>,
    ) -> Result<WebhookWithSecret, AppError> {
        policy::manage_webhooks(actor)?;
        if overlap_hours > MAX_OVERLAP_HOURS {
            return Err(AppError::field(
                "overlap_hours",
                format!("at most {MAX_OVERLAP_HOURS} hours (7 days)"),
            ));
        }
        let ports = self.webhook_ports()?;
        let mut endpoint = self.load_webhook(id).await?;
        let now = self.ports.clock.now();
        let secret = ports.transport.new_secret();
        let old = std::mem::replace(&mut endpoint.secret, secret.clone());
        if overlap_hours > 0 {
            endpoint.previous_secret = Some(old);
            endpoint.previous_secret_until = Some(now + Duration::hours(i64::from(overlap_hours)));
        } else {
            endpoint.previous_secret = None;
            endpoint.previous_secret_until = None;
        }
        endpoint.updated_at = now;
        let source = self.audit_source(actor, address).await?;
        let audit = self.audit_entry_about(
            &source,
            AuditAction::WebhookSecretRotated,
            endpoint.display_url(),
            format!("previous secret valid for {overlap_hours} h"),
        );
        ports
            .store
            .update_endpoint(&endpoint, &[audit])
            .await
            .map_err(|e| crate::app::not_found(e, "webhook"))?;
        Ok(WebhookWithSecret { endpoint, secret })
    }

    /// Deletes an endpoint and its delivery log (admins only), audited.
    pub async fn delete_webhook(
        &self,
        actor: &Actor,
        id: Uuid,
        address: Option<IpAddr>,
    ) -> Result<(), AppError> {
        policy::manage_webhooks(actor)?;
        let endpoint = self.load_webhook(id).await?;
        let source = self.audit_source(actor, address).await?;
        let audit = self.audit_entry_about(
            &source,
            AuditAction::WebhookDeleted,
            endpoint.display_url(),
            endpoint.event_types.join(", "),
        );
        self.webhook_ports()?
            .store
            .delete_endpoint(id, &[audit])
            .await
            .map_err(|e| crate::app::not_found(e, "webhook"))
    }

    /// The delivery log of an endpoint, newest event first (admins only).
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: Uuid,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, AppError> {
        policy::manage_webhooks(actor)?;
        self.load_webhook(id).await?;
        Ok(self
            .webhook_ports()?
            .store
            .deliveries(id, before, limit)
            .await?)
    }

    /// Sends a `webhook.test` message to an endpoint now (admins only), whether it is enabled
    /// or not, and answers what happened; nothing is recorded.
    pub async fn test_webhook(&self, actor: &Actor, id: Uuid) -> Result<AttemptOutcome, AppError> {
        policy::manage_webhooks(actor)?;
        let endpoint = self.load_webhook(id).await?;
        let now = self.ports.clock.now();
        let message_id = format!("test_{}", self.ports.ids.new_id().simple());
        let body = serde_json::json!({
            "id": message_id,
            "type": "webhook.test",
            "changes": {},
            "ticket_id": null,
            "actor": {"id": actor.id, "name": "test"},
            "at": now,
            "visibility": "public",
            "ticket": null,
        });
        let body = serde_json::to_vec(&body)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("webhook body: {e}")))?;
        let request = OutgoingWebhook {
            url: &endpoint.url,
            id: &message_id,
            body: &body,
            secret: &endpoint.secret,
            previous_secret: endpoint.previous_secret_at(now),
        };
        Ok(self.webhook_ports()?.transport.send(request, now).await)
    }

    /// One round of the dispatcher: turns new outbox events into deliveries, then makes the
    /// due attempts (one per endpoint at a time, endpoints in parallel) and records them.
    pub async fn dispatch_webhooks(&self) -> Result<DispatchReport, AppError> {
        let ports = self.webhook_ports()?.clone();
        let mut report = DispatchReport::default();
        loop {
            let read = ports
                .store
                .enqueue(ENQUEUE_BATCH, self.ports.clock.now())
                .await?;
            report.events += read;
            if read < ENQUEUE_BATCH {
                break;
            }
        }
        if let (Ok(head), Ok(cursor)) = (
            self.ports.store.events.last_event_id().await,
            ports.store.cursor().await,
        ) {
            crate::metrics::set_outbox_lag("webhooks", u64::try_from(head - cursor).unwrap_or(0));
        }
        let now = self.ports.clock.now();
        let claimed = ports
            .store
            .claim_due(now, now + CLAIM_LEASE, CLAIM_BATCH)
            .await?;
        let mut sends = tokio::task::JoinSet::new();
        for claim in claimed {
            let app = self.clone();
            sends.spawn(async move { app.attempt_delivery(claim).await });
        }
        while let Some(done) = sends.join_next().await {
            match done {
                Ok(Ok(())) => report.attempts += 1,
                Ok(Err(e)) => tracing::warn!(error = %e, "could not record a webhook attempt"),
                Err(e) => tracing::warn!(error = %e, "a webhook attempt task failed"),
            }
        }
        Ok(report)
    }

    /// Sends one claimed delivery and records the attempt.
    async fn attempt_delivery(&self, claim: ClaimedDelivery) -> Result<(), AppError> {
        let ports = self.webhook_ports()?;
        let ClaimedDelivery { delivery, endpoint } = claim;
        let now = self.ports.clock.now();
        let outcome = match self
            .webhook_body(delivery.event_id, endpoint.include_staff_events)
            .await?
        {
            Some(body) => {
                let id = delivery.event_id.to_string();
                let request = OutgoingWebhook {
                    url: &endpoint.url,
                    id: &id,
                    body: &body,
                    secret: &endpoint.secret,
                    previous_secret: endpoint.previous_secret_at(now),
                };
                ports.transport.send(request, now).await
            }
            None => AttemptOutcome {
                status: None,
                latency_ms: 0,
                response: String::new(),
                failure: Some("the event is no longer in the outbox (pruned)".to_owned()),
            },
        };
        let succeeded = outcome.is_success();
        let attempt = delivery.attempts.saturating_add(1);
        let done = self.ports.clock.now();
        let mut next = ports
            .transport
            .next_step(succeeded, attempt, endpoint.failing_since, done);
        if !succeeded
            && outcome
                .failure
                .as_deref()
                .is_some_and(|f| f.contains("pruned"))
        {
            next = NextStep::GiveUp;
        }
        let failing_since = if succeeded {
            None
        } else {
            Some(endpoint.failing_since.unwrap_or(now))
        };
        crate::metrics::delivery(
            Channel::Webhook,
            match next {
                NextStep::Delivered => Outcome::Success,
                NextStep::RetryAt(_) => Outcome::Retry,
                NextStep::GiveUp | NextStep::DisableEndpoint => Outcome::Failed,
            },
        );
        if let Some(failure) = &outcome.failure {
            tracing::info!(
                endpoint = %endpoint.id,
                event = delivery.event_id,
                attempt,
                failure = %failure,
                "webhook attempt failed"
            );
        }
        if next == NextStep::DisableEndpoint {
            tracing::warn!(endpoint = %endpoint.id, "webhook endpoint disabled after 3 days of failures");
        }
        let record = AttemptRecord {
            delivery_id: delivery.id,
            endpoint_id: endpoint.id,
            at: now,
            outcome: AttemptOutcome {
                response: outcome.response.chars().take(MAX_RESPONSE_CHARS).collect(),
                ..outcome
            },
            next,
            failing_since,
        };
        Ok(ports.store.record_attempt(&record).await?)
    }

    /// The JSON body of the event `id`: the event as the stream delivers it plus a `ticket`
    /// snapshot; `None` when the event was pruned.
    async fn webhook_body(&self, id: i64, staff: bool) -> Result<Option<Vec<u8>>, AppError> {
        let Some(event) = self
            .events_after(id - 1, 1)
            .await?
            .into_iter()
            .find(|e| e.id == id)
        else {
            return Ok(None);
        };
        let ticket = match event.event.ticket_id {
            Some(ticket_id) => match self.ports.store.tickets.get(ticket_id).await {
                Ok(t) => Some(t),
                Err(RepoError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let mut body = serde_json::to_value(event.notice())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("webhook body: {e}")))?;
        if let Some(object) = body.as_object_mut() {
            object.insert(
                "ticket".to_owned(),
                ticket.map_or(serde_json::Value::Null, |t| ticket_snapshot(&t, staff)),
            );
        }
        serde_json::to_vec(&body)
            .map(Some)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("webhook body: {e}")))
    }
}

/// The ticket as an endpoint may see it: staff counts and versions only with staff events.
fn ticket_snapshot(t: &Ticket, staff: bool) -> serde_json::Value {
    serde_json::json!({
        "id": t.id,
        "number": t.number,
        "topic": t.topic,
        "description": t.description,
        "status": t.status,
        "priority": t.priority,
        "owner_id": t.owner,
        "assigned_to_id": t.assigned_to,
        "created_at": t.created_at,
        "updated_at": t.updated_at_seen(staff),
        "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
        "version": t.version_seen(staff),
        "message_count": t.visible_message_count(staff),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn event_types_are_checked_sorted_and_deduplicated() {
        assert_eq!(
            parse_event_types(&["ticket.updated", "ticket.created", "ticket.updated"]).unwrap(),
            vec!["ticket.created", "ticket.updated"]
        );
        assert!(parse_event_types::<&str>(&[]).is_err());
        assert!(parse_event_types(&["ticket.exploded"]).is_err());
    }

    fn endpoint() -> WebhookEndpoint {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        WebhookEndpoint {
            id: Uuid::from_u128(1),
            url: "https://h.example/in?token=s3cret".to_owned(),
            event_types: vec!["message.created".to_owned(), "ticket.created".to_owned()],
            include_staff_events: false,
            enabled: true,
            disabled_reason: None,
            secret: "whsec_current".to_owned(),
            previous_secret: Some("whsec_previous".to_owned()),
            previous_secret_until: Some(t + Duration::hours(1)),
            failing_since: None,
            after_event_id: 10,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn an_endpoint_wants_later_events_of_its_types_and_staff_ones_only_when_asked() {
        let mut e = endpoint();
        assert!(e.wants(11, "ticket.created", Visibility::Public));
        assert!(
            !e.wants(10, "ticket.created", Visibility::Public),
            "before it existed"
        );
        assert!(
            !e.wants(11, "ticket.updated", Visibility::Public),
            "not asked for"
        );
        assert!(!e.wants(11, "message.created", Visibility::Staff));
        assert!(!e.wants(11, "message.created", Visibility::Admin));
        e.include_staff_events = true;
        assert!(e.wants(11, "message.created", Visibility::Staff));
        assert!(e.wants(11, "message.created", Visibility::Admin));
    }

    #[test]
    fn the_previous_secret_signs_only_during_the_overlap() {
        let e = endpoint();
        let until = e.previous_secret_until.unwrap();
        assert_eq!(
            e.previous_secret_at(until - Duration::seconds(1)),
            Some("whsec_previous")
        );
        assert_eq!(e.previous_secret_at(until), None);
    }

    #[test]
    fn debug_shows_neither_the_secret_nor_the_query_string() {
        let text = format!("{:?}", endpoint());
        assert!(
            !text.contains("whsec_") && !text.contains("s3cret"),
            "{text}"
        );
    }

    #[test]
    fn the_url_of_logs_has_no_query_string() {
        assert_eq!(
            redacted_url("https://h.example/in?token=s3cret#x"),
            "https://h.example/in"
        );
        assert_eq!(redacted_url("https://h.example/in"), "https://h.example/in");
    }
}
