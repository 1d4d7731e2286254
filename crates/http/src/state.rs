//! Shared state of the HTTP layer and its configuration.

use std::sync::Arc;
use std::time::Duration;

use ticketing_app::App;
use ticketing_domain::UserId;

use crate::guard::{GuardLimits, PasswordGuard};
use crate::limit::{RateLimiter, SharedLimiter};
use crate::live::Hub;
use crate::metrics::MetricsEndpoint;
use crate::problem::{ApiError, ApiResult};

/// HTTP settings (the server crate fills them from its typed settings).
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Mark the refresh cookie `Secure` (default true; turn off only for plain-HTTP development).
    pub cookie_secure: bool,
    /// Origins allowed to call refresh and logout, e.g. `https://help.example.com`. Empty: the
    /// request's own host.
    pub allowed_origins: Vec<String>,
    /// Largest JSON body in bytes (default 64 KiB).
    pub json_limit_bytes: usize,
    /// Largest upload in bytes (default 25 MiB).
    pub max_upload_bytes: u64,
    /// Requests per minute per client address on register, login and refresh (default 30).
    pub auth_rate_per_minute: u32,
    /// Failed password checks per window of one account from one client address (login), or of
    /// one signed-in user (change-password), before 429 (default 10).
    pub login_failures_per_account: u32,
    /// Failed password checks per window from one client address across accounts (default 50).
    pub password_failures_per_address: u32,
    /// Change-password attempts per window of one signed-in user that end all of the user's
    /// sessions (default 20).
    pub password_failures_to_revoke: u32,
    /// Failed logins per window of one account (all addresses) after which each further login
    /// of it waits before the check (default 20).
    pub login_slowdown_after: u32,
    /// The longest such wait (default 5 s).
    pub login_slowdown_max: Duration,
    /// The window of failed password checks (default 15 minutes).
    pub login_failure_window: Duration,
    /// Writes (new tickets, messages, uploads, bulk change requests) per user per minute
    /// (default 60).
    pub writes_per_minute: u32,
    /// Requests per API token per minute, every kind of request (default 600).
    pub api_token_requests_per_minute: u32,
    /// Take the client address from `Forwarded` / `X-Forwarded-For` (only behind a trusted
    /// proxy; default false).
    pub trust_forwarded_for: bool,
    /// Lifetime of the refresh cookie in seconds (default 7 days).
    pub refresh_ttl_secs: i64,
    /// Worker threads (default: number of CPUs).
    pub workers: usize,
    /// Seconds to let in-flight requests finish on shutdown (default 30).
    pub shutdown_timeout_secs: u64,
    /// `/metrics` on this port: served only when it has a bearer secret (default none).
    pub metrics: Option<MetricsEndpoint>,
    /// Event streams (`GET /api/v1/events/`) one user may have open at once (default 10).
    pub events_streams_per_user: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            cookie_secure: true,
            allowed_origins: Vec::new(),
            json_limit_bytes: 64 * 1024,
            max_upload_bytes: 25 * 1024 * 1024,
            auth_rate_per_minute: 30,
            login_failures_per_account: 10,
            password_failures_per_address: 50,
            password_failures_to_revoke: 20,
            login_slowdown_after: 20,
            login_slowdown_max: Duration::from_secs(5),
            login_failure_window: Duration::from_secs(15 * 60),
            writes_per_minute: 60,
            api_token_requests_per_minute: 600,
            trust_forwarded_for: false,
            refresh_ttl_secs: 7 * 24 * 3600,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            shutdown_timeout_secs: 30,
            metrics: None,
            events_streams_per_user: 10,
        }
    }
}

/// What every handler can reach (`web::Data<HttpState>`): the use cases, the settings and the
/// rate limiters. Build it with [`HttpState::new`] and give it to [`crate::build_app`].
#[derive(Debug)]
pub struct HttpState {
    /// The use cases.
    pub(crate) app: App,
    /// Settings.
    pub(crate) config: HttpConfig,
    /// Per client address, on register/login/refresh (in this process's memory).
    pub(crate) per_address: RateLimiter,
    /// Password checks (login, change-password), counted in the database.
    pub(crate) passwords: PasswordGuard,
    /// Writes (new tickets, messages, uploads, bulk change requests) per user, counted in the
    /// database.
    pub(crate) writes: SharedLimiter,
    /// The event hub: one reader of the outbox for every stream of this process.
    pub(crate) hub: Arc<Hub>,
    /// Requests per API token (in this process's memory).
    pub(crate) api_token_requests: RateLimiter,
    /// Password reset mails per typed address.
    pub(crate) resets_per_email: RateLimiter,
    /// Password reset mails per account.
    pub(crate) resets_per_account: RateLimiter,
    /// Presence updates per user.
    pub(crate) presence: RateLimiter,
}

/// Presence updates (`POST` and `DELETE /api/v1/tickets/{id}/presence/`) per user per minute:
/// a refresh every 15 s on a few tickets at once, and the changes between viewing and replying.
pub const PRESENCE_PER_MINUTE: u32 = 60;

impl HttpState {
    /// Builds the state.
    pub fn new(app: App, config: HttpConfig) -> Self {
        Self {
            per_address: RateLimiter::new(config.auth_rate_per_minute, Duration::from_secs(60)),
            passwords: PasswordGuard::new(
                app.clone(),
                GuardLimits {
                    per_account: config.login_failures_per_account,
                    per_address: config.password_failures_per_address,
                    to_revoke: config.password_failures_to_revoke,
                    slowdown_after: config.login_slowdown_after,
                    slowdown_max: config.login_slowdown_max,
                    window: config.login_failure_window,
                },
            ),
            writes: SharedLimiter::new(
                app.clone(),
                config.writes_per_minute,
                Duration::from_secs(60),
            ),
            hub: Arc::new(Hub::new(app.clone(), config.events_streams_per_user)),
            api_token_requests: RateLimiter::new(
                config.api_token_requests_per_minute,
                Duration::from_secs(60),
            ),
            resets_per_email: RateLimiter::new(3, Duration::from_secs(3600)),
            resets_per_account: RateLimiter::new(5, Duration::from_secs(3600)),
            presence: RateLimiter::new(PRESENCE_PER_MINUTE, Duration::from_secs(60)),
            app,
            config,
        }
    }

    /// Counts one presence update of `user`; 429 `rate_limited` with `Retry-After` when the user
    /// is over [`PRESENCE_PER_MINUTE`].
    pub(crate) fn count_presence(&self, user: UserId) -> ApiResult<()> {
        self.presence
            .hit(&user.to_string())
            .map_err(ApiError::rate_limited)
    }

    /// Counts one write (a new ticket, message, upload, bulk change request or account) of
    /// `user` (in the database: every replica counts against the same budget); 429
    /// `rate_limited` with `Retry-After` when the user is over `writes_per_minute`.
    pub(crate) async fn count_write(&self, user: UserId) -> ApiResult<()> {
        self.writes.hit(&format!("write:{user}")).await
    }
}
