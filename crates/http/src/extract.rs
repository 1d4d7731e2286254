//! Extractors and request helpers: the Bearer caller (an access token or an API token), the
//! client address, the refresh cookie, the Origin check, `If-Match`.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use ticketing_app::{AppError, AuthFailure, Authenticated};
use ticketing_domain::{Access, Actor, User};

use crate::problem::ApiError;
use crate::state::HttpState;

/// The refresh cookie's name.
pub const REFRESH_COOKIE: &str = "refresh_token";
/// The refresh cookie's path: only the auth endpoints ever see it.
pub const REFRESH_COOKIE_PATH: &str = "/api/v1/users/auth/";

pub(crate) fn state(req: &HttpRequest) -> Result<web::Data<HttpState>, ApiError> {
    req.app_data::<web::Data<HttpState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("HttpState is not registered")))
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// A JSON request body that must be an object. Like `web::Json<T>` (same size limit, content
/// type check and error mapping, from the app's `JsonConfig`), but an array or a scalar is a 400
/// instead of being read positionally into the fields of `T` (serde's default for structs).
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    /// The parsed body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let web::Json(value) = value.await?;
            if !value.is_object() {
                return Err(ApiError::bad_request("the JSON body must be an object").into());
            }
            serde_path_to_error::deserialize(value)
                .map(JsonObject)
                .map_err(|e| {
                    let field = e.path().to_string();
                    let error = if field.is_empty() || field == "." {
                        ApiError::bad_request(format!("invalid JSON body: {}", e.inner()))
                    } else {
                        ApiError::field(&field, e.inner().to_string())
                    };
                    error.into()
                })
        })
    }
}

/// The authenticated caller: a valid, unrevoked access token (JWT) of an active user, or an
/// API token (`tkt_…`) that is still honoured, whose scope allows the request's method (a `read`
/// token: GET and HEAD only, else 403) and that is within its rate limit (else 429); and whose
/// password is not a temporary one (else 403 `password_change_required`; see [`SignedIn`]).
#[derive(Debug, Clone)]
pub struct Caller(pub Authenticated);

impl Caller {
    /// The acting identity.
    pub fn actor(&self) -> Actor {
        self.0.actor()
    }

    /// The user, as stored now.
    pub fn user(&self) -> &User {
        &self.0.user
    }

    /// The caller as the use cases take it (user and credential).
    pub fn authenticated(&self) -> &Authenticated {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        Box::pin(async move {
            let SignedIn(caller) = signed_in.await?;
            full_access(caller)
        })
    }
}

/// `caller`, unless their password is a temporary one (403 `password_change_required`): what a
/// bearer token must pass for anything but reading the profile and changing the password.
pub(crate) fn full_access(caller: Caller) -> Result<Caller, ApiError> {
    if caller.0.user.must_change_password {
        Err(AppError::PasswordChangeRequired.into())
    } else {
        Ok(caller)
    }
}

/// The endpoints (path, method) whose handlers take a [`SignedIn`] instead of a [`Caller`]: all
/// a user with a temporary password may do with a bearer token (the OpenAPI document says so on
/// every other operation; refreshing and signing out take the refresh cookie).
pub(crate) const SIGNED_IN_ENDPOINTS: &[(&str, &str)] = &[
    ("/api/v1/users/profile/", "GET"),
    ("/api/v1/users/profile/change-password/", "POST"),
];

/// Any authenticated caller, also one who must still replace a temporary password: only for what
/// such a user may do (read their profile, change the password). Every other handler takes a
/// [`Caller`].
#[derive(Debug, Clone)]
pub struct SignedIn(pub Caller);

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = state(req);
        let token = bearer(req);
        let access = access_of(req.method());
        Box::pin(async move {
            let state = state?;
            let token = token.ok_or(ApiError::from(AppError::Unauthenticated(
                AuthFailure::Missing,
            )))?;
            authenticate(&state, &token, access).await.map(SignedIn)
        })
    }
}

/// What a request of `method` does, for a token's scope: GET and HEAD (and OPTIONS) read.
pub(crate) fn access_of(method: &Method) -> Access {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Access::Read
    } else {
        Access::Write
    }
}

/// The one place a bearer token is checked (the [`Caller`] extractor, and the download that
/// also takes a signed link): the use case verifies it; an API token's requests are then
/// counted against its own limit.
pub(crate) async fn authenticate(
    state: &HttpState,
    token: &str,
    access: Access,
) -> Result<Caller, ApiError> {
    let caller = state.app.authenticate(token, access).await?;
    if let Some(id) = caller.credential.api_token() {
        state
            .api_token_requests
            .hit(&id.to_string())
            .map_err(ApiError::rate_limited)?;
    }
    Ok(Caller(caller))
}

/// The client's address for rate limiting: the peer address, or, behind a trusted proxy, the
/// last `X-Forwarded-For` entry (the one that proxy appended; entries before it are whatever the
/// client sent and are ignored, as is `Forwarded`).
pub(crate) fn client_address(req: &HttpRequest, trust_forwarded: bool) -> String {
    if trust_forwarded {
        let last = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|s| !s.is_empty())
            .map(str::to_owned);
        if let Some(ip) = last {
            return ip;
        }
    }
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

/// The client's address as the audit log records it (`None` when it is not an IP address).
pub(crate) fn audit_address(req: &HttpRequest, trust_forwarded: bool) -> Option<IpAddr> {
    client_address(req, trust_forwarded).parse().ok()
}

/// Refuses a request whose `Origin` is foreign (refresh and logout). A request without `Origin`
/// (not from a browser) passes: the cookie is `SameSite=Strict` anyway.
///
/// With `allowed` origins configured, `Origin` must be one of them, whatever else the request
/// says. Without, it must name the request's own host: the `Host` header, or, only when
/// `trust_forwarded` (the operator trusts the proxy in front), the host a proxy forwarded
/// (`Forwarded: host=`, `X-Forwarded-Host`). A client's own forwarded headers never count.
pub(crate) fn check_origin(
    req: &HttpRequest,
    allowed: &[String],
    trust_forwarded: bool,
) -> Result<(), ApiError> {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("null").trim_end_matches('/');
    let ok = if allowed.is_empty() {
        let host = if trust_forwarded {
            req.connection_info().host().to_owned()
        } else {
            own_host(req)
        };
        origin.split_once("://").is_some_and(|(scheme, rest)| {
            matches!(scheme, "http" | "https") && rest.eq_ignore_ascii_case(&host)
        })
    } else {
        allowed
            .iter()
            .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::forbidden("cross-origin request refused"))
    }
}

/// The host the client addressed: the `Host` header (HTTP/1.1), else the request target's
/// authority (HTTP/2), never a forwarded header.
fn own_host(req: &HttpRequest) -> String {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_default()
}

/// The refresh cookie carrying `token`.
pub(crate) fn refresh_cookie(token: String, max_age_secs: i64, secure: bool) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, token)
        .path(REFRESH_COOKIE_PATH)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(max_age_secs.max(0)))
        .finish()
}

/// The `Max-Age` of a refresh cookie whose session ends at `expires_at`: the seconds left,
/// rounded up (a fresh 7-day session gives exactly `604800`, not one second less because some
/// milliseconds passed since it was created), at most `ttl_secs`.
pub(crate) fn cookie_max_age(expires_at: chrono::DateTime<chrono::Utc>, ttl_secs: i64) -> i64 {
    let millis = (expires_at - chrono::Utc::now()).num_milliseconds();
    (millis + 999).div_euclid(1000).clamp(0, ttl_secs.max(0))
}

/// A cookie that deletes the refresh cookie.
pub(crate) fn clear_refresh_cookie(secure: bool) -> Cookie<'static> {
    let mut c = refresh_cookie(String::new(), 0, secure);
    c.set_expires(time::OffsetDateTime::UNIX_EPOCH);
    c
}

/// The presented refresh token, if any.
pub(crate) fn refresh_token(req: &HttpRequest) -> Option<String> {
    req.cookie(REFRESH_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// `If-Match`: `None` when absent or `*`; a version when it names one of our ETags;
/// otherwise a 412 (it cannot match).
pub(crate) fn if_match(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    let first = text.split(',').next().unwrap_or("").trim();
    let tag = first.strip_prefix("W/").unwrap_or(first);
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| ApiError::precondition_failed("If-Match names no version of this ticket"))
}

/// The `ETag` of a ticket version.
pub(crate) fn etag(version: i64) -> String {
    format!("\"{version}\"")
}
