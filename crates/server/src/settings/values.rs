//! The types settings are read into, each with its one parser. A new type of setting implements
//! [`Value`]; a new setting of an existing type needs nothing here.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A type a setting can have: parsed from the text of an environment variable or a flag, or
/// from a value of the TOML config file.
pub trait Value: Sized {
    /// What a value looks like, shown in flag help (`--bind <ADDRESS>`).
    const HINT: &'static str;
    /// A secret value never appears in messages (and its type hides it from `Debug`).
    const SECRET: bool = false;

    /// Parses the text form. The error says what was expected; it does not repeat the value
    /// (the caller adds it unless the value is secret).
    fn parse(raw: &str) -> Result<Self, String>;

    /// Reads a value of the config file. By default: its text (a string, a number or a
    /// boolean), parsed like an environment variable.
    fn from_toml(value: &toml::Value) -> Result<Self, String> {
        Self::parse(&scalar(value)?)
    }

    /// The value of a setting declared without a default (`none`): only `Option`s have one.
    fn unset() -> Option<Self> {
        None
    }
}

/// The text of a single TOML value.
pub(crate) fn scalar(value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        other => Err(format!("expected a single value, got {}", other.type_str())),
    }
}

impl<T: Value> Value for Option<T> {
    const HINT: &'static str = T::HINT;
    const SECRET: bool = T::SECRET;

    fn parse(raw: &str) -> Result<Self, String> {
        T::parse(raw).map(Some)
    }

    fn from_toml(value: &toml::Value) -> Result<Self, String> {
        T::from_toml(value).map(Some)
    }

    fn unset() -> Option<Self> {
        Some(None)
    }
}

impl Value for bool {
    const HINT: &'static str = "BOOL";

    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err("expected true or false (or 1/0, yes/no, on/off)".to_owned()),
        }
    }
}

macro_rules! whole_numbers {
    ($($t:ty),*) => {$(
        impl Value for $t {
            const HINT: &'static str = "NUMBER";

            fn parse(raw: &str) -> Result<Self, String> {
                let raw = raw.trim();
                raw.parse().map_err(|_| {
                    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
                        format!("expected at most {}", <$t>::MAX)
                    } else {
                        "expected a whole number".to_owned()
                    }
                })
            }
        }
    )*};
}
whole_numbers!(u16, u32, u64, usize);

impl Value for PathBuf {
    const HINT: &'static str = "PATH";

    fn parse(raw: &str) -> Result<Self, String> {
        if raw.trim().is_empty() {
            return Err("expected a path".to_owned());
        }
        Ok(PathBuf::from(raw))
    }
}

/// The longest duration accepted: 100 years (longer ones overflow the time arithmetic of tokens).
const MAX_DURATION_MS: u64 = 36_500 * 86_400_000;

/// Parses a duration: a whole number followed by `ms`, `s`, `m`, `h` or `d`, or a bare whole
/// number counted in `bare_ms` milliseconds.
fn parse_duration(raw: &str, bare_ms: u64, bare: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let expected = || {
        format!(
            "expected a duration: a whole number of {bare}, or one followed by ms, s, m, h or d \
             (900, 90s, 15m, 12h, 7d)"
        )
    };
    let (num, unit) = raw.split_at(raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len()));
    let n: u64 = num.parse().map_err(|_| expected())?;
    let unit_ms = match unit.trim() {
        "" => bare_ms,
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(expected()),
    };
    n.checked_mul(unit_ms)
        .filter(|ms| *ms <= MAX_DURATION_MS)
        .map(Duration::from_millis)
        .ok_or_else(|| "expected at most 100 years (36500d)".to_owned())
}

impl Value for Duration {
    const HINT: &'static str = "DURATION";

    /// A bare number is seconds.
    fn parse(raw: &str) -> Result<Self, String> {
        parse_duration(raw, 1_000, "seconds")
    }
}

/// A duration whose bare number is milliseconds (settings named `…_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Millis(pub Duration);

impl Value for Millis {
    const HINT: &'static str = "DURATION";

    fn parse(raw: &str) -> Result<Self, String> {
        parse_duration(raw, 1, "milliseconds").map(Millis)
    }
}

/// A size in bytes: `26214400`, `25MiB`, `1GiB`, `500kB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl Value for ByteSize {
    const HINT: &'static str = "SIZE";

    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let expected = || {
            "expected a size: a whole number of bytes, or one followed by KiB, MiB, GiB, TiB \
             (or kB, MB, GB, TB), e.g. 25MiB"
                .to_owned()
        };
        let (num, unit) =
            raw.split_at(raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len()));
        let n: u64 = num.parse().map_err(|_| expected())?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kb" => 1_000,
            "mb" => 1_000_000,
            "gb" => 1_000_000_000,
            "tb" => 1_000_000_000_000,
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            "tib" => 1 << 40,
            _ => return Err(expected()),
        };
        n.checked_mul(factor)
            .map(ByteSize)
            .ok_or_else(|| "expected a smaller size".to_owned())
    }
}

/// An address to listen on: `HOST:PORT` (`127.0.0.1:8080`, `[::1]:8080`, `localhost:0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAddress(String);

impl BindAddress {
    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Value for BindAddress {
    const HINT: &'static str = "ADDRESS";

    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let expected = || "expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080".to_owned();
        let (host, port) = raw.rsplit_once(':').ok_or_else(expected)?;
        port.parse::<u16>().map_err(|_| expected())?;
        let bracketed = host.starts_with('[') && host.ends_with(']');
        if host.is_empty() || (host.contains(':') && !bracketed) {
            return Err(expected());
        }
        Ok(Self(raw.to_owned()))
    }
}

/// A secret string that never shows in `Debug`, logs or error messages.
#[derive(Clone, PartialEq, Eq)]
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

impl Value for Secret {
    const HINT: &'static str = "SECRET";
    const SECRET: bool = true;

    fn parse(raw: &str) -> Result<Self, String> {
        Ok(Self::new(raw))
    }
}

/// The sender of outgoing mail (`Helpdesk <support@example.com>` or `support@example.com`),
/// checked by the mail composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFrom(String);

impl MailFrom {
    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Value for MailFrom {
    const HINT: &'static str = "ADDRESS";

    fn parse(raw: &str) -> Result<Self, String> {
        ticketing_mail::Composer::new(raw).map_err(|e| e.to_string())?;
        Ok(Self(raw.trim().to_owned()))
    }
}

/// A database URL (`sqlite://PATH`, `postgres://…`), checked by [`crate::wiring::store_url`].
/// Secret: it may hold a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl(Secret);

impl DatabaseUrl {
    /// The URL itself.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl Value for DatabaseUrl {
    const HINT: &'static str = "URL";
    const SECRET: bool = true;

    fn parse(raw: &str) -> Result<Self, String> {
        crate::wiring::store_url(raw).map_err(|e| e.to_string())?;
        Ok(Self(Secret::new(raw)))
    }
}

/// A URL (`https://help.example.com/`).
impl Value for url::Url {
    const HINT: &'static str = "URL";

    fn parse(raw: &str) -> Result<Self, String> {
        url::Url::parse(raw.trim()).map_err(|e| format!("expected an absolute URL ({e})"))
    }
}

/// Where attachment files live: `file://PATH` or `s3://BUCKET[/PREFIX]` (the attachment store
/// reads the rest of an S3 configuration from the `AWS_*` variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageUrl(String);

impl StorageUrl {
    /// The URL as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Value for StorageUrl {
    const HINT: &'static str = "URL";

    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let rest = raw
            .strip_prefix("file://")
            .or_else(|| raw.strip_prefix("s3://"))
            .ok_or_else(|| "expected file://PATH or s3://BUCKET/PREFIX".to_owned())?;
        if rest.is_empty() {
            return Err("expected a path or a bucket after the scheme".to_owned());
        }
        if raw.starts_with("s3://") && rest.contains('@') {
            return Err("credentials never go in the URL: use the AWS_* variables".to_owned());
        }
        Ok(Self(raw.to_owned()))
    }
}

/// Web origins (`https://help.example.com`): comma-separated in the environment, a list or a
/// comma-separated string in the file. Each is checked and kept in its serialised form
/// (lower-case host, no default port, no trailing slash), the form browsers send.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origins(Vec<String>);

impl Origins {
    /// The origins.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    fn one(raw: &str) -> Result<String, String> {
        let expected = || {
            format!(
                "{raw:?} is not an origin: expected SCHEME://HOST[:PORT], \
                 e.g. https://help.example.com"
            )
        };
        let url = url::Url::parse(raw).map_err(|_| expected())?;
        let bare = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !matches!(url.scheme(), "http" | "https") || !bare {
            return Err(expected());
        }
        Ok(url.origin().ascii_serialization())
    }
}

impl Value for Origins {
    const HINT: &'static str = "ORIGINS";

    fn parse(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Self::one)
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn from_toml(value: &toml::Value) -> Result<Self, String> {
        match value {
            toml::Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(s) => Self::one(s.trim()),
                    other => Err(format!("expected strings, got {}", other.type_str())),
                })
                .collect::<Result<_, _>>()
                .map(Self),
            other => Self::parse(&scalar(other)?),
        }
    }
}

/// A log filter in `tracing`'s `EnvFilter` syntax (`info`, `ticketing_http=debug,info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter(String);

impl LogFilter {
    /// The filter as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Value for LogFilter {
    const HINT: &'static str = "FILTER";

    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("expected a log filter such as info or ticketing_http=debug,info".into());
        }
        tracing_subscriber::EnvFilter::try_new(raw)
            .map_err(|e| format!("expected a log filter such as info ({e})"))?;
        Ok(Self(raw.to_owned()))
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

impl Value for LogFormat {
    const HINT: &'static str = "FORMAT";

    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "pretty" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            _ => Err("expected pretty or json".to_owned()),
        }
    }
}

/// What `ticketing mail receive` does with mail from an unknown address.
pub use ticketing_app::UnknownSender;

impl Value for UnknownSender {
    const HINT: &'static str = "refuse|create";

    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "refuse" => Ok(Self::Refuse),
            "create" => Ok(Self::Create),
            _ => Err("expected refuse or create".to_owned()),
        }
    }
}

/// Checks a declaration can name after a type (`check at_least_a_second`).
pub(crate) mod checks {
    use std::time::Duration;

    use super::Secret;

    /// Lifetimes counted in whole seconds (tokens, cookies).
    pub(crate) fn at_least_a_second(d: &Duration) -> Result<(), String> {
        if *d < Duration::from_secs(1) {
            return Err("expected at least one second".to_owned());
        }
        Ok(())
    }

    /// Limits where zero would refuse everything.
    pub(crate) fn at_least_one(n: &u32) -> Result<(), String> {
        if *n == 0 {
            return Err("expected at least 1".to_owned());
        }
        Ok(())
    }

    /// Metrics bearer secrets of at least 16 characters.
    pub(crate) fn metrics_token(token: &Option<Secret>) -> Result<(), String> {
        match token {
            Some(t) if t.expose().chars().count() < 16 => {
                Err("the token must be at least 16 characters (openssl rand -base64 32)".to_owned())
            }
            _ => Ok(()),
        }
    }

    /// HS256 keys of at least 32 bytes.
    pub(crate) fn signing_key(key: &Option<Secret>) -> Result<(), String> {
        match key {
            Some(k) if k.expose().len() < 32 => {
                Err("the key must be at least 32 bytes (openssl rand -base64 48)".to_owned())
            }
            _ => Ok(()),
        }
    }
}
