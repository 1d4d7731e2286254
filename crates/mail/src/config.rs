//! SMTP settings parsed from one URL (`TICKETING_SMTP_URL`) and optional separate credentials.

use std::fmt;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use url::Url;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtp://`: plain connection upgraded with STARTTLS; refused if the server does not offer it.
    StartTls,
    /// `smtps://`: TLS from the first byte (implicit TLS, "SMTPS").
    ImplicitTls,
    /// `smtp://…?tls=none`: no encryption at all, only when written out (e.g. a relay on localhost).
    None,
}

/// The SMTP settings: where to connect, how, and as whom.
///
/// URL forms (user and password percent-encoded when in the URL):
///
/// | URL | security | default port |
/// |---|---|---|
/// | `smtp://host[:port]` | STARTTLS required | 587 |
/// | `smtps://host[:port]` | implicit TLS | 465 |
/// | `smtp://host[:port]?tls=none` | none | 25 |
///
/// Query parameters: `tls=required` (the default of `smtp://`) or `tls=none`, and `timeout=SECONDS`
/// (the longest one mail's whole SMTP session may take: connecting, TLS, authentication and
/// sending; default 60). Anything else is refused, so a typo never weakens security.
/// `Debug` and `Display` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    host: String,
    port: u16,
    security: Security,
    username: Option<String>,
    password: Option<String>,
    timeout: Duration,
}

/// The SMTP settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpConfigError {
    /// The URL could not be parsed, or has a part that makes no sense here.
    #[error("invalid SMTP URL: {0}")]
    InvalidUrl(String),
    /// The scheme is neither `smtp` nor `smtps`.
    #[error("unsupported SMTP URL scheme `{0}` (use smtp:// or smtps://)")]
    UnsupportedScheme(String),
    /// The credentials are incomplete or given twice.
    #[error("invalid SMTP credentials: {0}")]
    Credentials(&'static str),
}

/// The longest one mail's whole SMTP session may take, unless `timeout=SECONDS` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

impl SmtpConfig {
    /// Parses `url`, with credentials either in it (`smtp://user:pass@host`) or given here
    /// (`username` and `password` both, e.g. from secret settings), never both ways at once.
    pub fn parse(
        url: &str,
        username: Option<&str>,
        password: Option<&str>,
    ) -> Result<Self, SmtpConfigError> {
        let invalid = |m: &str| SmtpConfigError::InvalidUrl(m.to_owned());
        let parsed = Url::parse(url.trim()).map_err(|e| invalid(&e.to_string()))?;
        let mut security = match parsed.scheme() {
            "smtp" => Security::StartTls,
            "smtps" => Security::ImplicitTls,
            other => return Err(SmtpConfigError::UnsupportedScheme(other.to_owned())),
        };
        let host = match parsed.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => String::new(),
        };
        if host.is_empty() {
            return Err(invalid("a host is required"));
        }
        if !matches!(parsed.path(), "" | "/") || parsed.fragment().is_some() {
            return Err(invalid("no path or fragment is allowed"));
        }
        let mut timeout = DEFAULT_TIMEOUT;
        for (key, value) in parsed.query_pairs() {
            match (&*key, &*value) {
                ("tls", "required") => {}
                ("tls", "none") if security == Security::StartTls => security = Security::None,
                ("tls", "none") => {
                    return Err(invalid("smtps:// always uses TLS; tls=none contradicts it"));
                }
                ("tls", _) => return Err(invalid("tls must be `required` or `none`")),
                ("timeout", secs) => {
                    timeout = match secs.parse::<u64>() {
                        Ok(secs @ 1..=3600) => Duration::from_secs(secs),
                        _ => {
                            return Err(invalid(
                                "timeout must be a number of seconds from 1 to 3600",
                            ));
                        }
                    }
                }
                _ => return Err(invalid(&format!("unknown parameter `{key}`"))),
            }
        }
        let port = parsed.port().unwrap_or(match security {
            Security::StartTls => 587,
            Security::ImplicitTls => 465,
            Security::None => 25,
        });
        let decode = |s: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| invalid("credentials must be UTF-8 once percent-decoded"))
        };
        let in_url = match (parsed.username(), parsed.password()) {
            ("", None) => None,
            (user, Some(pass)) if !user.is_empty() => Some((decode(user)?, decode(pass)?)),
            _ => {
                return Err(SmtpConfigError::Credentials(
                    "the URL needs both a user and a password",
                ));
            }
        };
        let separate = match (username, password) {
            (None, None) => None,
            (Some(user), Some(pass)) if !user.is_empty() => {
                Some((user.to_owned(), pass.to_owned()))
            }
            _ => {
                return Err(SmtpConfigError::Credentials(
                    "set both the SMTP user and password",
                ));
            }
        };
        let (username, password) = match (in_url, separate) {
            (Some(_), Some(_)) => {
                return Err(SmtpConfigError::Credentials(
                    "given both in the URL and separately",
                ));
            }
            (Some((u, p)), None) | (None, Some((u, p))) => (Some(u), Some(p)),
            (None, None) => (None, None),
        };
        Ok(Self {
            host,
            port,
            security,
            username,
            password,
            timeout,
        })
    }

    /// The server's host name or IP address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the connection is protected.
    pub fn security(&self) -> Security {
        self.security
    }

    /// The user name to authenticate as, if any.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The longest one mail's whole SMTP session may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn credentials(&self) -> Option<(&str, &str)> {
        self.username.as_deref().zip(self.password.as_deref())
    }
}

/// `smtp://user@host:587 (STARTTLS)`: safe for logs, the password is never shown.
impl fmt::Display for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.security == Security::ImplicitTls {
            "smtps"
        } else {
            "smtp"
        };
        write!(f, "{scheme}://")?;
        if let Some(user) = &self.username {
            write!(f, "{user}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        f.write_str(match self.security {
            Security::StartTls => " (STARTTLS)",
            Security::ImplicitTls => " (TLS)",
            Security::None => " (unencrypted)",
        })
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<SmtpConfig, SmtpConfigError> {
        SmtpConfig::parse(url, None, None)
    }

    #[test]
    fn smtp_requires_starttls_unless_tls_none_is_written_out() {
        let c = parse("smtp://mail.example.com").unwrap();
        assert_eq!(
            (c.host(), c.port(), c.security()),
            ("mail.example.com", 587, Security::StartTls)
        );
        let c = parse("smtp://mail.example.com:2525?tls=required").unwrap();
        assert_eq!((c.port(), c.security()), (2525, Security::StartTls));
        let c = parse("smtp://localhost?tls=none").unwrap();
        assert_eq!((c.port(), c.security()), (25, Security::None));
        let c = parse("smtps://mail.example.com").unwrap();
        assert_eq!((c.port(), c.security()), (465, Security::ImplicitTls));
        let c = parse("smtp://[::1]:2525?tls=none").unwrap();
        assert_eq!((c.host(), c.port()), ("::1", 2525));
        assert_eq!(c.to_string(), "smtp://[::1]:2525 (unencrypted)");
    }

    #[test]
    fn nonsense_is_refused() {
        for url in [
            "",
            "mail.example.com",
            "smtp://",
            "smtp://host/path",
            "smtp://host?tls=off",
            "smtp://host?tls=no",
            "smtp://host?starttls=false",
            "smtps://host?tls=none",
            "smtp://host?timeout=0",
            "smtp://host?timeout=soon",
            "smtp://user@host",
        ] {
            assert!(parse(url).is_err(), "{url} should be refused");
        }
        assert!(
            matches!(parse("http://host"), Err(SmtpConfigError::UnsupportedScheme(s)) if s == "http")
        );
    }

    #[test]
    fn credentials_come_percent_decoded_from_the_url_or_separately() {
        let c = parse("smtps://helpdesk%40example.com:p%40ss%3Aw%2Frd@mail.example.com").unwrap();
        assert_eq!(c.credentials(), Some(("helpdesk@example.com", "p@ss:w/rd")));
        let c = SmtpConfig::parse("smtp://mail.example.com", Some("u"), Some("p:@")).unwrap();
        assert_eq!(c.credentials(), Some(("u", "p:@")));
        assert_eq!(
            SmtpConfig::parse("smtp://a:b@mail.example.com", Some("u"), Some("p")),
            Err(SmtpConfigError::Credentials(
                "given both in the URL and separately"
            ))
        );
        assert!(SmtpConfig::parse("smtp://mail.example.com", Some("u"), None).is_err());
        assert!(SmtpConfig::parse("smtp://mail.example.com", None, Some("p")).is_err());
    }

    #[test]
    fn timeout_is_a_parameter() {
        assert_eq!(parse("smtp://h").unwrap().timeout(), DEFAULT_TIMEOUT);
        assert_eq!(
            parse("smtp://h?timeout=5&tls=none").unwrap().timeout(),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn the_password_never_shows() {
        let c = parse("smtp://ada:hunter2secret@mail.example.com?tls=none").unwrap();
        let debug = format!("{c:?}");
        let display = c.to_string();
        assert!(
            !debug.contains("hunter2secret") && debug.contains("<redacted>"),
            "{debug}"
        );
        assert_eq!(display, "smtp://ada@mail.example.com:25 (unencrypted)");
    }
}
