//! # ticketing-http
//!
//! The HTTP driving adapter: actix-web handlers for the whole API of `docs/api-guide.md`,
//! problem+json errors, the Bearer extractor, the refresh cookie, rate limits, the OpenAPI
//! document with Swagger UI, and the embedded web UI. Handlers are thin: extract, parse into
//! domain types, call one use case, map to a DTO. Every route is declared once, in `routes.rs`
//! (the handler's `#[utoipa::path]` annotation plus one line of the list).
//!
//! The public surface is what the server needs:
//! - [`HttpConfig`]: the HTTP settings, filled by the server from its typed settings;
//! - [`serve`]: binds the actix server on a listener, over a [`ticketing_app::App`];
//! - [`build_app`] over an [`HttpState`] (built with [`HttpState::new`]): the actix
//!   application itself, for tests that call it without a socket;
//! - [`openapi_json`]: the OpenAPI document (`ticketing openapi`, `docs/openapi.json`);
//! - [`MetricsEndpoint`], [`Scrape`], [`serve_metrics`]: `/metrics` on its own address, or on
//!   the public port behind a bearer secret (`HttpConfig::metrics`).
//!
//! Everything else is private to the crate.
#![forbid(unsafe_code)]

mod dto;
mod extract;
mod guard;
mod handlers;
mod input;
mod limit;
mod listing;
mod live;
mod metrics;
mod middleware;
mod openapi;
mod problem;
mod routes;
mod state;
mod web_ui;

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{App as ActixApp, HttpRequest, HttpServer, web};
use utoipa_swagger_ui::SwaggerUi;

pub use metrics::{MetricsEndpoint, Scrape, serve_metrics};
pub use openapi::openapi_json;
pub use state::{HttpConfig, HttpState, PRESENCE_PER_MINUTE};

use crate::problem::ApiError;

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::ContentType => {
            ApiError::unsupported_media_type("expected Content-Type: application/json")
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::payload_too_large("the JSON body is too large")
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::bad_request(format!("invalid JSON body: {e}"))
        }
        other => ApiError::bad_request(format!("invalid JSON body: {other}")),
    };
    api.into()
}

fn path_error(_err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::not_found("no such resource (ids are UUIDs)").into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(format!("invalid query string: {err}")).into()
}

async fn fallback() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found("no such resource"))
}

/// The actix application: every route, extractor configuration and middleware.
pub fn build_app(
    state: web::Data<HttpState>,
) -> ActixApp<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let json_limit = state.config.json_limit_bytes;
    let scrape = state.config.metrics.clone();
    ActixApp::new()
        .app_data(state)
        .app_data(
            web::JsonConfig::default()
                .limit(json_limit)
                .content_type_required(true)
                .content_type(|m| {
                    m.essence_str() == "application/json" || m.suffix() == Some(mime::JSON)
                })
                .error_handler(json_error),
        )
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .configure(routes::configure)
        .service(
            SwaggerUi::new("/api/docs/{_:.*}")
                .external_url_unchecked("/api/schema/", openapi::openapi_value()),
        )
        .service(web::scope("/api").default_service(web::to(fallback)))
        .configure(|cfg| metrics::configure_public(cfg, scrape.as_ref()))
        .configure(web_ui::configure)
        .default_service(web::to(fallback))
        .wrap(actix_web::middleware::Compress::default())
        .wrap_fn(middleware::finish)
        .wrap_fn(|req, srv| srv.call(middleware::normalize(req)))
}

/// Starts serving on `listener`. The server drains in-flight requests on SIGTERM for up
/// to `config.shutdown_timeout_secs`.
pub fn serve(
    listener: TcpListener,
    app: ticketing_app::App,
    config: HttpConfig,
) -> std::io::Result<Server> {
    let workers = config.workers.max(1);
    let shutdown = config.shutdown_timeout_secs;
    let state = web::Data::new(HttpState::new(app, config));
    // The event hub's reader runs on the server's runtime, not on one of the workers.
    state.hub.start();
    // Open event streams would hold a graceful stop for its whole timeout: end them at the
    // signal (actix stops accepting and drains the rest itself).
    let hub = std::sync::Arc::clone(&state.hub);
    tokio::spawn(async move {
        stop_signal().await;
        hub.close();
    });
    let server = HttpServer::new(move || build_app(state.clone()))
        .workers(workers)
        .shutdown_timeout(shutdown)
        // A client that closes its side is gone: stop answering it at once. Without this an
        // event stream whose client went away would live on until a heartbeat write failed,
        // holding its place among the user's streams.
        .h1_allow_half_closed(false)
        .listen(listener)?
        .run();
    Ok(server)
}

/// Resolves at the first SIGTERM, SIGINT or SIGQUIT (the signals actix stops on).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [
            SignalKind::terminate(),
            SignalKind::interrupt(),
            SignalKind::quit(),
        ];
        let mut signals: Vec<_> = kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
        if signals.is_empty() {
            return std::future::pending().await;
        }
        let waits = signals.iter_mut().map(|s| Box::pin(s.recv()));
        futures_util::future::select_all(waits).await;
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Internals for this crate's integration tests and benches only: not a stable API.
#[doc(hidden)]
pub mod testing {
    pub use crate::dto::TicketDetailDto;
    pub use crate::problem::ApiError;
}
