//! `/api/v1/events/`: the event stream (server-sent events). The hub and the per-stream feed are
//! in `crate::live`.

use actix_web::http::header::{self, ContentEncoding};
use actix_web::{HttpRequest, HttpResponse, web};
use ticketing_app::{AppError, AuthFailure};
use ticketing_domain::{Access, TicketId};

use crate::extract::{authenticate, bearer, full_access};
use crate::input::Fields;
use crate::listing::QueryPairs;
use crate::live::Feed;
use crate::problem::{ApiError, ApiResult};
use crate::state::HttpState;

/// The query parameters of the event stream.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct EventParams {
    /// Only the events of this ticket (it must be visible to the caller, else 404).
    ticket: Option<uuid::Uuid>,
    /// Resume after this event id, like the `Last-Event-ID` header (which wins when both are
    /// given): every later event the caller may see is sent first, in order.
    #[param(minimum = 0)]
    last_event_id: Option<i64>,
}

/// A resume point: a whole number from 0.
fn event_id(raw: &str) -> Result<i64, &'static str> {
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err("must be an event id (a whole number from 0)"),
    }
}

/// What to follow and from where: `?ticket=`, `?last_event_id=` and the `Last-Event-ID` header.
fn parse(req: &HttpRequest) -> ApiResult<(Option<TicketId>, Option<i64>)> {
    let pairs = QueryPairs::parse(req)?;
    let mut f = Fields::default();
    pairs.reject_unknown(&["ticket", "last_event_id"], &mut f);
    let ticket = match pairs.get("ticket").map(str::trim) {
        None | Some("") => None,
        Some(raw) => f.take(
            "ticket",
            raw.parse::<TicketId>().map_err(|_| "must be a ticket id"),
        ),
    };
    let from_query = match pairs.get("last_event_id").map(str::trim) {
        None | Some("") => None,
        Some(raw) => f.take("last_event_id", event_id(raw)),
    };
    let from_header = match req.headers().get("last-event-id") {
        None => None,
        Some(value) => match value.to_str() {
            Ok(raw) if raw.trim().is_empty() => None,
            Ok(raw) => f.take("Last-Event-ID", event_id(raw)),
            Err(_) => f.take("Last-Event-ID", event_id("")),
        },
    };
    f.finish()?;
    Ok((ticket, from_header.or(from_query)))
}

/// The live events the caller may see, as server-sent events (`text/event-stream`): each
/// event is `id:` (its id, growing), `event:` (its type: `ticket.created`, `ticket.updated`,
/// `ticket.deleted`, `message.created`, `attachment.added`, `attachment.removed`, and for admins
/// the `user.*` account changes) and `data:` (one line of JSON: `id`, `type`, `changes`,
/// `ticket_id`, `actor` {`id`, `name`}, `at`, `visibility`). A customer gets the events of their
/// own tickets only, never an internal note or a file of one; staff get every ticket's.
///
/// Resume with `Last-Event-ID` (or `last_event_id`): the events after it come first, none
/// missed, none twice; when some of them are older than the retention, one `reset` event comes
/// instead (reload, then go on from its id). A comment every 15 s keeps the connection open;
/// the stream ends when the access token expires (reconnect with a fresh token and the last
/// id). The token goes in the `Authorization` header, never in the URL.
#[utoipa::path(
    get, path = "/api/v1/events/", tag = "events",
    security(("bearer" = [])),
    params(
        EventParams,
        ("Last-Event-ID" = Option<i64>, Header, minimum = 0,
         description = "Resume after this event id (what the last `id:` said)"),
    ),
    responses(
        (status = 200, description = "The stream of events (it stays open)",
         content_type = "text/event-stream", body = String,
         headers(("X-Accel-Buffering" = String, description = "`no`: proxies must not buffer"))),
        (status = 400, description = "Invalid ticket id or event id, or an unknown parameter"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 404, description = "`ticket`: no such ticket, or not visible to the caller"),
        (status = 429, description = "The caller has too many event streams open"),
    )
)]
pub async fn stream(state: web::Data<HttpState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let token = bearer(&req).ok_or(ApiError::from(AppError::Unauthenticated(
        AuthFailure::Missing,
    )))?;
    // As every request: the token checked (an API token's requests counted), for reading, and
    // not while a temporary password awaits its replacement.
    let signed_in = full_access(authenticate(&state, &token, Access::Read).await?)?;
    let caller = state
        .app
        .event_stream_caller(&token, signed_in.authenticated());
    let (ticket, resume) = parse(&req)?;
    if let Some(id) = ticket {
        state.app.check_event_ticket(&caller.actor, id).await?;
    }
    let slot = state.hub.slot(caller.actor.id).ok_or_else(|| {
        ApiError::rate_limited_with(
            format!(
                "too many event streams open (at most {} per user); close one",
                state.config.events_streams_per_user
            ),
            5,
        )
    })?;
    let feed = Feed::open(state.app.clone(), &state.hub, caller, ticket, resume, slot).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        // Never compressed: a compressor would hold events back until its buffer fills.
        .insert_header(ContentEncoding::Identity)
        .streaming(feed.into_body()))
}
