//! `/api/v1/users/profile/tokens/`: the caller's personal access tokens (API tokens). Managed
//! by a signed-in user only: a request made with an API token is refused (403).

use actix_web::{HttpRequest, HttpResponse, web};
use ticketing_domain::ApiTokenId;
use uuid::Uuid;

use crate::dto::{ApiTokenDto, CreatedApiTokenDto};
use crate::extract::{Caller, JsonObject, audit_address};
use crate::input::ApiTokenRequest;
use crate::problem::ApiResult;
use crate::state::HttpState;

/// The caller's API tokens, newest first (at most 50; never their secrets).
#[utoipa::path(
    get, path = "/api/v1/users/profile/tokens/", tag = "profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's tokens, newest first", body = Vec<ApiTokenDto>),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Made with an API token: tokens cannot manage tokens"),
    )
)]
pub async fn list(state: web::Data<HttpState>, caller: Caller) -> ApiResult<HttpResponse> {
    let tokens = state.app.api_tokens(caller.authenticated()).await?;
    let now = chrono::Utc::now();
    let items: Vec<ApiTokenDto> = tokens.iter().map(|t| ApiTokenDto::of(t, now)).collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Create an API token. The answer holds its secret (`token`), shown this once: only a hash is
/// stored. Send it as `Authorization: Bearer tkt_…`. Recorded in the audit log.
#[utoipa::path(
    post, path = "/api/v1/users/profile/tokens/", tag = "profile",
    security(("bearer" = [])),
    request_body = ApiTokenRequest,
    responses(
        (status = 201, description = "Created; `token` is the secret, shown once",
         body = CreatedApiTokenDto),
        (status = 400, description = "Invalid or unknown fields"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Made with an API token: tokens cannot manage tokens"),
        (status = 409, description = "A token of this name exists, or the caller holds 50 tokens already"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
    )
)]
pub async fn create(
    state: web::Data<HttpState>,
    caller: Caller,
    body: JsonObject<ApiTokenRequest>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner().try_into_domain()?;
    // Recorded in the audit log with the token.
    let address = audit_address(&req, state.config.trust_forwarded_for);
    let created = state
        .app
        .create_api_token(caller.authenticated(), input, address)
        .await?;
    let now = chrono::Utc::now();
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedApiTokenDto::of(created, now)))
}

/// Revoke (delete) one of the caller's API tokens: it stops working at once. Recorded in the
/// audit log.
#[utoipa::path(
    delete, path = "/api/v1/users/profile/tokens/{id}/", tag = "profile",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Made with an API token: tokens cannot manage tokens"),
        (status = 404, description = "The caller has no such token"),
    )
)]
pub async fn revoke(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let address = audit_address(&req, state.config.trust_forwarded_for);
    state
        .app
        .revoke_api_token(
            caller.authenticated(),
            ApiTokenId::from_uuid(path.into_inner()),
            address,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
