//! Typed settings, each declared once below: defaults < config file (TOML, one table per
//! section) < environment < command-line flags. A bad value stops start-up (exit status 2) with
//! a message naming the setting as it was given. See docs/configuration.md.
//!
//! Adding a setting is one line in the table below (plus its use): the field of its section,
//! the environment variable, the config-file key, the flag, the default, the help text and
//! the documentation check all come from it.

mod declare;
mod flags;
mod load;
mod values;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::Duration;

pub use declare::Setting;
use declare::settings;
pub use flags::SettingFlags;
pub use load::{EnvLookup, SettingsError};
use values::checks::{at_least_a_second, at_least_one, metrics_token, signing_key};
pub use values::{
    BindAddress, ByteSize, DatabaseUrl, LogFilter, LogFormat, MailFrom, Millis, Origins, Secret,
    StorageUrl, UnknownSender, Value,
};

settings! {
    /// Where and how the HTTP server runs.
    server: ServerSettings {
        /// Address and port to listen on.
        bind: BindAddress = "127.0.0.1:8080", env "TICKETING_BIND", flag "bind";
        /// Where attachments, the generated JWT secret and the default SQLite file live.
        data_dir: PathBuf = "./data", env "TICKETING_DATA_DIR", flag "data-dir";
        /// HTTP worker threads; 0 = one per CPU.
        workers: usize = "0", env "TICKETING_WORKERS";
        /// How long in-flight requests may finish after SIGTERM.
        shutdown_timeout: Duration = "30s", env "TICKETING_SHUTDOWN_TIMEOUT_SECS",
            was "shutdown_timeout_secs";
    }
    /// The database.
    database: DatabaseSettings {
        /// sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB; unset: DATA_DIR/ticketing.db.
        url: Option<DatabaseUrl> = none, env "DATABASE_URL", flag "database-url",
            was "database_url", seed postgres_url_from_seed;
        /// Connections per process; 0 = automatic.
        pool_size: u32 = "0", env "TICKETING_DB_POOL_SIZE", was "db_pool_size";
        /// Cache prepared statements per connection (PostgreSQL); false behind PgBouncer < 1.21 in transaction mode.
        prepared_statements: bool = "true", env "TICKETING_DB_PREPARED_STATEMENTS";
        /// postgres:// URL straight to PostgreSQL for LISTEN and the migration lock, when DATABASE_URL goes through PgBouncer in transaction mode; unset: DATABASE_URL.
        direct_url: Option<DatabaseUrl> = none, env "TICKETING_DB_DIRECT_URL";
    }
    /// Sign-in: tokens, sessions, passwords.
    auth: AuthSettings {
        /// HS256 key of access tokens, at least 32 bytes; unset: generated into the data directory.
        jwt_secret: Option<Secret> = none, env "TICKETING_JWT_SECRET" | "JWT_SECRET_KEY",
            check signing_key;
        /// Lifetime of access tokens.
        access_ttl: Duration = "15m", env "TICKETING_ACCESS_TTL", check at_least_a_second;
        /// Lifetime of a refresh session, counted again from each refresh.
        refresh_ttl: Duration = "7d", env "TICKETING_REFRESH_TTL", check at_least_a_second;
        /// Mark the refresh cookie Secure.
        cookie_secure: bool = "true", env "TICKETING_COOKIE_SECURE";
        /// Origins allowed to call refresh and logout; empty: the request's own host.
        allowed_origins: Origins = "", env "TICKETING_ALLOWED_ORIGINS";
        /// Password hashes computed at once; 0 = one per CPU.
        hash_concurrency: usize = "0", env "TICKETING_HASH_CONCURRENCY";
        /// How long a user loaded by id is served from memory; 0 = off (a bare number is ms).
        user_cache_ms: Millis = "1000", env "TICKETING_USER_CACHE_MS";
    }
    /// Abuse limits: password checks and writes counted in the database (shared by replicas), request rates per process.
    limits: LimitsSettings {
        /// Requests per minute per client address on register, login and refresh.
        auth_requests_per_minute: u32 = "30", env "TICKETING_RATE_LIMIT_PER_MINUTE",
            was "rate_limit_per_minute", check at_least_one;
        /// Failed password checks per 15 minutes of an account from one address (login) or of a signed-in user (change-password).
        login_failures_per_account: u32 = "10", env "TICKETING_LOGIN_FAILURES_PER_ACCOUNT",
            check at_least_one;
        /// Failed password checks per 15 minutes from one client address, all accounts.
        password_failures_per_address: u32 = "50", env "TICKETING_PASSWORD_FAILURES_PER_ADDRESS",
            check at_least_one;
        /// Change-password attempts per 15 minutes of a signed-in user that end all their sessions.
        password_failures_to_revoke: u32 = "20", env "TICKETING_PASSWORD_FAILURES_TO_REVOKE",
            check at_least_one;
        /// Failed logins per 15 minutes of an account (all addresses) after which each login of it waits first.
        login_slowdown_after: u32 = "20", env "TICKETING_LOGIN_SLOWDOWN_AFTER", check at_least_one;
        /// The longest such wait.
        login_slowdown_max: Duration = "5s", env "TICKETING_LOGIN_SLOWDOWN_MAX";
        /// Trust the proxy: client address from the last X-Forwarded-For entry, forwarded host in the Origin check.
        trust_forwarded_for: bool = "false", env "TICKETING_TRUST_FORWARDED_FOR";
        /// Writes (new tickets, messages, uploads, bulk changes) per user per minute.
        writes_per_minute: u32 = "60", env "TICKETING_WRITES_PER_MINUTE", check at_least_one;
        /// Requests per API token per minute (every kind of request).
        api_token_requests_per_minute: u32 = "600", env "TICKETING_API_TOKEN_REQUESTS_PER_MINUTE",
            check at_least_one;
    }
    /// Attachment files.
    attachments: AttachmentsSettings {
        /// file://PATH or s3://BUCKET/PREFIX (AWS_* variables); unset: DATA_DIR/attachments.
        url: Option<StorageUrl> = none, env "TICKETING_ATTACHMENTS_URL";
        /// Largest attachment.
        max_upload: ByteSize = "25MiB", env "TICKETING_MAX_UPLOAD_BYTES",
            was "max_upload_bytes";
        /// Total size of the attachments each user may have stored.
        upload_quota: ByteSize = "1GiB", env "TICKETING_UPLOAD_QUOTA";
        /// Lifetime of signed download links.
        download_ttl: Duration = "15m", env "TICKETING_DOWNLOAD_TTL", check at_least_a_second;
        /// Orphan files younger than this survive the start-up sweep.
        sweep_min_age: Duration = "0", env "TICKETING_SWEEP_MIN_AGE_SECS",
            was "sweep_min_age_secs";
    }
    /// The event outbox and the event stream (`GET /api/v1/events/`).
    events: EventsSettings {
        /// How long events are kept (a reader resuming from an older one gets a reset).
        retention: Duration = "7d", env "TICKETING_EVENTS_RETENTION", check at_least_a_second;
        /// Event streams one user may have open at once (per process).
        streams_per_user: u32 = "10", env "TICKETING_EVENTS_STREAMS_PER_USER", check at_least_one;
    }
    /// Outgoing mail: notifications and password reset (docs/email.md).
    mail: MailSettings {
        /// SMTP server: smtp://HOST[:PORT] (STARTTLS required), smtps://HOST[:PORT], or smtp://HOST?tls=none; credentials in the URL or below; unset: no mail.
        smtp_url: Option<Secret> = none, env "TICKETING_SMTP_URL";
        /// SMTP user name, when not in the URL (set the password too).
        smtp_user: Option<Secret> = none, env "TICKETING_SMTP_USER";
        /// SMTP password, when not in the URL.
        smtp_password: Option<Secret> = none, env "TICKETING_SMTP_PASSWORD";
        /// Sender of every mail, e.g. Helpdesk <support@example.com>; required with an SMTP URL.
        from: Option<MailFrom> = none, env "TICKETING_MAIL_FROM";
        /// The address of the web UI, base of every link in a mail, e.g. https://help.example.com/; unset: http://BIND/.
        public_url: Option<url::Url> = none, env "TICKETING_PUBLIC_URL";
        /// The first pause after a temporary SMTP failure, doubled after each further one (at most 1 h; given up after 24 h).
        retry_base: Duration = "30s", env "TICKETING_MAIL_RETRY_BASE", check at_least_a_second;
        /// Mail from an address no account has (`ticketing mail receive`): refuse it, or create a customer account (no password until reset) and its ticket.
        unknown_sender: UnknownSender = "refuse", env "TICKETING_MAIL_UNKNOWN_SENDER";
    }
    /// Outbound webhooks (admins register endpoints at /api/v1/webhooks/).
    webhooks: WebhookSettings {
        /// Deliver to private, loopback, link-local and other non-public addresses too (test receivers, internal services).
        allow_private: bool = "false", env "TICKETING_WEBHOOK_ALLOW_PRIVATE";
        /// How often the dispatcher looks for due retries when no event wakes it.
        poll: Duration = "1s", env "TICKETING_WEBHOOK_POLL", check at_least_a_second;
    }
    /// Prometheus metrics (`GET /metrics`).
    metrics: MetricsSettings {
        /// Address serving /metrics alone, e.g. 127.0.0.1:9464; unset: none.
        bind: Option<BindAddress> = none, env "TICKETING_METRICS_BIND";
        /// Bearer secret of /metrics (at least 16 characters); set, /metrics is on the public port too.
        token: Option<Secret> = none, env "TICKETING_METRICS_TOKEN", check metrics_token;
    }
    /// Logs (on standard error).
    logging: LoggingSettings {
        /// Log filter, e.g. info or ticketing_http=debug,info.
        filter: LogFilter = "info", env "TICKETING_LOG", flag "log", was "log";
        /// pretty or json.
        format: LogFormat = "pretty", env "TICKETING_LOG_FORMAT", was "log_format";
    }
}

impl Settings {
    /// The attachment storage URL in force: the configured one, or the folder `attachments` in
    /// the data directory.
    pub fn attachments_url(&self) -> String {
        match &self.attachments.url {
            Some(url) => url.as_str().to_owned(),
            None => format!(
                "file://{}",
                self.server.data_dir.join("attachments").display()
            ),
        }
    }

    /// The database URL in force: the configured one, or the SQLite file `ticketing.db` in the
    /// data directory.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.expose().to_owned(),
            None => format!(
                "sqlite://{}",
                self.server.data_dir.join("ticketing.db").display()
            ),
        }
    }
}

/// The seed project's database variables: when `POSTGRES_DB` is set (and `DATABASE_URL` is
/// not), `postgres://USER:PASSWORD@HOST:PORT/DB`.
fn postgres_url_from_seed(env: EnvLookup<'_>) -> Option<(&'static str, String)> {
    let db = env("POSTGRES_DB")?;
    let user = env("POSTGRES_USER").unwrap_or_else(|| "postgres".to_owned());
    let host = env("POSTGRES_HOST").unwrap_or_else(|| "localhost".to_owned());
    let port = env("POSTGRES_PORT").unwrap_or_else(|| "5432".to_owned());
    let password = env("POSTGRES_PASSWORD")
        .map(|p| format!(":{}", encode_userinfo(&p)))
        .unwrap_or_default();
    let url = format!(
        "postgres://{}{password}@{host}:{port}/{db}",
        encode_userinfo(&user)
    );
    Some(("POSTGRES_DB (with POSTGRES_USER, POSTGRES_HOST, …)", url))
}

fn encode_userinfo(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
