//! `GET /metrics`: the Prometheus text exposition, on its own address or on the public port
//! behind a bearer secret (never on the public port without one).
//!
//! This crate records the request metrics (`middleware.rs`) but does not know the exporter: the
//! server hands over a [`Scrape`] that samples what is sampled at scrape time and renders the
//! text. The endpoint is not part of the OpenAPI document: it serves Prometheus, not API
//! clients, and often is not on the public port at all (`docs/operations.md`, "Metrics").

use std::fmt;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App as ActixApp, HttpRequest, HttpResponse, HttpServer, web};
use futures_util::future::BoxFuture;

use crate::extract::bearer;
use crate::problem::ApiError;
use crate::routes::get;

/// The content type of the Prometheus text format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders the metrics (the server implements it over the exporter).
pub trait Scrape: Send + Sync + 'static {
    /// The metrics in the Prometheus text exposition format.
    fn render(&self) -> BoxFuture<'static, String>;
}

/// What `/metrics` serves and who may read it.
#[derive(Clone)]
pub struct MetricsEndpoint {
    scrape: Arc<dyn Scrape>,
    token: Option<Arc<str>>,
}

impl fmt::Debug for MetricsEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsEndpoint")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl MetricsEndpoint {
    /// Serves what `scrape` renders; with `token`, only to `Authorization: Bearer <token>`.
    pub fn new(scrape: Arc<dyn Scrape>, token: Option<String>) -> Self {
        Self {
            scrape,
            token: token.map(Arc::from),
        }
    }

    /// Whether a bearer secret guards it (required on the public port).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }
}

/// Mounts `/metrics` on the public application, only when a bearer secret guards it.
pub(crate) fn configure_public(cfg: &mut web::ServiceConfig, endpoint: Option<&MetricsEndpoint>) {
    if let Some(endpoint) = endpoint.filter(|e| e.has_token()) {
        mount(cfg, endpoint.clone());
    }
}

fn mount(cfg: &mut web::ServiceConfig, endpoint: MetricsEndpoint) {
    cfg.service(
        web::resource("/metrics")
            .app_data(web::Data::new(endpoint))
            .route(get().to(scrape))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::method_not_allowed("GET, HEAD"))
            })),
    );
}

/// Serves `/metrics` alone on `listener` (the metrics address), on one worker thread. It does
/// not stop on signals: stop it through its handle.
pub fn serve_metrics(listener: TcpListener, endpoint: MetricsEndpoint) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        let endpoint = endpoint.clone();
        ActixApp::new()
            .configure(move |cfg| mount(cfg, endpoint))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::not_found("only /metrics is served here"))
            }))
    })
    .workers(1)
    .shutdown_timeout(1)
    // The caller stops it after the main server (which handles the signals) has drained.
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}

async fn scrape(
    req: HttpRequest,
    endpoint: web::Data<MetricsEndpoint>,
) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &endpoint.token {
        let given = bearer(&req).unwrap_or_default();
        if !same_secret(given.as_bytes(), expected.as_bytes()) {
            return Err(ApiError::unauthenticated(
                "the metrics need Authorization: Bearer <TICKETING_METRICS_TOKEN>",
            ));
        }
    }
    let body = endpoint.scrape.render().await;
    Ok(HttpResponse::Ok()
        .content_type(TEXT_FORMAT)
        .insert_header(("cache-control", "no-store"))
        .body(body))
}

/// Compares two secrets in a time that depends on their lengths only.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = given.len() ^ expected.len();
    for (i, e) in expected.iter().enumerate() {
        diff |= usize::from(given.get(i).copied().unwrap_or(0) ^ e);
    }
    diff == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use actix_web::test::{TestRequest, call_service, init_service, read_body};

    use super::*;

    struct Fixed;

    impl Scrape for Fixed {
        fn render(&self) -> BoxFuture<'static, String> {
            Box::pin(async { "# TYPE up gauge\nup 1\n".to_owned() })
        }
    }

    fn endpoint(token: Option<&str>) -> MetricsEndpoint {
        MetricsEndpoint::new(Arc::new(Fixed), token.map(str::to_owned))
    }

    #[test]
    fn compares_secrets_exactly() {
        assert!(same_secret(b"s3cret-token", b"s3cret-token"));
        assert!(!same_secret(b"s3cret-token", b"s3cret-toke"));
        assert!(!same_secret(b"s3cret-token!", b"s3cret-token"));
        assert!(!same_secret(b"", b"s3cret-token"));
        assert!(!same_secret(b"S3cret-token", b"s3cret-token"));
    }

    #[test]
    fn debug_hides_the_token() {
        let shown = format!("{:?}", endpoint(Some("hunter2-hunter2")));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    /// Without a token nothing is mounted on the public application; with one, only the right
    /// bearer gets the text.
    #[actix_web::test]
    async fn the_public_port_needs_the_token() {
        let open = endpoint(None);
        let app =
            init_service(ActixApp::new().configure(|cfg| configure_public(cfg, Some(&open)))).await;
        let res = call_service(&app, TestRequest::get().uri("/metrics").to_request()).await;
        assert_eq!(res.status().as_u16(), 404);

        let guarded = endpoint(Some("a-long-metrics-secret"));
        let app =
            init_service(ActixApp::new().configure(|cfg| configure_public(cfg, Some(&guarded))))
                .await;
        for auth in [
            None,
            Some("Bearer wrong"),
            Some("Basic a-long-metrics-secret"),
        ] {
            let mut req = TestRequest::get().uri("/metrics");
            if let Some(auth) = auth {
                req = req.insert_header(("authorization", auth));
            }
            let res = call_service(&app, req.to_request()).await;
            assert_eq!(res.status().as_u16(), 401, "{auth:?}");
            assert_eq!(res.headers().get("www-authenticate").unwrap(), "Bearer");
        }
        let req = TestRequest::get()
            .uri("/metrics")
            .insert_header(("authorization", "Bearer a-long-metrics-secret"))
            .to_request();
        let res = call_service(&app, req).await;
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers().get("content-type").unwrap(), TEXT_FORMAT);
        assert_eq!(read_body(res).await, "# TYPE up gauge\nup 1\n");
        let res = call_service(&app, TestRequest::post().uri("/metrics").to_request()).await;
        assert_eq!(res.status().as_u16(), 405);
    }
}
