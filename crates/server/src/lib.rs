//! # ticketing-server
//!
//! Wires the helpdesk together: typed settings, telemetry, the store chosen by URL scheme,
//! migrations, the attachment sweep, and the HTTP server. `Application::build` binds the listener
//! (port 0 in tests) and reports the port.
#![forbid(unsafe_code)]

pub mod cli;
pub mod settings;
pub mod telemetry;
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
    server: actix_web::dev::Server,
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
        trust_forwarded_for: settings.limits.trust_forwarded_for,
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
        let app = wiring::build_app(&settings, repos)?;
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
        let server = ticketing_http::serve(listener, app.clone(), http_config(&settings))
            .context("cannot start the HTTP server")?;
        tracing::info!(address = %bind, port, "listening");
        Ok(Self { port, app, server })
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
            }
        });
        let result = self.server.await;
        purge.abort();
        result
    }
}
