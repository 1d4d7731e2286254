//! `/healthz` (the process answers) and `/readyz` (the database answers).

use actix_web::{HttpResponse, web};

use crate::dto::HealthDto;
use crate::state::HttpState;

/// The process is alive.
#[utoipa::path(
    get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Alive", body = HealthDto))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthDto { status: "ok" })
}

/// The database is reachable.
#[utoipa::path(
    get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready", body = HealthDto),
        (status = 503, description = "The database does not answer", body = HealthDto),
    )
)]
pub async fn readyz(state: web::Data<HttpState>) -> HttpResponse {
    match state.app.ready().await {
        Ok(()) => HttpResponse::Ok().json(HealthDto { status: "ok" }),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(HealthDto {
                status: "unavailable",
            })
        }
    }
}
