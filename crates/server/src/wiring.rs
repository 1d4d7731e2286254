//! Building the application from settings: the store chosen by URL scheme, the attachment
//! store, password hashing and tokens.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use ticketing_app::ports::Store;
use ticketing_app::system::{SystemClock, UuidV7};
use ticketing_app::webhooks::{WebhookPorts, WebhookRepository};
use ticketing_app::{App, MailPort, MailRepository, Ports, Settings as AppSettings, StorePorts};
use ticketing_attachments::Attachments;
use ticketing_crypto::{Argon2Hasher, HasherConfig, JwtTokens};
use ticketing_store::postgres::{PgOptions, PgStore};
use ticketing_store::sqlite::{SqliteOptions, SqliteStore};

use crate::settings::{Secret, Settings};
use ticketing_app::metrics::StoreProbe;

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string.
    Postgres(String),
}

/// Chooses the store from the URL scheme; anything else is an error (never a silent file).
pub fn store_url(url: &str) -> anyhow::Result<StoreUrl> {
    let scheme = url
        .split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    match scheme.as_str() {
        "postgres" | "postgresql" => Ok(StoreUrl::Postgres(url.to_owned())),
        "sqlite" => ticketing_store::sqlite::parse_url(url)
            .map(StoreUrl::Sqlite)
            .ok_or_else(|| {
                anyhow!("invalid SQLite URL: use sqlite://PATH, e.g. sqlite://./data/ticketing.db")
            }),
        "" => bail!("no scheme: use sqlite://PATH or postgres://USER@HOST/DB"),
        other => {
            bail!("unsupported scheme `{other}`: use sqlite://PATH or postgres://USER@HOST/DB")
        }
    }
}

/// The repositories of one store.
#[derive(Clone)]
pub struct Repositories {
    store: StorePorts,
    probe: Arc<dyn StoreProbe>,
    mail: Arc<dyn MailRepository>,
    webhooks: Arc<dyn WebhookRepository>,
}

impl Repositories {
    /// What the metrics sample from this store at scrape time.
    pub fn probe(&self) -> Arc<dyn StoreProbe> {
        Arc::clone(&self.probe)
    }
}

impl std::fmt::Debug for Repositories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Repositories { .. }")
    }
}

fn repositories<S: Store + StoreProbe + MailRepository + WebhookRepository + 'static>(
    store: S,
) -> Repositories {
    let s = Arc::new(store);
    Repositories {
        store: StorePorts::of(s.clone()),
        mail: s.clone(),
        probe: s.clone(),
        webhooks: s,
    }
}

/// Opens the store of `settings` and (with `migrate`) applies pending migrations.
pub fn open_store(settings: &Settings, migrate: bool) -> anyhow::Result<Repositories> {
    match store_url(&settings.database_url())? {
        StoreUrl::Sqlite(path) => {
            if settings.database.direct_url.is_some() {
                anyhow::bail!(
                    "TICKETING_DB_DIRECT_URL applies to PostgreSQL only; DATABASE_URL is SQLite"
                );
            }
            // SQLite needs to write next to the file (journal, WAL): say so plainly when it
            // cannot, instead of SQLite's "unable to open database file".
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                ensure_dir(dir).context("the SQLite database cannot be written")?;
            }
            let mut options = SqliteOptions::default();
            if settings.database.pool_size > 0 {
                options.pool_size = settings.database.pool_size;
            }
            let store = SqliteStore::open(&path, options)
                .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
            if migrate {
                let applied = store.migrate().context("database migration failed")?;
                log_migrations(&applied);
            }
            Ok(repositories(store))
        }
        StoreUrl::Postgres(url) => {
            let direct_url = match &settings.database.direct_url {
                None => None,
                Some(direct) => match store_url(direct.expose())? {
                    StoreUrl::Postgres(direct) => Some(direct),
                    StoreUrl::Sqlite(_) => anyhow::bail!(
                        "TICKETING_DB_DIRECT_URL must be a postgres:// URL (a direct connection to the PostgreSQL server of DATABASE_URL)"
                    ),
                },
            };
            let mut options = PgOptions {
                prepared_statements: settings.database.prepared_statements,
                direct_url,
                ..PgOptions::default()
            };
            if settings.database.pool_size > 0 {
                options.pool_size = settings.database.pool_size;
            }
            let store = PgStore::connect(&url, options).context("cannot connect to PostgreSQL")?;
            if migrate {
                let applied = store.migrate().context("database migration failed")?;
                log_migrations(&applied);
            }
            Ok(repositories(store))
        }
    }
}

fn log_migrations(applied: &[String]) {
    if applied.is_empty() {
        tracing::info!("database schema is up to date");
    } else {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
}

/// The JWT secret: configured (its length is checked where settings load), or read from (or
/// generated into) `<data_dir>/jwt-secret`.
pub fn jwt_secret(settings: &Settings) -> anyhow::Result<Secret> {
    if let Some(s) = &settings.auth.jwt_secret {
        return Ok(s.clone());
    }
    let data_dir = &settings.server.data_dir;
    let path = data_dir.join("jwt-secret");
    if path.exists() {
        let text = fs::read_to_string(&path)
            .with_context(|| format!("cannot read the JWT secret file {}", path.display()))?;
        return Ok(Secret::new(text.trim()));
    }
    ensure_dir(data_dir)?;
    let secret = ticketing_crypto::generate_secret();
    write_private(&path, &secret)?;
    tracing::warn!(
        path = %path.display(),
        "no TICKETING_JWT_SECRET set: generated one and stored it in the data directory; \
         set TICKETING_JWT_SECRET when several replicas serve the same users"
    );
    Ok(Secret::new(secret))
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the JWT secret file {}", path.display()))?;
    file.write_all(content.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// Creates the data directory and checks that it is writable.
pub fn ensure_dir(dir: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    fs::write(&probe, b"ok")
        .with_context(|| format!("the data directory {} is not writable", dir.display()))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// The attachment store of `TICKETING_ATTACHMENTS_URL` (by default the folder `attachments` in
/// the data directory); an S3 bucket takes its endpoint, region and keys from the `AWS_*`
/// variables.
pub fn open_attachments(settings: &Settings) -> anyhow::Result<Attachments> {
    let url = settings.attachments_url();
    let store = Attachments::open(&url)
        .context("cannot use the attachment storage (TICKETING_ATTACHMENTS_URL)")?;
    tracing::info!(location = store.location(), "attachment storage");
    Ok(store)
}

/// What an application is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `ticketing serve`; mail is sent when `mail_on` (an SMTP server is configured, see
    /// `crate::mail::setup`).
    Server {
        /// Whether mail is sent.
        mail_on: bool,
    },
    /// A one-shot command (`ticketing user …`, `token create`, `mail receive`): no mail sent
    /// and no user cache. A command makes a call or two, so a cache saves nothing, and without
    /// it the store starts no change feed: on PostgreSQL that feed is a thread connecting to
    /// the server (`LISTEN`), and a command that exited while that thread was still connecting
    /// was aborted in libpq's GSSAPI teardown (`mail receive`, about one run in 200; the CI
    /// test `each_fixture_has_its_outcome` saw exit status -1).
    Command,
}

/// Builds the application over the store, the attachment store and the crypto adapters, for
/// `purpose`.
pub fn build_app(
    settings: &Settings,
    repos: Repositories,
    purpose: Purpose,
) -> anyhow::Result<App> {
    let (mail_on, user_cache_ttl) = match purpose {
        Purpose::Server { mail_on } => (mail_on, settings.auth.user_cache_ms.0),
        Purpose::Command => (false, Duration::ZERO),
    };
    ensure_dir(&settings.server.data_dir)?;
    let blobs = open_attachments(settings)?;
    let mut hasher_config = HasherConfig::default();
    if settings.auth.hash_concurrency > 0 {
        hasher_config.max_concurrent = settings.auth.hash_concurrency;
    }
    hasher_config.queue_timeout = Duration::from_secs(10);
    let hasher = Argon2Hasher::new(hasher_config).context("invalid password hashing settings")?;
    let secret = jwt_secret(settings)?;
    let tokens = JwtTokens::new(secret.expose().as_bytes(), span(settings.auth.access_ttl)?)
        .context("invalid JWT settings")?;
    let mail = MailPort {
        repo: repos.mail,
        enabled: mail_on,
        retry_base: settings.mail.retry_base,
    };
    let ports = Ports {
        store: repos.store,
        blobs: Arc::new(blobs),
        hasher: Arc::new(hasher),
        tokens: Arc::new(tokens),
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidV7),
    };
    let app_settings = AppSettings {
        refresh_ttl: span(settings.auth.refresh_ttl)?,
        download_ttl: span(settings.attachments.download_ttl)?,
        max_upload_bytes: settings.attachments.max_upload.0,
        upload_quota_bytes: settings.attachments.upload_quota.0,
        user_cache_ttl,
        events_retention: settings.events.retention,
        ..AppSettings::default()
    };
    let webhooks = WebhookPorts {
        store: repos.webhooks,
        transport: Arc::new(crate::webhooks::HttpTransport::new(
            settings.webhooks.allow_private,
        )?),
    };
    Ok(App::new(ports, app_settings)
        .with_mail(mail)
        .with_webhooks(webhooks))
}

/// A duration of the settings (at most 100 years) for the chrono arithmetic of the app.
fn span(d: Duration) -> anyhow::Result<chrono::Duration> {
    chrono::Duration::from_std(d).context("duration out of range")
}
