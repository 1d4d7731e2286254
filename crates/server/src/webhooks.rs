//! Webhooks wired: the application's [`WebhookTransport`] port over `ticketing-webhooks` (the
//! signing client that refuses private addresses unless allowed, and the retry schedule), and
//! the dispatcher task that runs [`App::dispatch_webhooks`] whenever events are committed or a
//! retry may be due.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ticketing_app::App;
use ticketing_app::webhooks::{AttemptOutcome, NextStep, OutgoingWebhook, WebhookTransport};
use ticketing_webhooks::{ClientConfig, EndpointUrl, Message, Secret, WebhookClient, schedule};

/// [`WebhookTransport`] over [`WebhookClient`].
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: WebhookClient,
}

impl HttpTransport {
    /// The transport; `allow_private` is `TICKETING_WEBHOOK_ALLOW_PRIVATE`.
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        let client = WebhookClient::new(ClientConfig {
            allow_private,
            ..ClientConfig::default()
        })?;
        Ok(Self { client })
    }
}

#[async_trait]
impl WebhookTransport for HttpTransport {
    fn check_url(&self, url: &str) -> Result<(), String> {
        EndpointUrl::parse(url, self.client.config().allow_private)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn new_secret(&self) -> String {
        Secret::generate().expose().to_owned()
    }

    async fn send(&self, request: OutgoingWebhook<'_>, now: DateTime<Utc>) -> AttemptOutcome {
        let failed = |failure: String| AttemptOutcome {
            status: None,
            latency_ms: 0,
            response: String::new(),
            failure: Some(failure),
        };
        let Ok(secret) = Secret::parse(request.secret) else {
            return failed("the stored secret is not a webhook secret; rotate it".to_owned());
        };
        let previous = request.previous_secret.and_then(|p| Secret::parse(p).ok());
        let message = Message {
            id: request.id,
            timestamp: now,
            body: request.body,
        };
        let outcome = self
            .client
            .deliver(request.url, &message, &secret, previous.as_ref())
            .await;
        AttemptOutcome {
            status: outcome.status,
            latency_ms: u64::try_from(outcome.latency.as_millis()).unwrap_or(u64::MAX),
            response: outcome.response_snippet,
            failure: outcome.failure.map(|f| format!("{}: {f}", f.kind())),
        }
    }

    fn next_step(
        &self,
        succeeded: bool,
        attempt: u32,
        failing_since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> NextStep {
        schedule::after_attempt(succeeded, attempt, failing_since, now)
    }
}

/// Runs the dispatcher until aborted: a round at start, after each wake-up of the outbox (a
/// commit of events), and at least every `poll` (retries that fall due). A round that made
/// attempts is followed at once by another (the next events of those endpoints).
pub async fn run_dispatcher(app: App, poll: Duration) {
    let mut wakeups = app.event_wakeups();
    loop {
        match app.dispatch_webhooks().await {
            Ok(report) if report.attempts > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook dispatch failed; retrying"),
        }
        // A lost wake-up only delays: the poll comes anyway.
        ticketing_app::next_wakeup(&mut wakeups, poll, ticketing_app::GATHER).await;
    }
}
