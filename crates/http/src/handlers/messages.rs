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
///
/// With `status` (and, for staff, `priority` and `assigned_to`), the ticket changes with the
/// message: the message, the changes and their activity entries are saved together, or nothing
/// is saved when any part is refused.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/messages/", tag = "messages",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id")),
    request_body = MessageCreateRequest,
    responses(
        (status = 201, description = "The new message", body = MessageDto),
        (status = 400, description = "Invalid or unknown fields, or an assignee who is not active staff"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Customers may not write internal notes, set the priority, assign, or move to a status other than closed or open"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
        (status = 409, description = "`ticket_closed`, or a status move the lifecycle does not allow (`conflict`)"),
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
    state.count_write(caller.actor().id).await?;
    let (text, internal, changes) = body.into_inner().try_into_domain()?;
    let id = TicketId::from_uuid(path.into_inner());
    let message = state
        .app
        .add_message_with_changes(&caller.actor(), id, text, internal, &changes)
        .await?;
    Ok(HttpResponse::Created().json(MessageDto::from(&message)))
}
