//! # ticketing-server
//!
//! Wires the helpdesk together: typed settings, telemetry, the store chosen by URL scheme,
//! migrations, the attachment sweep, the HTTP server and the metrics endpoint.
//! `Application::build` binds the listeners (port 0 in tests) and reports the ports.
#![forbid(unsafe_code)]

pub mod cli;
pub mod huge_pages;
pub mod mail;
pub mod metrics;
pub mod open_files;
pub mod receive;
pub mod settings;
pub mod telemetry;
pub mod webhooks;
pub mod wiring;

use std::net::TcpListener;
use std::time::Duration;

use anyhow::Context;
use ticketing_app::App;
use ticketing_http::HttpConfig;

pub use settings::Settings;

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    app: App,
    webhook_poll: Duration,
    server: actix_web::dev::Server,
    metrics: Option<MetricsServer>,
    mail: Option<std::sync::Arc<mail::MailSetup>>,
}

/// The metrics side of a running application.
struct MetricsServer {
    /// The server of `TICKETING_METRICS_BIND` and its port, if set.
    server: Option<(actix_web::dev::Server, u16)>,
    handle: metrics_exporter_prometheus::PrometheusHandle,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// The HTTP settings derived from the server settings.
pub fn http_config(settings: &Settings) -> HttpConfig {
    let defaults = HttpConfig::default();
    HttpConfig {
        cookie_secure: settings.auth.cookie_secure,
        allowed_origins: settings.auth.allowed_origins.as_slice().to_vec(),
        max_upload_bytes: settings.attachments.max_upload.0,
        auth_rate_per_minute: settings.limits.auth_requests_per_minute,
        login_failures_per_account: settings.limits.login_failures_per_account,
        password_failures_per_address: settings.limits.password_failures_per_address,
        password_failures_to_revoke: settings.limits.password_failures_to_revoke,
        login_slowdown_after: settings.limits.login_slowdown_after,
        login_slowdown_max: settings.limits.login_slowdown_max,
        trust_forwarded_for: settings.limits.trust_forwarded_for,
        writes_per_minute: settings.limits.writes_per_minute,
        events_streams_per_user: settings.events.streams_per_user,
        api_token_requests_per_minute: settings.limits.api_token_requests_per_minute,
        refresh_ttl_secs: i64::try_from(settings.auth.refresh_ttl.as_secs()).unwrap_or(i64::MAX),
        workers: if settings.server.workers == 0 {
            defaults.workers
        } else {
            settings.server.workers
        },
        shutdown_timeout_secs: settings.server.shutdown_timeout.as_secs(),
        ..defaults
    }
}

impl Application {
    /// Opens and migrates the store, sweeps orphan attachment files, binds `settings.bind` and
    /// prepares the HTTP server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let repos = {
            let settings = settings.clone();
            tokio::task::spawn_blocking(move || wiring::open_store(&settings, true))
                .await
                .context("start-up task failed")??
        };
        let metrics = metrics::plan(&settings, repos.probe())?;
        let mail = mail::shared(mail::setup(&settings)?);
        let app = wiring::build_app(
            &settings,
            repos,
            wiring::Purpose::Server {
                mail_on: mail.is_some(),
            },
        )?;
        let swept = app
            .sweep_attachments(settings.attachments.sweep_min_age.as_secs())
            .await
            .map_err(|e| anyhow::anyhow!("attachment sweep failed: {e}"))?;
        if swept.temp_files + swept.orphans > 0 {
            tracing::warn!(
                temp_files = swept.temp_files,
                orphans = swept.orphans,
                "removed leftover attachment files"
            );
        }
        let bind = settings.server.bind.as_str();
        let listener =
            TcpListener::bind(bind).with_context(|| format!("cannot listen on {bind}"))?;
        let port = listener.local_addr()?.port();
        let mut config = http_config(&settings);
        let metrics = match metrics {
            None => None,
            Some(plan) => {
                config.metrics = plan.endpoint.has_token().then(|| plan.endpoint.clone());
                let server = match plan.listener {
                    None => None,
                    Some(listener) => {
                        let listener_address = listener.local_addr()?;
                        let port = listener_address.port();
                        let server = ticketing_http::serve_metrics(listener, plan.endpoint)
                            .context("cannot start the metrics server")?;
                        tracing::info!(address = %listener_address, port, "metrics listening");
                        Some((server, port))
                    }
                };
                Some(MetricsServer {
                    server,
                    handle: plan.handle,
                })
            }
        };
        let server = ticketing_http::serve(listener, app.clone(), config)
            .context("cannot start the HTTP server")?;
        tracing::info!(address = %bind, port, "listening");
        Ok(Self {
            port,
            app,
            webhook_poll: settings.webhooks.poll,
            server,
            metrics,
            mail,
        })
    }

    /// The port of the metrics address (`TICKETING_METRICS_BIND`), if one is bound.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics
            .as_ref()
            .and_then(|m| m.server.as_ref())
            .map(|(_, port)| *port)
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The application (use cases), e.g. for tests that prepare data.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Serves until a signal: SIGTERM drains in-flight requests (up to the shutdown timeout);
    /// SIGINT and SIGQUIT stop at once.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let app = self.app.clone();
        // Every hour (and now): expired refresh sessions, events past the retention, limit
        // counters whose window ended.
        let purge = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                match app.purge_expired_sessions().await {
                    Ok(n) if n > 0 => {
                        tracing::info!(removed = n, "purged expired refresh sessions")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not purge expired sessions"),
                }
                match app.prune_events().await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "pruned old events"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not prune old events"),
                }
                match app.prune_counters().await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "pruned ended limit counters"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not prune limit counters"),
                }
            }
        });
        // Mail: plans notifications and sends the queue (never in a request).
        let mailer = self
            .mail
            .map(|setup| tokio::spawn(mail::run(self.app.clone(), setup)));
        let dispatcher = tokio::spawn(webhooks::run_dispatcher(
            self.app.clone(),
            self.webhook_poll,
        ));
        let (upkeep, metrics_server) = match self.metrics {
            Some(m) => {
                let upkeep = tokio::spawn(metrics::upkeep(m.handle));
                let server = m.server.map(|(server, _)| {
                    let handle = server.handle();
                    (tokio::spawn(server), handle)
                });
                (Some(upkeep), server)
            }
            None => (None, None),
        };
        let result = self.server.await;
        purge.abort();
        if let Some(mailer) = mailer {
            mailer.abort();
        }
        dispatcher.abort();
        if let Some(upkeep) = upkeep {
            upkeep.abort();
        }
        if let Some((task, handle)) = metrics_server {
            handle.stop(false).await;
            task.abort();
        }
        result
    }
}
