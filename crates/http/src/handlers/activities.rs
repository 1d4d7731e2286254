//! `/api/v1/tickets/{id}/activities/`.

use actix_web::{HttpResponse, web};
use ticketing_domain::TicketId;
use uuid::Uuid;

use crate::dto::ActivityDto;
use crate::extract::Caller;
use crate::problem::ApiResult;
use crate::state::HttpState;

/// A ticket's activity log, newest first (staff-only entries only for staff).
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/activities/", tag = "activities",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id")),
    responses(
        (status = 200, description = "The log", body = Vec<ActivityDto>),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
    )
)]
pub async fn list(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let entries = state
        .app
        .list_activities(&caller.actor(), TicketId::from_uuid(path.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(entries.iter().map(ActivityDto::from).collect::<Vec<_>>()))
}
