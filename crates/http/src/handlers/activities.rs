//! `/api/v1/tickets/{id}/activities/`.

use actix_web::{HttpRequest, HttpResponse, web};
use ticketing_domain::TicketId;
use uuid::Uuid;

use crate::dto::ActivityDto;
use crate::extract::Caller;
use crate::listing::{NewestFirstParams, QueryPairs, paged, timeline_query};
use crate::problem::ApiResult;
use crate::state::HttpState;

/// A page of a ticket's activity log, newest first by default (staff-only entries only for
/// staff).
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/activities/", tag = "activities",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id"), NewestFirstParams),
    responses(
        (status = 200, description = "A page of the log", body = Vec<ActivityDto>,
         headers(("X-Total-Count" = u64, description = "entries the caller sees in all pages"),
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
    let query = timeline_query(&pairs, true)?;
    let page = state
        .app
        .list_activities(
            &caller.actor(),
            TicketId::from_uuid(path.into_inner()),
            query,
        )
        .await?;
    let items: Vec<ActivityDto> = page.items.iter().map(ActivityDto::from).collect();
    Ok(paged(&req, &pairs, page.total, page.next, items))
}
