//! `/api/v1/users/profile/`: the caller's own account.

use actix_web::{HttpRequest, HttpResponse, web};
use ticketing_app::AppError;

use crate::dto::{AccountDto, PasswordChangedDto};
use crate::extract::{
    Caller, JsonObject, SignedIn, client_address, cookie_max_age, refresh_cookie,
};
use crate::guard::Refusal;
use crate::handlers::auth::refused;
use crate::input::{ChangePasswordRequest, ProfileRequest};
use crate::problem::ApiResult;
use crate::state::HttpState;

/// The caller's profile (also while a temporary password must be changed).
#[utoipa::path(
    get, path = "/api/v1/users/profile/", tag = "profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = AccountDto),
        (status = 401, description = "Missing, invalid or expired access token"),
    )
)]
pub async fn show(
    state: web::Data<HttpState>,
    SignedIn(caller): SignedIn,
) -> ApiResult<HttpResponse> {
    let user = state.app.profile(&caller.actor()).await?;
    Ok(HttpResponse::Ok().json(AccountDto::from(&user)))
}

/// Update the caller's names and email (PUT and PATCH both update only the fields given;
/// unknown or read-only fields are refused).
#[utoipa::path(
    patch, path = "/api/v1/users/profile/", tag = "profile",
    security(("bearer" = [])),
    request_body = ProfileRequest,
    responses(
        (status = 200, description = "The updated user", body = AccountDto),
        (status = 400, description = "Invalid or unknown fields"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "A temporary password must be changed first (`password_change_required`)"),
        (status = 409, description = "Email already taken (also when it is another user's username)"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
    )
)]
pub async fn update(
    state: web::Data<HttpState>,
    caller: Caller,
    body: JsonObject<ProfileRequest>,
) -> ApiResult<HttpResponse> {
    let update = body.into_inner().try_into_domain()?;
    let user = state.app.update_profile(&caller.actor(), update).await?;
    Ok(HttpResponse::Ok().json(AccountDto::from(&user)))
}

/// Change the caller's password (a temporary one too, which then stops being one). Every session
/// of the user is revoked, older access tokens stop working and every API token of the user is
/// deleted; the answer carries a fresh access token and a fresh refresh cookie. Not with an API
/// token (403).
#[utoipa::path(
    post, path = "/api/v1/users/profile/change-password/", tag = "profile",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed", body = PasswordChangedDto,
         headers(("Set-Cookie" = String, description = "a new `refresh_token` cookie"))),
        (status = 400, description = "Wrong old password, policy refusal or confirmation mismatch"),
        (status = 401, description = "Missing, invalid or expired access token; or too many wrong old passwords, which ended every session of the user"),
        (status = 403, description = "Made with an API token: tokens cannot change the password"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many wrong old passwords of this user, or wrong passwords from this address"),
    )
)]
pub async fn change_password(
    state: web::Data<HttpState>,
    req: HttpRequest,
    SignedIn(caller): SignedIn,
    body: JsonObject<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let (old, new) = body.into_inner().try_into_domain()?;
    // Before anything is counted: an API token must not be able to end the owner's sessions
    // by guessing (the use case refuses it too).
    caller
        .0
        .credential
        .may_manage_credentials()
        .map_err(AppError::from)?;
    let address = client_address(&req, state.config.trust_forwarded_for);
    // Recorded before the check, like a login; past the higher limit the caller's session (and
    // every other of the user) ends: a stolen session cannot be used to guess the password.
    let attempt = match state
        .passwords
        .begin_recheck(caller.user().id, &address)
        .await?
    {
        Ok(attempt) => attempt,
        Err(Refusal::EndSessions) => {
            state.app.end_sessions(caller.user().id).await?;
            state.passwords.sessions_ended(caller.user().id).await;
            tracing::warn!(user = %caller.user().id, "too many wrong passwords on change-password: sessions ended");
            return Err(refused(Refusal::EndSessions));
        }
        Err(refusal) => return Err(refused(refusal)),
    };
    let session = match state
        .app
        .change_password(caller.authenticated(), old, new)
        .await
    {
        Ok(session) => {
            state.passwords.succeeded(attempt).await;
            session
        }
        Err(e) => {
            match &e {
                AppError::Validation(errors) if errors.contains_key("old_password") => {
                    state.passwords.failed(attempt);
                }
                // The old password was right (the new one was refused), or nothing was checked.
                AppError::Validation(_) => state.passwords.succeeded(attempt).await,
                _ => state.passwords.unchecked(attempt).await,
            }
            return Err(e.into());
        }
    };
    let max_age = cookie_max_age(session.refresh_expires_at, state.config.refresh_ttl_secs);
    Ok(HttpResponse::Ok()
        .cookie(refresh_cookie(
            session.refresh_token,
            max_age,
            state.config.cookie_secure,
        ))
        .json(PasswordChangedDto {
            detail: "Password changed; other sessions were signed out".to_owned(),
            access: session.access.token,
        }))
}
