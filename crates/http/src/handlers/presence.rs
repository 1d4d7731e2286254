//! `/api/v1/tickets/{id}/presence/`: staff show each other who is viewing or replying.

use actix_web::{HttpResponse, web};
use ticketing_domain::TicketId;
use uuid::Uuid;

use crate::dto::PresenceDto;
use crate::extract::{Caller, JsonObject};
use crate::input::PresenceRequest;
use crate::problem::ApiResult;
use crate::state::HttpState;

/// Show that you are viewing or replying to a ticket (staff). Refresh at least every 15 s: the
/// presence ends 30 s after the last refresh. The other staff following the ticket's events get a
/// `presence` event (customers never do); the answer lists who else is there now.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/presence/", tag = "events",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id")),
    request_body = PresenceRequest,
    responses(
        (status = 200, description = "Your presence, and the other staff's", body = PresenceDto),
        (status = 400, description = "`state` is not `viewing` or `replying`, or an unknown field"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Customers do not show presence"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many presence updates by this user (`rate_limited`, with `Retry-After`)"),
    )
)]
pub async fn presence_set(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: JsonObject<PresenceRequest>,
) -> ApiResult<HttpResponse> {
    state.count_presence(caller.actor().id)?;
    let presence = body.into_inner().try_into_domain()?;
    let id = TicketId::from_uuid(path.into_inner());
    let shown = state
        .app
        .set_presence(&caller.actor(), id, presence)
        .await?;
    Ok(HttpResponse::Ok().json(PresenceDto::from(&shown)))
}

/// Leave a ticket (staff): the other staff get a `presence` event with the state `left`.
#[utoipa::path(
    delete, path = "/api/v1/tickets/{id}/presence/", tag = "events",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id")),
    responses(
        (status = 204, description = "Gone (also when you were not present)"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Customers do not show presence"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
        (status = 429, description = "Too many presence updates by this user (`rate_limited`, with `Retry-After`)"),
    )
)]
pub async fn presence_leave(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state.count_presence(caller.actor().id)?;
    let id = TicketId::from_uuid(path.into_inner());
    state.app.clear_presence(&caller.actor(), id).await?;
    Ok(HttpResponse::NoContent().finish())
}
