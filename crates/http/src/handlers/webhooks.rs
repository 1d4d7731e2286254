//! `/api/v1/webhooks/`: outbound webhook endpoints and their delivery log (admins only; others
//! get 403). Creating an endpoint and rotating its secret answer the secret, shown that once.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ticketing_app::webhooks::{
    AttemptOutcome, NewWebhook, WebhookChange, WebhookDelivery, WebhookEndpoint, WebhookWithSecret,
    parse_event_types,
};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{Caller, JsonObject, audit_address};
use crate::input::Fields;
use crate::listing::QueryPairs;
use crate::problem::ApiResult;
use crate::state::HttpState;

/// The event types an endpoint may ask for: the types of the event outbox.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum WebhookEventTypeDto {
    /// A ticket was opened.
    #[serde(rename = "ticket.created")]
    TicketCreated,
    /// Fields, status, priority or assignee changed.
    #[serde(rename = "ticket.updated")]
    TicketUpdated,
    /// A ticket was deleted.
    #[serde(rename = "ticket.deleted")]
    TicketDeleted,
    /// A reply or an internal note (staff-only) was posted.
    #[serde(rename = "message.created")]
    MessageCreated,
    /// A file was attached.
    #[serde(rename = "attachment.added")]
    AttachmentAdded,
    /// A file was removed.
    #[serde(rename = "attachment.removed")]
    AttachmentRemoved,
    /// Account administration (admin-only events).
    #[serde(rename = "user.created")]
    UserCreated,
    /// Admin-only.
    #[serde(rename = "user.renamed")]
    UserRenamed,
    /// Admin-only.
    #[serde(rename = "user.role_changed")]
    UserRoleChanged,
    /// Admin-only.
    #[serde(rename = "user.deactivated")]
    UserDeactivated,
    /// Admin-only.
    #[serde(rename = "user.reactivated")]
    UserReactivated,
    /// Admin-only.
    #[serde(rename = "user.password_reset")]
    UserPasswordReset,
    /// Admin-only.
    #[serde(rename = "token.created")]
    TokenCreated,
    /// Admin-only.
    #[serde(rename = "token.revoked")]
    TokenRevoked,
    /// Admin-only.
    #[serde(rename = "webhook.created")]
    WebhookCreated,
    /// Admin-only.
    #[serde(rename = "webhook.deleted")]
    WebhookDeleted,
    /// Admin-only.
    #[serde(rename = "webhook.secret_rotated")]
    WebhookSecretRotated,
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookCreateRequest {
    /// `http` or `https` URL, at most 2048 characters, no user name or password; not a private,
    /// loopback or link-local address (unless the server allows them).
    #[schema(max_length = 2048)]
    pub url: String,
    /// The event types to receive (at least one).
    #[schema(value_type = Vec<WebhookEventTypeDto>, min_items = 1)]
    pub event_types: Vec<String>,
    /// Receive staff-only events (internal notes, their files) and admin-only events too.
    #[serde(default)]
    pub include_staff_events: bool,
    /// Deliver from now on (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A change of an endpoint; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatchRequest {
    /// New URL.
    #[schema(max_length = 2048)]
    #[serde(default)]
    pub url: Option<String>,
    /// New event types (at least one).
    #[schema(value_type = Option<Vec<WebhookEventTypeDto>>, min_items = 1)]
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// Staff-only and admin-only events too.
    #[serde(default)]
    pub include_staff_events: Option<bool>,
    /// Enable (clears the reason it was disabled for; waiting deliveries go at once) or
    /// disable.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A secret rotation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretRequest {
    /// Hours during which the previous secret still signs too (each delivery then carries two
    /// signatures), 0..=168; default 24.
    #[schema(minimum = 0, maximum = 168)]
    #[serde(default)]
    pub overlap_hours: Option<u32>,
}

/// An endpoint (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDto {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// The event types it receives.
    #[schema(value_type = Vec<WebhookEventTypeDto>)]
    pub event_types: Vec<String>,
    /// Whether it receives staff-only and admin-only events.
    pub include_staff_events: bool,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why the server disabled it (failing for 3 days); `null` otherwise.
    pub disabled_reason: Option<String>,
    /// Since when its deliveries fail without a success; `null` when they do not.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the previous secret signs too (a rotation's overlap); `null` when none.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl WebhookDto {
    fn of(e: &WebhookEndpoint, now: DateTime<Utc>) -> Self {
        Self {
            id: e.id,
            url: e.url.clone(),
            event_types: e.event_types.clone(),
            include_staff_events: e.include_staff_events,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone(),
            failing_since: e.failing_since,
            previous_secret_until: e.previous_secret_until.filter(|t| *t > now),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// An endpoint with its new secret, shown this once.
#[derive(Clone, Serialize, ToSchema)]
pub struct WebhookWithSecretDto {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: WebhookDto,
    /// The signing secret (`whsec_` and base64): keep it to verify signatures; shown this once.
    #[schema(pattern = "^whsec_[A-Za-z0-9+/]+=*$")]
    pub secret: String,
}

impl std::fmt::Debug for WebhookWithSecretDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookWithSecretDto")
            .field("id", &self.endpoint.id)
            .finish_non_exhaustive()
    }
}

impl WebhookWithSecretDto {
    fn of(w: WebhookWithSecret, now: DateTime<Utc>) -> Self {
        Self {
            endpoint: WebhookDto::of(&w.endpoint, now),
            secret: w.secret,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum DeliveryStateDto {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// A 2xx answer arrived.
    Delivered,
    /// Given up after the last retry.
    Failed,
}

/// One delivery of the log: an event for the endpoint, with its last attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDeliveryDto {
    /// Its id.
    pub id: Uuid,
    /// The event's id (the `webhook-id` header).
    pub event_id: i64,
    /// The event's type.
    #[schema(value_type = WebhookEventTypeDto)]
    pub event_type: String,
    /// Where it stands.
    #[schema(value_type = DeliveryStateDto)]
    pub state: &'static str,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// The last attempt's time.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last attempt's response status; `null` when no response arrived.
    pub last_status: Option<u16>,
    /// The last attempt's latency in milliseconds.
    pub last_latency_ms: Option<u64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The start of the last response body (at most 4 KiB).
    pub last_response: Option<String>,
}

impl WebhookDeliveryDto {
    fn of(d: &WebhookDelivery) -> Self {
        let pending = d.state == ticketing_app::webhooks::DeliveryState::Pending;
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type.clone(),
            state: d.state.as_str(),
            attempts: d.attempts,
            next_attempt_at: pending.then_some(d.next_attempt_at),
            created_at: d.created_at,
            last_attempt_at: d.last_attempt_at,
            last_status: d.last_status,
            last_latency_ms: d.last_latency_ms,
            last_error: d.last_error.clone(),
            last_response: d.last_response.clone(),
        }
    }
}

/// What a test delivery gave.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookTestDto {
    /// A 2xx answer arrived within 10 s.
    pub success: bool,
    /// The response status; `null` when no response arrived.
    pub status: Option<u16>,
    /// Milliseconds to the response (or the failure).
    pub latency_ms: u64,
    /// The start of the response body (at most 4 KiB).
    pub response: String,
    /// Why it failed.
    pub error: Option<String>,
}

impl WebhookTestDto {
    fn of(o: AttemptOutcome) -> Self {
        Self {
            success: o.is_success(),
            status: o.status,
            latency_ms: o.latency_ms,
            response: o.response,
            error: o.failure,
        }
    }
}

fn event_types(f: &mut Fields, types: &[String]) -> Option<Vec<String>> {
    match parse_event_types(types) {
        Ok(t) => Some(t),
        Err(message) => {
            f.add("event_types", message);
            None
        }
    }
}

/// Every endpoint, oldest first (admins only).
#[utoipa::path(
    get, path = "/api/v1/webhooks/", tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every endpoint, oldest first", body = Vec<WebhookDto>),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not an admin"),
    )
)]
pub async fn list(state: web::Data<HttpState>, caller: Caller) -> ApiResult<HttpResponse> {
    let endpoints = state.app.webhook_endpoints(&caller.actor()).await?;
    let now = Utc::now();
    let items: Vec<WebhookDto> = endpoints.iter().map(|e| WebhookDto::of(e, now)).collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Register an endpoint (admins only). The answer holds its signing secret, shown this once.
/// Recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/webhooks/", tag = "webhooks",
    security(("bearer" = [])),
    request_body = WebhookCreateRequest,
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = WebhookWithSecretDto),
        (status = 400, description = "Invalid URL (or a refused address) or event types"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "100 endpoints exist already"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
    )
)]
pub async fn create(
    state: web::Data<HttpState>,
    caller: Caller,
    body: JsonObject<WebhookCreateRequest>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut f = Fields::default();
    let types = event_types(&mut f, &body.event_types);
    f.finish()?;
    let input = NewWebhook {
        url: body.url,
        event_types: types.unwrap_or_default(),
        include_staff_events: body.include_staff_events,
        enabled: body.enabled.unwrap_or(true),
    };
    let address = audit_address(&req, state.config.trust_forwarded_for);
    let created = state
        .app
        .create_webhook(&caller.actor(), input, address)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(WebhookWithSecretDto::of(created, Utc::now())))
}

/// One endpoint (admins only).
#[utoipa::path(
    get, path = "/api/v1/webhooks/{id}/", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookDto),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No such endpoint"),
    )
)]
pub async fn show(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let endpoint = state
        .app
        .webhook_endpoint(&caller.actor(), path.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(WebhookDto::of(&endpoint, Utc::now())))
}

/// Change an endpoint (admins only): URL, event types, staff events, enabled.
#[utoipa::path(
    patch, path = "/api/v1/webhooks/{id}/", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    request_body = WebhookPatchRequest,
    responses(
        (status = 200, description = "The endpoint as changed", body = WebhookDto),
        (status = 400, description = "Invalid URL (or a refused address) or event types"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No such endpoint"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
    )
)]
pub async fn update(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: JsonObject<WebhookPatchRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut f = Fields::default();
    let types = match &body.event_types {
        None => None,
        Some(t) => event_types(&mut f, t),
    };
    f.finish()?;
    let change = WebhookChange {
        url: body.url,
        event_types: types,
        include_staff_events: body.include_staff_events,
        enabled: body.enabled,
    };
    let endpoint = state
        .app
        .update_webhook(&caller.actor(), path.into_inner(), change)
        .await?;
    Ok(HttpResponse::Ok().json(WebhookDto::of(&endpoint, Utc::now())))
}

/// Delete an endpoint and its delivery log (admins only). Recorded in the audit log.
#[utoipa::path(
    delete, path = "/api/v1/webhooks/{id}/", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No such endpoint"),
    )
)]
pub async fn delete(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let address = audit_address(&req, state.config.trust_forwarded_for);
    state
        .app
        .delete_webhook(&caller.actor(), path.into_inner(), address)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give an endpoint a new signing secret (admins only), shown this once; the previous one keeps
/// signing too during the overlap. Recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/webhooks/{id}/rotate-secret/", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    request_body = RotateSecretRequest,
    responses(
        (status = 200, description = "Rotated; `secret` is shown this once", body = WebhookWithSecretDto),
        (status = 400, description = "Invalid overlap"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No such endpoint"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
    )
)]
pub async fn rotate_secret(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: JsonObject<RotateSecretRequest>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let overlap = body.into_inner().overlap_hours.unwrap_or(24);
    let address = audit_address(&req, state.config.trust_forwarded_for);
    let rotated = state
        .app
        .rotate_webhook_secret(&caller.actor(), path.into_inner(), overlap, address)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(WebhookWithSecretDto::of(rotated, Utc::now())))
}

/// Send a signed `webhook.test` message to an endpoint now (admins only, enabled or not) and
/// see what it answered; nothing is recorded.
#[utoipa::path(
    post, path = "/api/v1/webhooks/{id}/test/", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The attempt's outcome (a failure is reported, not an error)",
         body = WebhookTestDto),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No such endpoint"),
    )
)]
pub async fn test(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let outcome = state
        .app
        .test_webhook(&caller.actor(), path.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(WebhookTestDto::of(outcome)))
}

/// Query parameters of the delivery log.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DeliveryListParams {
    /// Only deliveries of events with a lower id (the `event_id` of the last one of the
    /// previous page).
    #[param(minimum = 1)]
    before: Option<i64>,
    /// Page size, 1..200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u16>,
}

/// The delivery log of an endpoint, newest event first (admins only).
#[utoipa::path(
    get, path = "/api/v1/webhooks/{id}/deliveries/", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id"), DeliveryListParams),
    responses(
        (status = 200, description = "Deliveries, newest event first", body = Vec<WebhookDeliveryDto>),
        (status = 400, description = "Invalid `before` or `limit`"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No such endpoint"),
    )
)]
pub async fn deliveries(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let pairs = QueryPairs::parse(&req)?;
    let mut f = Fields::default();
    pairs.reject_unknown(&["before", "limit"], &mut f);
    let before =
        pairs
            .get("before")
            .filter(|b| !b.is_empty())
            .and_then(|b| match b.parse::<i64>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    f.add("before", "must be an event id (a positive integer)");
                    None
                }
            });
    let limit = pairs.limit(&mut f);
    f.finish()?;
    let limit = limit.map_or(50, |l| u32::from(l.get()));
    let items = state
        .app
        .webhook_deliveries(&caller.actor(), path.into_inner(), before, limit)
        .await?;
    let items: Vec<WebhookDeliveryDto> = items.iter().map(WebhookDeliveryDto::of).collect();
    Ok(HttpResponse::Ok().json(items))
}
