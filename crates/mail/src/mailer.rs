//! Sending composed mail over SMTP, with failures sorted into "retry later" and "give up".

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{self, AsyncSmtpTransport};
use lettre::{AsyncTransport, Tokio1Executor};

use crate::compose::OutgoingMail;
use crate::config::{Security, SmtpConfig, SmtpConfigError};

/// Sends [`OutgoingMail`] to one SMTP server, one SMTP session per mail.
///
/// Cheap to share behind an `Arc`; sending needs a Tokio runtime. `Debug` never shows the
/// password.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    server: String,
    timeout: Duration,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// Why a mail was not accepted by the SMTP server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: the server could not be reached or timed out, answered 4xx, TLS could
    /// not be set up, or it refused our credentials (a problem of the settings, not of the mail).
    #[error("temporary mail failure: {reason}")]
    Transient {
        /// What went wrong, for the log.
        reason: String,
    },
    /// The server refused this mail for good (5xx, e.g. an unknown recipient): do not retry.
    #[error("permanent mail failure: {code} {reason}")]
    Permanent {
        /// The SMTP reply code, e.g. 550.
        code: u16,
        /// The server's reply text, e.g. `5.1.1 <x@example.com>: Recipient address rejected`.
        reason: String,
    },
}

impl SendError {
    /// Whether retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent { .. })
    }
}

/// Reply codes of RFC 4954 (authentication) and 530 ("must issue STARTTLS first"): a 5xx about
/// our credentials or settings, not about the mail. Failing each mail for good would lose every
/// notification until an admin fixes the settings, so these count as transient.
const SETTINGS_CODES: [u16; 4] = [530, 534, 535, 538];

impl Mailer {
    /// A mailer for `config`. Fails only if the TLS settings cannot be built (e.g. a host name
    /// that cannot be a TLS server name). Certificates are checked against the system's root
    /// certificates (rustls, no OpenSSL).
    pub fn new(config: &SmtpConfig) -> Result<Self, SmtpConfigError> {
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned())
                .map_err(|e| SmtpConfigError::InvalidUrl(format!("TLS settings: {e}")))
        };
        let security = match config.security() {
            Security::StartTls => Tls::Required(tls(config.host())?),
            Security::ImplicitTls => Tls::Wrapper(tls(config.host())?),
            Security::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host())
            .port(config.port())
            .tls(security)
            .timeout(Some(config.timeout()));
        if let Some((user, password)) = config.credentials() {
            builder = builder.credentials(Credentials::new(user.to_owned(), password.to_owned()));
        }
        Ok(Self {
            transport: builder.build(),
            server: config.to_string(),
            timeout: config.timeout(),
        })
    }

    /// Hands `mail` to the server. `Ok` means the server accepted it for every recipient. The
    /// whole SMTP session must end within the configured timeout.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let session =
            tokio::time::timeout(self.timeout, self.transport.send(mail.message().clone()));
        let result = match session.await {
            Ok(result) => result.map(|_| ()).map_err(|e| classify(&e)),
            Err(_) => Err(SendError::Transient {
                reason: format!("no answer within {} s", self.timeout.as_secs()),
            }),
        };
        match result {
            Ok(()) => {
                tracing::debug!(server = %self.server, message_id = mail.message_id(), "mail sent");
                Ok(())
            }
            Err(error) => {
                tracing::warn!(server = %self.server, message_id = mail.message_id(), %error, "mail not sent");
                Err(error)
            }
        }
    }
}

fn classify(e: &smtp::Error) -> SendError {
    let detail = || match e.source() {
        Some(source) => source.to_string(),
        None => e.to_string(),
    };
    match e.status().map(u16::from) {
        Some(code) if e.is_permanent() && !SETTINGS_CODES.contains(&code) => SendError::Permanent {
            code,
            reason: detail(),
        },
        Some(code) => SendError::Transient {
            reason: format!("{code} {}", detail()),
        },
        None if e.is_timeout() => SendError::Transient {
            reason: format!("timed out: {e}"),
        },
        None => SendError::Transient { reason: chain(e) },
    }
}

/// The error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
