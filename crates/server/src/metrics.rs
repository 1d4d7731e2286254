//! The Prometheus exporter: installs the recorder behind the `metrics` facade (the catalogue of
//! names is `ticketing_app::metrics`), samples the store at scrape time, renders the text
//! exposition for `/metrics`, and decides where `/metrics` is served (`docs/operations.md`,
//! "Metrics").
//!
//! The recorder is process-wide (the facade's recorder is global by design): it is installed
//! once, by the first application built with metrics on, and never when metrics are off (every
//! recording call is then a no-op).

use std::future::Future;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use ticketing_app::metrics::{self, Kind, METRICS, StoreProbe};
use ticketing_http::{MetricsEndpoint, Scrape};

use crate::settings::Settings;

/// How long a scrape waits for the database sample before rendering without it.
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(2);

/// How often recorded histogram samples are folded into their buckets between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The git commit of the build, from `TICKETING_GIT_COMMIT` at compile time.
const GIT_COMMIT: &str = match option_env!("TICKETING_GIT_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};

/// The recorder of this process, once installed.
static RECORDER: Mutex<Option<PrometheusHandle>> = Mutex::new(None);

/// Installs the Prometheus recorder (once per process) with the buckets of the catalogue and
/// its help texts, and publishes the build info.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    let mut installed = RECORDER.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let mut builder = PrometheusBuilder::new();
    for metric in METRICS {
        if let Kind::Histogram(buckets) = metric.kind {
            builder = builder
                .set_buckets_for_metric(Matcher::Full(metric.name.to_owned()), buckets)
                .with_context(|| format!("buckets of {}", metric.name))?;
        }
    }
    let handle = builder
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    metrics::describe();
    metrics::set_build_info(env!("CARGO_PKG_VERSION"), GIT_COMMIT);
    *installed = Some(handle.clone());
    Ok(handle)
}

/// Renders the metrics after sampling the store.
struct Exporter {
    handle: PrometheusHandle,
    store: Arc<dyn StoreProbe>,
}

impl Scrape for Exporter {
    fn render(&self) -> Pin<Box<dyn Future<Output = String> + Send + 'static>> {
        let handle = self.handle.clone();
        let store = Arc::clone(&self.store);
        Box::pin(async move {
            metrics::set_db_pool(store.pool_state());
            // On a failure the gauge keeps its last value; the cause goes to the log.
            match tokio::time::timeout(SAMPLE_TIMEOUT, store.attachments_stored_bytes()).await {
                Ok(Ok(bytes)) => metrics::set_attachments_stored(bytes),
                Ok(Err(e)) => tracing::warn!(error = %e, "metrics: cannot sum attachment sizes"),
                Err(_) => tracing::warn!("metrics: summing attachment sizes took too long"),
            }
            handle.render()
        })
    }
}

/// Where `/metrics` is served, from the settings.
#[derive(Debug)]
pub struct MetricsPlan {
    /// Served on the public port (it has a token), and on the metrics address if bound.
    pub endpoint: MetricsEndpoint,
    /// The bound metrics address, if `TICKETING_METRICS_BIND` is set.
    pub listener: Option<TcpListener>,
    /// The recorder's handle, for its upkeep.
    pub handle: PrometheusHandle,
}

/// `None` when metrics are off (no `TICKETING_METRICS_BIND`, no `TICKETING_METRICS_TOKEN`);
/// otherwise installs the recorder and binds the metrics address.
pub fn plan(
    settings: &Settings,
    store: Arc<dyn StoreProbe>,
) -> anyhow::Result<Option<MetricsPlan>> {
    let bind = settings.metrics.bind.as_ref().map(|b| b.as_str());
    // The length of the token is checked where the settings load (exit status 2).
    let token = settings
        .metrics
        .token
        .as_ref()
        .map(|t| t.expose().trim().to_owned());
    if bind.is_none() && token.is_none() {
        return Ok(None);
    }
    let listener = match bind {
        None => None,
        Some(bind) => Some(
            TcpListener::bind(bind)
                .with_context(|| format!("cannot listen on {bind} (TICKETING_METRICS_BIND)"))?,
        ),
    };
    let handle = install()?;
    let exporter = Exporter {
        handle: handle.clone(),
        store,
    };
    Ok(Some(MetricsPlan {
        endpoint: MetricsEndpoint::new(Arc::new(exporter), token),
        listener,
        handle,
    }))
}

/// Folds recorded histogram samples into their buckets every few seconds, so that memory stays
/// bounded however rarely Prometheus scrapes.
pub async fn upkeep(handle: PrometheusHandle) {
    let mut tick = tokio::time::interval(UPKEEP_EVERY);
    loop {
        tick.tick().await;
        handle.run_upkeep();
    }
}
