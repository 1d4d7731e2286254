//! `/api/v1/tickets/{id}/messages/`.

use actix_web::{HttpRequest, HttpResponse, web};
use ticketing_domain::TicketId;
use uuid::Uuid;

use crate::dto::MessageDto;
use crate::extract::{Caller, JsonObject};
use crate::input::MessageCreateRequest;
use crate::listing::{OldestFirstParams, QueryPairs, paged, timeline_query};
use crate::problem::ApiResult;
use crate::state::HttpState;

/// A page of a ticket's messages, oldest first by default (internal notes only for staff).
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/messages/", tag = "messages",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id"), OldestFirstParams),
    responses(
        (status = 200, description = "A page of messages", body = Vec<MessageDto>,
         headers(("X-Total-Count" = u64, description = "messages the caller sees in all pages"),
                 ("Link" = String, description = "`<url>; rel=\"next\"` when more follow"))),
        (status = 400, description = "Invalid ordering, limit or cursor, or an unknown parameter"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
    )
)]
pub async fn list(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let pairs = QueryPairs::parse(&req)?;
    let query = timeline_query(&pairs, false)?;
    let page = state
        .app
        .list_messages(
            &caller.actor(),
            TicketId::from_uuid(path.into_inner()),
            query,
        )
        .await?;
    let items: Vec<MessageDto> = page.items.iter().map(MessageDto::from).collect();
    Ok(paged(&req, &pairs, page.total, page.next, items))
}

/// Add a public message, or (staff) an internal note. A customer's reply reopens their
/// resolved ticket.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/messages/", tag = "messages",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id")),
    request_body = MessageCreateRequest,
    responses(
        (status = 201, description = "The new message", body = MessageDto),
        (status = 400, description = "Invalid or unknown fields"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Customers may not write internal notes"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
        (status = 409, description = "The ticket is closed (`ticket_closed`)"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many writes by this user (`rate_limited`, with `Retry-After`)"),
    )
)]
pub async fn create(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: JsonObject<MessageCreateRequest>,
) -> ApiResult<HttpResponse> {
    state.count_write(caller.actor().id)?;
    let (text, internal) = body.into_inner().try_into_domain()?;
    let id = TicketId::from_uuid(path.into_inner());
    let message = state
        .app
        .add_message(&caller.actor(), id, text, internal)
        .await?;
    Ok(HttpResponse::Created().json(MessageDto::from(&message)))
}
