//! The metrics of the helpdesk, declared once: every name with its kind, labels and help text
//! ([`METRICS`]), and the one function each part of the code calls to record one.
//!
//! Everything records through the `metrics` facade. Without an installed recorder (metrics
//! turned off, unit tests) each call does nothing. The server installs the Prometheus exporter
//! and renders the text exposition (`docs/operations.md`, "Metrics"); no other crate knows the
//! exporter.
//!
//! Some metrics belong to features that come later (webhook and mail deliveries): their names
//! and functions are here so that the feature calls one function, and no series appears before
//! it does.

use std::time::Duration;

use ::metrics::{Gauge, counter, gauge, histogram};

/// What a metric is; histograms carry their bucket bounds (seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Only goes up (`_total`).
    Counter,
    /// A value that goes up and down, or is sampled at scrape time.
    Gauge,
    /// Observations counted into buckets with these upper bounds.
    Histogram(&'static [f64]),
}

/// One metric of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    /// The full name, `ticketing_…`, with its unit (`_seconds`, `_bytes`) and `_total` for
    /// counters.
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: Kind,
    /// The label names of its series.
    pub labels: &'static [&'static str],
    /// The help text (`# HELP`).
    pub help: &'static str,
    /// Recorded by a feature still to come (outbox, live streams, deliveries): no series until
    /// that feature calls its function.
    pub hook: bool,
}

/// HTTP requests answered.
pub const HTTP_REQUESTS: &str = "ticketing_http_requests_total";
/// Time from the request to the response head.
pub const HTTP_REQUEST_DURATION: &str = "ticketing_http_request_duration_seconds";
/// Database connections by state (`in_use`, `idle`).
pub const DB_POOL_CONNECTIONS: &str = "ticketing_db_pool_connections";
/// The size limit of the database pool.
pub const DB_POOL_MAX: &str = "ticketing_db_pool_max_connections";
/// Time to get a connection from the pool.
pub const DB_POOL_WAIT: &str = "ticketing_db_pool_wait_seconds";
/// Checkouts that got no connection in time.
pub const DB_POOL_TIMEOUTS: &str = "ticketing_db_pool_timeouts_total";
/// Password hashes waiting for a hashing thread.
pub const PASSWORD_HASH_QUEUE: &str = "ticketing_password_hash_queue_depth";
/// Time a hashing thread spends on one hash or verification.
pub const PASSWORD_HASH_DURATION: &str = "ticketing_password_hash_duration_seconds";
/// Hashes refused because the queue did not move in time.
pub const PASSWORD_HASH_REJECTED: &str = "ticketing_password_hash_rejected_total";
/// Bytes of the attachments the database refers to.
pub const ATTACHMENTS_STORED: &str = "ticketing_attachments_stored_bytes";
/// Always 1, labelled with the version.
pub const BUILD_INFO: &str = "ticketing_build_info";
/// Events of the outbox a consumer has not processed yet.
pub const OUTBOX_LAG: &str = "ticketing_outbox_lag_events";
/// Live event streams open.
pub const SSE_STREAMS: &str = "ticketing_sse_streams_open";
/// Webhook and mail delivery attempts by outcome.
pub const DELIVERIES: &str = "ticketing_deliveries_total";

/// Bounds for request latencies: 5 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Bounds for pool checkouts: 100 µs (a free connection) to the 5 s timeout.
const POOL_WAIT_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0,
];
/// Bounds for argon2id: a few ms (small parameters) to over a second (a starved thread).
const HASH_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// Every metric of the helpdesk.
pub const METRICS: &[Metric] = &[
    Metric {
        name: HTTP_REQUESTS,
        kind: Kind::Counter,
        labels: &["route", "method", "status"],
        help: "HTTP requests answered, by route template, method and status class (2xx, 4xx...)",
        hook: false,
    },
    Metric {
        name: HTTP_REQUEST_DURATION,
        kind: Kind::Histogram(LATENCY_BUCKETS),
        labels: &["route", "method", "status"],
        help: "Seconds from the request to the response head, by route template, method and status class",
        hook: false,
    },
    Metric {
        name: DB_POOL_CONNECTIONS,
        kind: Kind::Gauge,
        labels: &["state"],
        help: "Database pool connections by state (in_use, idle), sampled at scrape time",
        hook: false,
    },
    Metric {
        name: DB_POOL_MAX,
        kind: Kind::Gauge,
        labels: &[],
        help: "The most connections the database pool opens",
        hook: false,
    },
    Metric {
        name: DB_POOL_WAIT,
        kind: Kind::Histogram(POOL_WAIT_BUCKETS),
        labels: &[],
        help: "Seconds spent getting a connection from the database pool",
        hook: false,
    },
    Metric {
        name: DB_POOL_TIMEOUTS,
        kind: Kind::Counter,
        labels: &[],
        help: "Database pool checkouts that got no connection in time (the request failed with 503)",
        hook: false,
    },
    Metric {
        name: PASSWORD_HASH_QUEUE,
        kind: Kind::Gauge,
        labels: &[],
        help: "Password hashes and verifications waiting for a hashing thread",
        hook: false,
    },
    Metric {
        name: PASSWORD_HASH_DURATION,
        kind: Kind::Histogram(HASH_BUCKETS),
        labels: &[],
        help: "Seconds a hashing thread spent on one argon2id hash or verification",
        hook: false,
    },
    Metric {
        name: PASSWORD_HASH_REJECTED,
        kind: Kind::Counter,
        labels: &[],
        help: "Password hashes refused because no hashing thread became free in time (503)",
        hook: false,
    },
    Metric {
        name: ATTACHMENTS_STORED,
        kind: Kind::Gauge,
        labels: &[],
        help: "Bytes of the attachments the database refers to, sampled at scrape time",
        hook: false,
    },
    Metric {
        name: BUILD_INFO,
        kind: Kind::Gauge,
        labels: &["version", "git_commit"],
        help: "Always 1; the labels name the running build",
        hook: false,
    },
    Metric {
        name: OUTBOX_LAG,
        kind: Kind::Gauge,
        labels: &["consumer"],
        help: "Outbox events a consumer has not processed yet (newest event id minus its position)",
        hook: false,
    },
    Metric {
        name: SSE_STREAMS,
        kind: Kind::Gauge,
        labels: &[],
        help: "Live event streams (server-sent events) open",
        hook: false,
    },
    Metric {
        name: DELIVERIES,
        kind: Kind::Counter,
        labels: &["channel", "outcome"],
        help: "Webhook and mail delivery attempts, by channel (webhook, mail) and outcome (success, retry, failed)",
        hook: true,
    },
];

/// Registers the help text of every metric with the installed recorder, and starts the
/// counters and gauges without labels at 0 (so that `rate()` shows 0, not "no data", before the
/// first event), except those of features still to come. Call once, after installing it.
pub fn describe() {
    for metric in METRICS {
        let starts_at_zero = !metric.hook && metric.labels.is_empty();
        match metric.kind {
            Kind::Counter => {
                ::metrics::describe_counter!(metric.name, metric.help);
                if starts_at_zero {
                    counter!(metric.name).absolute(0);
                }
            }
            Kind::Gauge => {
                ::metrics::describe_gauge!(metric.name, metric.help);
                if starts_at_zero {
                    gauge!(metric.name).set(0.0);
                }
            }
            Kind::Histogram(_) => ::metrics::describe_histogram!(metric.name, metric.help),
        }
    }
}

/// A gauge raised while this value lives (dropping it lowers the gauge again, also when the
/// future holding it is cancelled).
#[derive(Debug)]
#[must_use = "the gauge goes down again when this is dropped"]
pub struct Open(Gauge);

impl Open {
    fn new(gauge: Gauge) -> Self {
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

// ---- HTTP -------------------------------------------------------------------------------------

/// Records one answered request. `route` is the route template (`/api/v1/tickets/{id}/`), never
/// the path; `method` one of the usual methods (anything else is recorded as `other`).
pub fn http_request(route: &str, method: &str, status: u16, elapsed: Duration) {
    let method = match method {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method.to_owned(),
        _ => "other".to_owned(),
    };
    let class = match status {
        100..=599 => format!("{}xx", status / 100),
        _ => "other".to_owned(),
    };
    let labels = [
        ("route", route.to_owned()),
        ("method", method),
        ("status", class),
    ];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_REQUEST_DURATION, &labels).record(elapsed.as_secs_f64());
}

// ---- Database pool ----------------------------------------------------------------------------

/// The state of a connection pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open (in use or idle).
    pub connections: u32,
    /// Open connections nobody uses.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max_size: u32,
}

/// What the metrics sample from the database at scrape time (implemented by the stores).
#[async_trait::async_trait]
pub trait StoreProbe: Send + Sync {
    /// The connection pool right now.
    fn pool_state(&self) -> PoolState;
    /// The bytes of the attachments the database refers to (one aggregate query).
    async fn attachments_stored_bytes(&self) -> Result<u64, crate::RepoError>;
}

/// Publishes a pool state sampled at scrape time.
pub fn set_db_pool(state: PoolState) {
    let in_use = state.connections.saturating_sub(state.idle);
    gauge!(DB_POOL_CONNECTIONS, "state" => "in_use").set(f64::from(in_use));
    gauge!(DB_POOL_CONNECTIONS, "state" => "idle").set(f64::from(state.idle));
    gauge!(DB_POOL_MAX).set(f64::from(state.max_size));
}

/// Records one pool checkout: how long it took and whether it got a connection.
pub fn db_pool_checkout(waited: Duration, got_one: bool) {
    histogram!(DB_POOL_WAIT).record(waited.as_secs_f64());
    if !got_one {
        counter!(DB_POOL_TIMEOUTS).increment(1);
    }
}

// ---- Password hashing -------------------------------------------------------------------------

/// Counts a hash waiting for a hashing thread until the returned value is dropped.
pub fn password_hash_waiting() -> Open {
    Open::new(gauge!(PASSWORD_HASH_QUEUE))
}

/// Records the time a hashing thread spent on one hash or verification.
pub fn password_hash_done(elapsed: Duration) {
    histogram!(PASSWORD_HASH_DURATION).record(elapsed.as_secs_f64());
}

/// Counts a hash refused because the queue did not move in time.
pub fn password_hash_rejected() {
    counter!(PASSWORD_HASH_REJECTED).increment(1);
}

// ---- Storage and build ------------------------------------------------------------------------

/// Publishes the bytes of the attachments the database refers to (sampled at scrape time).
pub fn set_attachments_stored(bytes: u64) {
    // f64 is exact up to 2^53 bytes (8 PiB).
    gauge!(ATTACHMENTS_STORED).set(bytes as f64);
}

/// Publishes the build: `version` and the git commit it was built from (`unknown` if not known).
pub fn set_build_info(version: &str, git_commit: &str) {
    gauge!(
        BUILD_INFO,
        "version" => version.to_owned(),
        "git_commit" => git_commit.to_owned()
    )
    .set(1.0);
}

// ---- The event features -------------------------------------------------------------------------

/// Publishes how many outbox events `consumer` (e.g. `mailer`, `webhooks`) has not processed
/// yet: the newest event id minus the consumer's position. Call it whenever either moves.
pub fn set_outbox_lag(consumer: &str, lag: u64) {
    gauge!(OUTBOX_LAG, "consumer" => consumer.to_owned()).set(lag as f64);
}

/// Counts a live event stream as open until the returned value is dropped (hold it in the
/// stream, so that a client going away closes it).
pub fn sse_stream_opened() -> Open {
    Open::new(gauge!(SSE_STREAMS))
}

/// Where a delivery goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// An HTTP POST to a webhook endpoint.
    Webhook,
    /// An email over SMTP.
    Mail,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered (a 2xx answer; the SMTP server accepted the message).
    Success,
    /// Failed; it will be tried again later.
    Retry,
    /// Failed for good: no further attempt (permanent refusal, retries exhausted, endpoint
    /// disabled).
    Failed,
}

/// Counts one delivery attempt.
pub fn delivery(channel: Channel, outcome: Outcome) {
    let channel = match channel {
        Channel::Webhook => "webhook",
        Channel::Mail => "mail",
    };
    let outcome = match outcome {
        Outcome::Success => "success",
        Outcome::Retry => "retry",
        Outcome::Failed => "failed",
    };
    counter!(DELIVERIES, "channel" => channel, "outcome" => outcome).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names follow the Prometheus conventions: the `ticketing_` prefix, `_total` on
    /// counters only, a unit on histograms, no duplicates.
    #[test]
    fn names_follow_the_conventions() {
        let mut names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
        for m in METRICS {
            assert!(m.name.starts_with("ticketing_"), "{}", m.name);
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()),
                "{}",
                m.name
            );
            assert_eq!(
                m.name.ends_with("_total"),
                m.kind == Kind::Counter,
                "{}",
                m.name
            );
            if let Kind::Histogram(buckets) = m.kind {
                assert!(m.name.ends_with("_seconds"), "{}", m.name);
                assert!(buckets.windows(2).all(|w| w[0] < w[1]), "{}", m.name);
            }
            assert!(!m.help.is_empty(), "{}", m.name);
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), METRICS.len());
    }
}
