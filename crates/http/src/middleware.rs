//! Cross-cutting request handling: path normalization, security headers, access logs, request
//! metrics and a problem+json safety net.

use std::future::Future;
use std::time::Instant;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::{Error, ResponseError};

use ticketing_app::metrics;

use crate::problem::ApiError;

/// The route label of requests no route matched (one value, whatever the path).
pub const UNMATCHED: &str = "unmatched";

/// The Content-Security-Policy of every response: no inline script, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Swagger UI injects inline styles; its pages get a CSP that allows them (scripts stay 'self').
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// `/api/v1/tickets` is answered as `/api/v1/tickets/`; repeated slashes are merged. Only API
/// paths are touched (static files keep their names; Swagger UI's assets too).
pub fn normalized_path(path: &str) -> Option<String> {
    let mut merged = String::with_capacity(path.len() + 1);
    for c in path.chars() {
        if c == '/' && merged.ends_with('/') {
            continue;
        }
        merged.push(c);
    }
    // Decided on the merged path, so that `//api//v1//tickets` is an API path too.
    let is_api = merged.starts_with("/api/v1") || merged == "/api/schema" || merged == "/api/docs";
    if is_api && !merged.ends_with('/') {
        merged.push('/');
    }
    (merged != path).then_some(merged)
}

/// Rewrites the request path before routing (see [`normalized_path`]).
pub fn normalize(mut req: ServiceRequest) -> ServiceRequest {
    if let Some(path) = normalized_path(req.path()) {
        let pq = match req.query_string() {
            "" => path,
            q => format!("{path}?{q}"),
        };
        if let Ok(pq) = pq.parse::<PathAndQuery>() {
            let mut parts = req.head().uri.clone().into_parts();
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
            }
        }
    }
    req
}

/// Adds the security headers; turns any error answer that is not problem+json into one; logs
/// method, path (never the query: download tokens live there), status and latency; records the
/// request metrics by route template (never the path: it holds ids), method and status class.
pub fn finish<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let call = srv.call(req);
    async move { decorate(call.await?, started, method, path) }
}

fn decorate<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
    started: Instant,
    method: actix_web::http::Method,
    path: String,
) -> Result<ServiceResponse<EitherBody<B, BoxBody>>, Error> {
    let docs = path.starts_with("/api/docs/");
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/problem+json") || v.starts_with("application/json")
        });
    let mut res = if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let error = match status.as_u16() {
            400 => ApiError::bad_request("malformed request"),
            404 => ApiError::not_found("no such resource"),
            405 => ApiError::method_not_allowed("see the API documentation"),
            413 => ApiError::payload_too_large("the request body is too large"),
            415 => ApiError::unsupported_media_type("unsupported content type"),
            s if s >= 500 => ApiError::internal(anyhow::anyhow!("unhandled {s} answer")),
            _ => ApiError::bad_request(status.canonical_reason().unwrap_or("bad request")),
        };
        let (req, _) = res.into_parts();
        ServiceResponse::new(req, error.error_response()).map_into_right_body()
    } else {
        res.map_into_left_body()
    };
    let headers = res.headers_mut();
    let csp = if docs { DOCS_CSP } else { CSP };
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    let status = res.status();
    let elapsed = started.elapsed();
    let route = res.request().match_pattern();
    metrics::http_request(
        route.as_deref().unwrap_or(UNMATCHED),
        method.as_str(),
        status.as_u16(),
        elapsed,
    );
    let ms = elapsed.as_secs_f64() * 1000.0;
    if status.is_server_error() {
        tracing::warn!(%method, %path, status = status.as_u16(), ms, "request");
    } else {
        tracing::debug!(%method, %path, status = status.as_u16(), ms, "request");
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::normalized_path;

    #[test]
    fn adds_slash_to_api_paths_only() {
        assert_eq!(
            normalized_path("/api/v1/tickets").as_deref(),
            Some("/api/v1/tickets/")
        );
        assert_eq!(normalized_path("/api/v1/tickets/"), None);
        assert_eq!(
            normalized_path("/api/schema").as_deref(),
            Some("/api/schema/")
        );
        assert_eq!(normalized_path("/js/app.js"), None);
        assert_eq!(normalized_path("/api/docs/swagger-ui.css"), None);
        assert_eq!(
            normalized_path("//api//v1//tickets").as_deref(),
            Some("/api/v1/tickets/")
        );
    }
}
