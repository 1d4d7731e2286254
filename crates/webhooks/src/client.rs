//! The outbound HTTP client: one signed POST per attempt, to public addresses only (unless
//! allowed), no redirects, no proxy, a total time limit and a bounded response read.

use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::redirect::Policy;
use tokio::time::{Instant, timeout_at};

use crate::address::{EndpointUrl, RefusedAddress, UrlError, check_address};
use crate::signing::{Message, Secret, SignedHeaders};

/// How the client behaves. `Default` is the production setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientConfig {
    /// Deliver to private, loopback and other special-purpose addresses too
    /// (`TICKETING_WEBHOOK_ALLOW_PRIVATE=true`). Off by default.
    pub allow_private: bool,
    /// The whole attempt (resolution, connection, TLS, request, response headers) must finish
    /// within this time, else it fails as [`Failure::Timeout`]. Default 10 s.
    pub timeout: Duration,
    /// At most this many bytes of the response body are read and kept. Default 4 KiB.
    pub max_response_bytes: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            allow_private: false,
            timeout: Duration::from_secs(10),
            max_response_bytes: 4096,
        }
    }
}

/// The webhook HTTP client. Cheap to clone; build one per process and share it (connections to
/// an endpoint are reused between deliveries).
#[derive(Debug, Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    config: ClientConfig,
}

/// The HTTP client could not be built (the TLS back end failed to initialise).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the webhook HTTP client: {0}")]
pub struct BuildError(String);

/// What one delivery attempt gave, for the delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOutcome {
    /// The response status, if a response arrived.
    pub status: Option<u16>,
    /// From the start of the attempt to the response headers (or the failure).
    pub latency: Duration,
    /// The start of the response body (lossy UTF-8, at most `max_response_bytes` bytes read).
    pub response_snippet: String,
    /// Why the attempt failed; `None` for a 2xx answer.
    pub failure: Option<Failure>,
}

impl DeliveryOutcome {
    /// A 2xx answer arrived in time.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.failure.is_none()
    }
}

/// Why a delivery attempt failed. `Display` is a sentence for admins; it never contains the
/// endpoint's query string or credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The stored URL is not acceptable (or, with private destinations not allowed, is an
    /// address literal in a refused range).
    Url(UrlError),
    /// The host name did not resolve.
    Dns(String),
    /// Every address the host name resolved to is in a refused range.
    RefusedAddress(RefusedAddress),
    /// No connection, a TLS failure, or the connection broke before a response.
    Connect(String),
    /// No response within the time limit.
    Timeout,
    /// A 3xx answer: redirects are not followed.
    Redirect(u16),
    /// A 1xx, 4xx or 5xx answer.
    HttpStatus(u16),
}

impl Failure {
    /// A stable label for the delivery log and metrics: `invalid_url`, `refused_address`,
    /// `dns`, `connect`, `timeout`, `redirect` or `http_status`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Url(UrlError::Refused(_)) | Self::RefusedAddress(_) => "refused_address",
            Self::Url(_) => "invalid_url",
            Self::Dns(_) => "dns",
            Self::Connect(_) => "connect",
            Self::Timeout => "timeout",
            Self::Redirect(_) => "redirect",
            Self::HttpStatus(_) => "http_status",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(e) => write!(f, "endpoint URL refused: {e}"),
            Self::Dns(e) => write!(f, "DNS resolution failed: {e}"),
            Self::RefusedAddress(e) => write!(f, "destination refused: {e}"),
            Self::Connect(e) => write!(f, "connection failed: {e}"),
            Self::Timeout => f.write_str("no response within the time limit"),
            Self::Redirect(status) => write!(f, "redirect ({status}) not followed"),
            Self::HttpStatus(status) => write!(f, "the endpoint answered {status}"),
        }
    }
}

impl WebhookClient {
    /// Builds the client.
    ///
    /// # Errors
    /// [`BuildError`] when the TLS back end cannot be initialised.
    pub fn new(config: ClientConfig) -> Result<Self, BuildError> {
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(CheckingResolver {
                allow_private: config.allow_private,
            }))
            .no_proxy() // a proxy would resolve the name itself, past our check
            .redirect(Policy::none())
            .referer(false)
            .user_agent(concat!("ticketing-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BuildError(e.to_string()))?;
        Ok(Self { http, config })
    }

    /// The configuration this client was built with.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// POSTs `message.body` to `url` with the Standard Webhooks headers (signed with `current`,
    /// and with `previous` too during a rotation's overlap) and `content-type: application/json`.
    /// A 2xx answer within the time limit is a success; nothing is retried here.
    pub async fn deliver(
        &self,
        url: &str,
        message: &Message<'_>,
        current: &Secret,
        previous: Option<&Secret>,
    ) -> DeliveryOutcome {
        let started = Instant::now();
        let failed = |failure, status| DeliveryOutcome {
            status,
            latency: started.elapsed(),
            response_snippet: String::new(),
            failure: Some(failure),
        };
        let url = match EndpointUrl::parse(url, self.config.allow_private) {
            Ok(url) => url,
            Err(e) => return failed(Failure::Url(e), None),
        };
        let headers = message.headers(current, previous);
        let request = self
            .http
            .post(url.url().clone())
            .header(SignedHeaders::ID, headers.id)
            .header(SignedHeaders::TIMESTAMP, headers.timestamp)
            .header(SignedHeaders::SIGNATURE, headers.signature)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(message.body.to_vec());
        let deadline = started + self.config.timeout;
        let mut response = match timeout_at(deadline, request.send()).await {
            Err(_elapsed) => return failed(Failure::Timeout, None),
            Ok(Err(e)) => return failed(classify(&e), None),
            Ok(Ok(response)) => response,
        };
        let latency = started.elapsed();
        let status = response.status();
        let mut snippet = Vec::new();
        // The body is only for the log: read what arrives before the deadline, then hang up.
        let _ = timeout_at(deadline, async {
            while snippet.len() < self.config.max_response_bytes {
                match response.chunk().await {
                    Ok(Some(chunk)) => snippet.extend_from_slice(&chunk),
                    Ok(None) | Err(_) => break,
                }
            }
        })
        .await;
        snippet.truncate(self.config.max_response_bytes);
        let failure = if status.is_success() {
            None
        } else if status.is_redirection() {
            Some(Failure::Redirect(status.as_u16()))
        } else {
            Some(Failure::HttpStatus(status.as_u16()))
        };
        DeliveryOutcome {
            status: Some(status.as_u16()),
            latency,
            response_snippet: String::from_utf8_lossy(&snippet).into_owned(),
            failure,
        }
    }
}

/// Maps a request error to a failure, looking through its causes for the resolver's verdict.
fn classify(error: &reqwest::Error) -> Failure {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    let mut innermost = None;
    while let Some(e) = source {
        if let Some(resolve) = e.downcast_ref::<ResolveError>() {
            return match resolve {
                ResolveError::Refused(refused) => Failure::RefusedAddress(*refused),
                ResolveError::Lookup(message) => Failure::Dns(message.clone()),
            };
        }
        innermost = Some(e);
        source = e.source();
    }
    if error.is_timeout() {
        return Failure::Timeout;
    }
    // The innermost cause (e.g. "Connection refused (os error 111)", a certificate error)
    // names no URL; reqwest's own message would.
    let detail = innermost.map_or_else(String::new, ToString::to_string);
    Failure::Connect(detail)
}

/// Resolves host names with the system resolver and keeps only the addresses that may be
/// contacted; the connector then connects to exactly those (no second lookup).
struct CheckingResolver {
    allow_private: bool,
}

#[derive(Debug, thiserror::Error)]
enum ResolveError {
    #[error("{0}")]
    Lookup(String),
    #[error(transparent)]
    Refused(RefusedAddress),
}

impl Resolve for CheckingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| ResolveError::Lookup(format!("{host}: {e}")))?
                .collect();
            let mut refused = None;
            let usable: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| {
                    allow_private
                        || check_address(addr.ip())
                            .map_err(|e| refused = refused.or(Some(e)))
                            .is_ok()
                })
                .collect();
            match (usable.is_empty(), refused) {
                (false, _) => Ok(Box::new(usable.into_iter()) as Addrs),
                (true, Some(refused)) => Err(ResolveError::Refused(refused).into()),
                (true, None) => Err(ResolveError::Lookup(format!("{host}: no address")).into()),
            }
        })
    }
}
