//! `/api/v1/tickets/`, `/api/v1/my-tickets/`, `/api/v1/assigned-tickets/`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use ticketing_app::TicketListKind;
use ticketing_app::views::TicketDetail;
use ticketing_domain::TicketId;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::dto::{BulkResultDto, TicketDetailDto, TicketDto};
use crate::extract::{Caller, JsonObject, etag, if_match};
use crate::input::{TicketBulkRequest, TicketCreateRequest, TicketPatchRequest};
use crate::listing::{QueryPairs, paged_capped, ticket_query};
use crate::problem::ApiResult;
use crate::state::HttpState;

/// Filters, ordering and pagination of ticket lists.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TicketListParams {
    /// Statuses, comma-separated (`status=open,in_progress`; a repeated `status=` counts too).
    #[param(value_type = Option<Vec<crate::dto::StatusDto>>, style = Form, explode = false)]
    status: Option<String>,
    /// Priorities, comma-separated (`priority=high,critical`).
    #[param(value_type = Option<Vec<crate::dto::PriorityDto>>, style = Form, explode = false)]
    priority: Option<String>,
    /// A user id, `me` or `none` (empty: no filter).
    #[param(
        pattern = r"^(|me|none|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"
    )]
    assigned_to: Option<String>,
    /// A user id or `me` (empty: no filter): only the tickets this user requested (opened, or
    /// had opened for them).
    #[param(
        pattern = r"^(|me|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"
    )]
    requester: Option<String>,
    /// Words that must each start a word of the ticket: topic, description, public messages and,
    /// for staff, internal notes (case-insensitive, in any order and place: not a phrase), at
    /// most 200 characters with at least one letter or digit (blank: no filter). A ticket
    /// number alone (`#1042` or `1042`) also finds the ticket of that number, listed first.
    #[param(
        max_length = 200,
        pattern = r"^([\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*|[\s\S]*[^\W_][\s\S]*)$"
    )]
    q: Option<String>,
    /// `created_at`, `updated_at` or `priority` (by severity), each optionally prefixed with `-`
    /// for descending; default `-created_at`. Ties are broken by id.
    #[param(value_type = Option<TicketOrderingDto>)]
    ordering: Option<String>,
    /// Page size, 1..200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u16>,
    /// The cursor from the `Link` header of the previous page (opaque; valid with the same
    /// ordering). Follow `Link` rather than building it.
    cursor: Option<String>,
}

/// The orderings of the ticket lists.
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum TicketOrderingDto {
    /// Oldest first.
    #[serde(rename = "created_at")]
    CreatedAt,
    /// Newest first (the default).
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    /// Least recently updated first.
    #[serde(rename = "updated_at")]
    UpdatedAt,
    /// Most recently updated first.
    #[serde(rename = "-updated_at")]
    UpdatedAtDesc,
    /// Lowest priority first.
    #[serde(rename = "priority")]
    Priority,
    /// Highest priority first.
    #[serde(rename = "-priority")]
    PriorityDesc,
}

async fn list_kind(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
    kind: TicketListKind,
) -> ApiResult<HttpResponse> {
    let actor = caller.actor();
    let pairs = QueryPairs::parse(&req)?;
    let query = ticket_query(&pairs, &actor)?;
    let page = state.app.list_tickets(&actor, kind, query).await?;
    let items: Vec<TicketDto> = page.items.iter().map(TicketDto::from).collect();
    Ok(paged_capped(
        &req,
        &pairs,
        (page.total, page.exact),
        page.next,
        items,
    ))
}

/// List tickets: staff see every ticket, customers their own.
#[utoipa::path(
    get, path = "/api/v1/tickets/", tag = "tickets",
    security(("bearer" = [])),
    params(TicketListParams),
    responses(
        (status = 200, description = "A page of tickets", body = Vec<TicketDto>,
         headers(("X-Total-Count" = u64, description = "tickets matching in all pages, at most 10000 (see X-Total-Count-Exact)"),
                 ("X-Total-Count-Exact" = bool, description = "`false`: X-Total-Count is a lower bound (more than 10000 tickets match, or a text search with many matches was not counted)"),
                 ("Link" = String, description = "`<url>; rel=\"next\"` when more follow"))),
        (status = 400, description = "Invalid filter, ordering, limit or cursor"),
        (status = 401, description = "Missing, invalid or expired access token"),
    )
)]
pub async fn list(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    list_kind(state, caller, req, TicketListKind::All).await
}

/// Tickets the caller opened.
#[utoipa::path(
    get, path = "/api/v1/my-tickets/", tag = "tickets",
    security(("bearer" = [])),
    params(TicketListParams),
    responses(
        (status = 200, description = "A page of tickets", body = Vec<TicketDto>,
         headers(("X-Total-Count" = u64, description = "tickets matching in all pages, at most 10000 (see X-Total-Count-Exact)"),
                 ("X-Total-Count-Exact" = bool, description = "`false`: X-Total-Count is a lower bound (more than 10000 tickets match, or a text search with many matches was not counted)"),
                 ("Link" = String, description = "`<url>; rel=\"next\"` when more follow"))),
        (status = 400, description = "Invalid filter, ordering, limit or cursor"),
        (status = 401, description = "Missing, invalid or expired access token"),
    )
)]
pub async fn my_tickets(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    list_kind(state, caller, req, TicketListKind::Mine).await
}

/// Tickets assigned to the caller (staff).
#[utoipa::path(
    get, path = "/api/v1/assigned-tickets/", tag = "tickets",
    security(("bearer" = [])),
    params(TicketListParams),
    responses(
        (status = 200, description = "A page of tickets", body = Vec<TicketDto>,
         headers(("X-Total-Count" = u64, description = "tickets matching in all pages, at most 10000 (see X-Total-Count-Exact)"),
                 ("X-Total-Count-Exact" = bool, description = "`false`: X-Total-Count is a lower bound (more than 10000 tickets match, or a text search with many matches was not counted)"),
                 ("Link" = String, description = "`<url>; rel=\"next\"` when more follow"))),
        (status = 400, description = "Invalid filter, ordering, limit or cursor"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Customers have no assigned tickets"),
    )
)]
pub async fn assigned_tickets(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    list_kind(state, caller, req, TicketListKind::Assigned).await
}

fn detail_response(status: actix_web::http::StatusCode, detail: &TicketDetail) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::ETAG, etag(detail.card.version)));
    res.insert_header((header::CACHE_CONTROL, "private, no-cache"));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header((
            header::LOCATION,
            format!("/api/v1/tickets/{}/", detail.card.ticket.id),
        ));
    }
    res.json(TicketDetailDto::from(detail))
}

/// Open a ticket: for the caller, or (staff) for a `requester`, who then owns it.
#[utoipa::path(
    post, path = "/api/v1/tickets/", tag = "tickets",
    security(("bearer" = [])),
    request_body = TicketCreateRequest,
    responses(
        (status = 201, description = "The new ticket", body = TicketDetailDto,
         headers(("ETag" = String, description = "the version, e.g. `\"1\"`"),
                 ("Location" = String, description = "the ticket's URL"))),
        (status = 400, description = "Invalid or unknown fields, or a requester who is no active user"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "A customer named another requester"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many writes by this user (`rate_limited`, with `Retry-After`)"),
    )
)]
pub async fn create(
    state: web::Data<HttpState>,
    caller: Caller,
    body: JsonObject<TicketCreateRequest>,
) -> ApiResult<HttpResponse> {
    state.count_write(caller.actor().id).await?;
    let input = body.into_inner().try_into_domain()?;
    let detail = state.app.create_ticket(&caller.actor(), input).await?;
    Ok(detail_response(
        actix_web::http::StatusCode::CREATED,
        &detail,
    ))
}

/// Change several tickets at once (staff).
///
/// The same status, priority or assignee for each ticket, each changed on its own like `PATCH`
/// (its own write and activity entries). One result per id, in the order of `ids`: the ticket,
/// or the problem `PATCH` would have answered for it. The request counts as one write of the
/// per-user write limit.
#[utoipa::path(
    post, path = "/api/v1/tickets/bulk/", tag = "tickets",
    security(("bearer" = [])),
    request_body = TicketBulkRequest,
    responses(
        (status = 200, description = "One result per id, in the order of `ids`", body = Vec<BulkResultDto>),
        (status = 400, description = "Invalid or unknown fields, no ids, more than 200 ids, an id named twice, or no change; nothing was changed"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Only staff change tickets in bulk"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many writes by this user (`rate_limited`, with `Retry-After`)"),
    )
)]
pub async fn bulk(
    state: web::Data<HttpState>,
    caller: Caller,
    body: JsonObject<TicketBulkRequest>,
) -> ApiResult<HttpResponse> {
    let actor = caller.actor();
    state.count_write(actor.id).await?;
    let (ids, changes) = body.into_inner().try_into_domain()?;
    let outcomes = state.app.update_tickets(&actor, &ids, &changes).await?;
    Ok(HttpResponse::Ok().json(BulkResultDto::all_of(outcomes)))
}

/// A ticket with its messages, attachments and activity log.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/", tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id")),
    responses(
        (status = 200, description = "The ticket", body = TicketDetailDto,
         headers(("ETag" = String, description = "the version, e.g. `\"3\"`; send it back in `If-Match`"))),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
    )
)]
pub async fn show(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let detail = state
        .app
        .ticket_detail(&caller.actor(), TicketId::from_uuid(path.into_inner()))
        .await?;
    Ok(detail_response(actix_web::http::StatusCode::OK, &detail))
}

/// Update a ticket (PUT and PATCH are both partial). Customers may edit topic and description,
/// close their ticket and reopen it once resolved; staff may change everything.
#[utoipa::path(
    patch, path = "/api/v1/tickets/{id}/", tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id"),
           ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[0-9]{1,18}")$"#,
            description = "The ETag you read (`\"3\"`), or `*`; 412 when the ticket changed since, \
                           or when it names no version of this ticket")),
    request_body = TicketPatchRequest,
    responses(
        (status = 200, description = "The updated ticket", body = TicketDetailDto,
         headers(("ETag" = String, description = "the new version"))),
        (status = 400, description = "Invalid or unknown fields, or an assignee who is not active staff"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "The caller's role may not change one of the fields"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
        (status = 409, description = "`ticket_closed`, or a status move the lifecycle does not allow (`conflict`)"),
        (status = 412, description = "If-Match names an older version"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
    )
)]
pub async fn update(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: JsonObject<TicketPatchRequest>,
) -> ApiResult<HttpResponse> {
    // An invalid body is a 400 whatever If-Match says (the precondition is about the ticket).
    let input = body.into_inner().try_into_domain()?;
    let expected = if_match(&req)?;
    let id = TicketId::from_uuid(path.into_inner());
    let detail = state
        .app
        .update_ticket(&caller.actor(), id, input, expected)
        .await?;
    Ok(detail_response(actix_web::http::StatusCode::OK, &detail))
}

/// Delete a ticket (staff; a soft delete: the activity log is kept).
#[utoipa::path(
    delete, path = "/api/v1/tickets/{id}/", tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Only staff may delete tickets"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
    )
)]
pub async fn delete(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state
        .app
        .delete_ticket(&caller.actor(), TicketId::from_uuid(path.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
