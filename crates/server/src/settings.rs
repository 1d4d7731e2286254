//! Typed settings: defaults < config file (TOML) < environment < command-line flags.

use std::fmt;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A secret string that never shows in `Debug` or logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Every setting of the server. See docs/configuration.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://…` (`DATABASE_URL`). Empty (the default): the SQLite file
    /// `ticketing.db` in the data directory.
    pub database_url: Secret,
    /// Address to listen on (`TICKETING_BIND`).
    pub bind: String,
    /// Where the SQLite file (by default), attachments and the generated JWT secret live
    /// (`TICKETING_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Where attachment files live: `file://PATH`, or `s3://BUCKET/PREFIX` configured by the
    /// `AWS_*` variables (`TICKETING_ATTACHMENTS_URL`). Empty (the default): the folder
    /// `attachments` in the data directory.
    pub attachments_url: String,
    /// HS256 key of access tokens, at least 32 bytes (`TICKETING_JWT_SECRET`, or the seed's
    /// `JWT_SECRET_KEY`). Generated once into the data directory when unset.
    pub jwt_secret: Option<Secret>,
    /// Mark the refresh cookie Secure (`TICKETING_COOKIE_SECURE`).
    pub cookie_secure: bool,
    /// Largest upload in bytes (`TICKETING_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// Access-token lifetime, e.g. `15m`, `900` (seconds) (`TICKETING_ACCESS_TTL`).
    pub access_ttl: String,
    /// Refresh-session lifetime, e.g. `7d` (`TICKETING_REFRESH_TTL`).
    pub refresh_ttl: String,
    /// Lifetime of signed download links, e.g. `15m` (`TICKETING_DOWNLOAD_TTL`).
    pub download_ttl: String,
    /// Log filter, e.g. `info` or `ticketing=debug,info` (`TICKETING_LOG`).
    pub log: String,
    /// `pretty` or `json` (`TICKETING_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Origins allowed to call refresh/logout, comma-separated (`TICKETING_ALLOWED_ORIGINS`).
    /// Empty: the request's own host.
    pub allowed_origins: String,
    /// Requests per minute per client address on register/login/refresh
    /// (`TICKETING_RATE_LIMIT_PER_MINUTE`).
    pub rate_limit_per_minute: u32,
    /// Failed logins per account per 15 minutes (`TICKETING_LOGIN_FAILURES_PER_ACCOUNT`).
    pub login_failures_per_account: u32,
    /// Trust `X-Forwarded-For`/`Forwarded` for the client address (`TICKETING_TRUST_FORWARDED_FOR`).
    pub trust_forwarded_for: bool,
    /// HTTP worker threads; 0 = number of CPUs (`TICKETING_WORKERS`).
    pub workers: usize,
    /// Database connections (`TICKETING_DB_POOL_SIZE`); 0 = automatic.
    pub db_pool_size: u32,
    /// Password hashes computed at once; 0 = number of CPUs (`TICKETING_HASH_CONCURRENCY`).
    pub hash_concurrency: usize,
    /// Milliseconds a user loaded by id (the caller of every request) may be served from
    /// memory; 0 = off (`TICKETING_USER_CACHE_MS`). Deactivations, role and password changes
    /// apply at once on the process that made them, within this delay on other replicas.
    pub user_cache_ms: u64,
    /// Orphan files younger than this many seconds survive the start-up sweep
    /// (`TICKETING_SWEEP_MIN_AGE_SECS`; raise it when replicas share the data directory).
    pub sweep_min_age_secs: u64,
    /// Seconds to finish in-flight requests on SIGTERM (`TICKETING_SHUTDOWN_TIMEOUT_SECS`).
    pub shutdown_timeout_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: Secret::new(""),
            bind: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("./data"),
            attachments_url: String::new(),
            jwt_secret: None,
            cookie_secure: true,
            max_upload_bytes: 25 * 1024 * 1024,
            access_ttl: "15m".to_owned(),
            refresh_ttl: "7d".to_owned(),
            download_ttl: "15m".to_owned(),
            log: "info".to_owned(),
            log_format: LogFormat::Pretty,
            allowed_origins: String::new(),
            rate_limit_per_minute: 30,
            login_failures_per_account: 10,
            trust_forwarded_for: false,
            workers: 0,
            db_pool_size: 0,
            hash_concurrency: 0,
            user_cache_ms: 1000,
            sweep_min_age_secs: 0,
            shutdown_timeout_secs: 30,
        }
    }
}

/// A setting could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct SettingsError(pub String);

/// Values given as command-line flags (only those present override).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    /// `--database-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// `--bind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// `--data-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// `--log`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

/// Reads the environment variable `name` (a seam for tests).
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// Loads settings: defaults, then the TOML file `config_file` (or `TICKETING_CONFIG`), then
    /// `TICKETING_*` variables (plus `DATABASE_URL`, `JWT_SECRET_KEY` and the seed's
    /// `POSTGRES_*`), then `overrides`.
    pub fn load(
        config_file: Option<PathBuf>,
        overrides: &Overrides,
    ) -> Result<Self, SettingsError> {
        Self::load_with(config_file, overrides, &|k| std::env::var(k).ok())
    }

    /// [`Settings::load`] with an explicit environment.
    pub fn load_with(
        config_file: Option<PathBuf>,
        overrides: &Overrides,
        env: EnvLookup<'_>,
    ) -> Result<Self, SettingsError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = config_file.or_else(|| env("TICKETING_CONFIG").map(PathBuf::from)) {
            if !file.is_file() {
                return Err(SettingsError(format!(
                    "config file {} not found",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file(file));
        }
        let mut from_env: Vec<(String, String)> = Vec::new();
        for key in ENV_KEYS {
            if let Some(v) = env(&format!("TICKETING_{}", key.to_uppercase())) {
                from_env.push(((*key).to_owned(), v));
            }
        }
        if env("TICKETING_JWT_SECRET").is_none() {
            if let Some(v) = env("JWT_SECRET_KEY") {
                from_env.push(("jwt_secret".to_owned(), v));
            }
        }
        match env("DATABASE_URL") {
            Some(url) => from_env.push(("database_url".to_owned(), url)),
            None => {
                if let Some(url) = postgres_url_from_seed(env) {
                    from_env.push(("database_url".to_owned(), url));
                }
            }
        }
        for (k, v) in from_env {
            let value = parse_env_value(&k, &v)?;
            figment = figment.merge((k, value));
        }
        figment = figment.merge(Serialized::globals(overrides));
        figment.extract().map_err(|e| SettingsError(e.to_string()))
    }
}

impl Settings {
    /// The database URL in force: the configured one, or the SQLite file `ticketing.db` in the
    /// data directory.
    pub fn database_url(&self) -> String {
        if self.database_url.expose().trim().is_empty() {
            format!("sqlite://{}", self.data_dir.join("ticketing.db").display())
        } else {
            self.database_url.expose().to_owned()
        }
    }

    /// The attachment storage URL in force: the configured one, or the folder `attachments` in
    /// the data directory.
    pub fn attachments_url(&self) -> String {
        if self.attachments_url.trim().is_empty() {
            format!("file://{}", self.data_dir.join("attachments").display())
        } else {
            self.attachments_url.trim().to_owned()
        }
    }
}

/// Settings readable from `TICKETING_<KEY>` (upper-cased).
const ENV_KEYS: &[&str] = &[
    "bind",
    "data_dir",
    "attachments_url",
    "jwt_secret",
    "cookie_secure",
    "max_upload_bytes",
    "access_ttl",
    "refresh_ttl",
    "download_ttl",
    "log",
    "log_format",
    "allowed_origins",
    "rate_limit_per_minute",
    "login_failures_per_account",
    "trust_forwarded_for",
    "workers",
    "db_pool_size",
    "hash_concurrency",
    "user_cache_ms",
    "sweep_min_age_secs",
    "shutdown_timeout_secs",
];

fn parse_env_value(key: &str, raw: &str) -> Result<figment::value::Value, SettingsError> {
    use figment::value::Value;
    let raw = raw.trim();
    let bad = |what: &str| {
        SettingsError(format!(
            "TICKETING_{}: expected {what}, got {raw:?}",
            key.to_uppercase()
        ))
    };
    Ok(match key {
        "cookie_secure" | "trust_forwarded_for" => match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Value::from(true),
            "0" | "false" | "no" | "off" => Value::from(false),
            _ => return Err(bad("true or false")),
        },
        "max_upload_bytes"
        | "rate_limit_per_minute"
        | "login_failures_per_account"
        | "workers"
        | "db_pool_size"
        | "hash_concurrency"
        | "user_cache_ms"
        | "sweep_min_age_secs"
        | "shutdown_timeout_secs" => {
            Value::from(raw.parse::<u64>().map_err(|_| bad("a whole number"))?)
        }
        _ => Value::from(raw.to_owned()),
    })
}

fn postgres_url_from_seed(env: EnvLookup<'_>) -> Option<String> {
    let db = env("POSTGRES_DB")?;
    let user = env("POSTGRES_USER").unwrap_or_else(|| "postgres".to_owned());
    let host = env("POSTGRES_HOST").unwrap_or_else(|| "localhost".to_owned());
    let port = env("POSTGRES_PORT").unwrap_or_else(|| "5432".to_owned());
    let password = env("POSTGRES_PASSWORD")
        .map(|p| format!(":{}", encode_userinfo(&p)))
        .unwrap_or_default();
    Some(format!(
        "postgres://{}{password}@{host}:{port}/{db}",
        encode_userinfo(&user)
    ))
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

/// Parses a duration: a number of seconds, or a number with `s`, `m`, `h` or `d`.
pub fn parse_duration(raw: &str) -> Result<chrono::Duration, SettingsError> {
    let raw = raw.trim();
    let (num, unit) = match raw.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&raw[..i], c),
        _ => (raw, 's'),
    };
    let n: i64 = num
        .trim()
        .parse()
        .map_err(|_| SettingsError(format!("invalid duration {raw:?}")))?;
    let secs = match unit {
        's' => n,
        'm' => n * 60,
        'h' => n * 3600,
        'd' => n * 86_400,
        _ => {
            return Err(SettingsError(format!(
                "invalid duration unit in {raw:?} (use s, m, h or d)"
            )));
        }
    };
    if secs <= 0 {
        return Err(SettingsError(format!("duration {raw:?} must be positive")));
    }
    Ok(chrono::Duration::seconds(secs))
}

#[cfg(test)]
mod tests {
    use super::ENV_KEYS;

    /// Every setting readable from the environment is documented in the configuration reference
    /// and listed in the example env file of the deployment.
    #[test]
    fn every_setting_is_documented() {
        let reference = include_str!("../../../docs/configuration.md");
        let example = include_str!("../../../deploy/.env.example");
        let mut missing = Vec::new();
        for key in ENV_KEYS {
            let env = format!("TICKETING_{}", key.to_uppercase());
            if !reference.contains(&format!("`{env}`")) {
                missing.push(format!("{env} in docs/configuration.md"));
            }
            if !example.contains(&format!("{env}=")) {
                missing.push(format!("{env} in deploy/.env.example"));
            }
        }
        assert!(missing.is_empty(), "undocumented settings: {missing:?}");
    }
}
