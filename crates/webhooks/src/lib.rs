//! # ticketing-webhooks
//!
//! Outbound webhooks of the ticketing helpdesk, without storage (the dispatcher that reads the
//! outbox and keeps the delivery log lives elsewhere):
//!
//! - [`Secret`], [`Message`], [`SignedHeaders`]: Standard Webhooks signing
//!   (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), secret
//!   rotation (two signatures during the overlap) and a verifier.
//! - [`WebhookClient`]: one delivery attempt over HTTP(S) to public addresses only (checked
//!   after DNS resolution, on the very address connected to), no redirects, no proxy, a total
//!   time limit and a bounded response read, giving a [`DeliveryOutcome`].
//! - [`EndpointUrl`]: the endpoint URL rules, to check a URL when an admin saves it.
//! - [`schedule`]: the retry schedule (exponential backoff with jitter for up to 24 h) and the
//!   rule that disables an endpoint failing for 3 days.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use ticketing_webhooks::{ClientConfig, Message, Secret, WebhookClient, schedule};
//! let client = WebhookClient::new(ClientConfig::default())?;
//! let secret = Secret::generate(); // show `secret.expose()` once, store it
//! let body = br#"{"type":"ticket.created","timestamp":"2026-01-01T00:00:00Z","data":{}}"#;
//! let now = chrono::Utc::now();
//! let message = Message { id: "evt_01J...", timestamp: now, body };
//! let outcome = client.deliver("https://hooks.example.com/in", &message, &secret, None).await;
//! let next = schedule::after_attempt(outcome.is_success(), 1, None, now);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod address;
mod client;
pub mod schedule;
mod signing;

pub use address::{EndpointUrl, RefusedAddress, UrlError, check_address};
pub use client::{BuildError, ClientConfig, DeliveryOutcome, Failure, WebhookClient};
pub use signing::{Message, Secret, SecretError, SignedHeaders, TIMESTAMP_TOLERANCE, VerifyError};

/// The integrator documentation (`docs/api-guide.md`, its Webhooks section): its one Rust example runs as a doctest (its other code blocks are not Rust).
#[cfg(doctest)]
#[doc = include_str!("../../../docs/api-guide.md")]
pub struct WebhooksGuide;
