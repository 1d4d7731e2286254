//! `/api/v1/users/auth/`: register, login, refresh, logout.

use actix_web::{HttpRequest, HttpResponse, web};
use ticketing_app::{AppError, AuthSession};
use ticketing_domain::LoginName;

use crate::dto::{AccessDto, AccountDto, AuthDto};
use crate::extract::{
    JsonObject, check_origin, clear_refresh_cookie, client_address, cookie_max_age, refresh_cookie,
    refresh_token,
};
use crate::guard::Refusal;
use crate::input::{LoginRequest, RegisterRequest};
use crate::problem::{ApiError, ApiResult};
use crate::state::HttpState;

fn limit_address(state: &HttpState, req: &HttpRequest) -> ApiResult<()> {
    let addr = client_address(req, state.config.trust_forwarded_for);
    state.per_address.hit(&addr).map_err(ApiError::rate_limited)
}

fn signed_in(
    state: &HttpState,
    status: actix_web::http::StatusCode,
    s: AuthSession,
) -> HttpResponse {
    let max_age = cookie_max_age(s.refresh_expires_at, state.config.refresh_ttl_secs);
    HttpResponse::build(status)
        .cookie(refresh_cookie(
            s.refresh_token,
            max_age,
            state.config.cookie_secure,
        ))
        .json(AuthDto {
            user: AccountDto::from(&s.user),
            access: s.access.token,
        })
}

/// Register a customer account and sign in.
#[utoipa::path(
    post, path = "/api/v1/users/auth/register/", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and signed in; the refresh cookie is set", body = AuthDto,
         headers(("Set-Cookie" = String, description = "`refresh_token`: HttpOnly, Secure, SameSite=Strict, Path=/api/v1/users/auth/"))),
        (status = 400, description = "Invalid fields (password policy, email shape, `@` in the username, ...)"),
        (status = 409, description = "Email or username already taken (an email that is another user's username counts), or a username that looks like an existing one"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many attempts from this address"),
    )
)]
pub async fn register(
    state: web::Data<HttpState>,
    req: HttpRequest,
    body: JsonObject<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    limit_address(&state, &req)?;
    let input = body.into_inner().try_into_domain()?;
    let session = state.app.register(input).await?;
    Ok(signed_in(
        &state,
        actix_web::http::StatusCode::CREATED,
        session,
    ))
}

/// What failed logins are counted against: the account the login names (so its username and
/// its email share one budget), or the typed name when no account has it.
async fn account_key(state: &HttpState, login: &LoginName) -> ApiResult<String> {
    match state.app.find_user(login).await {
        Ok(user) => Ok(format!("user:{}", user.id)),
        Err(AppError::NotFound(_)) => Ok(match login {
            LoginName::Email(email) => format!("login:{}", email.key()),
            LoginName::Username(name) => format!("login:{}", name.key()),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Sign in with an email or a username.
#[utoipa::path(
    post, path = "/api/v1/users/auth/login/", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the refresh cookie is set", body = AuthDto,
         headers(("Set-Cookie" = String, description = "`refresh_token` cookie"))),
        (status = 400, description = "Neither email nor username, or no password"),
        (status = 401, description = "Invalid credentials or inactive account (one message for both)"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many attempts from this address, or on this account from this address"),
    )
)]
pub async fn login(
    state: web::Data<HttpState>,
    req: HttpRequest,
    body: JsonObject<LoginRequest>,
) -> ApiResult<HttpResponse> {
    limit_address(&state, &req)?;
    let input = body.into_inner().try_into_domain()?;
    let account = account_key(&state, &input.login).await?;
    let address = client_address(&req, state.config.trust_forwarded_for);
    // Recorded before the check: parallel guesses cannot overtake the count.
    let attempt = state
        .passwords
        .begin_login(&account, &address)
        .await?
        .map_err(refused)?;
    if !attempt.delay.is_zero() {
        actix_web::rt::time::sleep(attempt.delay).await;
    }
    match state.app.login(input).await {
        Ok(session) => {
            state.passwords.succeeded(attempt).await;
            Ok(signed_in(&state, actix_web::http::StatusCode::OK, session))
        }
        Err(e @ AppError::Unauthenticated(_)) => {
            state.passwords.failed(attempt);
            tracing::info!("failed login");
            Err(e.into())
        }
        Err(e) => {
            state.passwords.unchecked(attempt).await;
            Err(e.into())
        }
    }
}

/// The answer to a password check the guard refused.
pub(crate) fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Limited(secs) => ApiError::rate_limited(secs),
        Refusal::EndSessions => ApiError::unauthenticated(
            "too many wrong passwords: every session of this account was ended; sign in again",
        ),
    }
}

/// Exchange the refresh cookie for a new access token (the cookie is rotated).
#[utoipa::path(
    post, path = "/api/v1/users/auth/refresh/", tag = "auth",
    security(("refresh_cookie" = [])),
    responses(
        (status = 200, description = "A new access token; the refresh cookie is rotated", body = AccessDto,
         headers(("Set-Cookie" = String, description = "the rotated `refresh_token` cookie"))),
        (status = 401, description = "No, expired, revoked or reused refresh token (reuse revokes the whole session)"),
        (status = 403, description = "Foreign Origin"),
        (status = 429, description = "Too many attempts from this address"),
    )
)]
pub async fn refresh(state: web::Data<HttpState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    check_origin(
        &req,
        &state.config.allowed_origins,
        state.config.trust_forwarded_for,
    )?;
    limit_address(&state, &req)?;
    let Some(token) = refresh_token(&req) else {
        return Err(AppError::Unauthenticated(ticketing_app::AuthFailure::Missing).into());
    };
    match state.app.refresh(&token).await {
        Ok(s) => {
            let max_age = cookie_max_age(s.refresh_expires_at, state.config.refresh_ttl_secs);
            Ok(HttpResponse::Ok()
                .cookie(refresh_cookie(
                    s.refresh_token,
                    max_age,
                    state.config.cookie_secure,
                ))
                .json(AccessDto {
                    access: s.access.token,
                }))
        }
        Err(e @ AppError::Unauthenticated(_)) => {
            let mut res = actix_web::ResponseError::error_response(&ApiError::from(e));
            res.add_cookie(&clear_refresh_cookie(state.config.cookie_secure))
                .map_err(|e| ApiError::internal(anyhow::anyhow!("cookie: {e}")))?;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// End the session of the refresh cookie (works with an expired access token).
#[utoipa::path(
    post, path = "/api/v1/users/auth/logout/", tag = "auth",
    security((), ("refresh_cookie" = [])),
    responses(
        (status = 204, description = "Signed out; the session is revoked and the cookie cleared",
         headers(("Set-Cookie" = String, description = "clears `refresh_token`"))),
        (status = 403, description = "Foreign Origin"),
    )
)]
pub async fn logout(state: web::Data<HttpState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    check_origin(
        &req,
        &state.config.allowed_origins,
        state.config.trust_forwarded_for,
    )?;
    state.app.logout(refresh_token(&req).as_deref()).await?;
    Ok(HttpResponse::NoContent()
        .cookie(clear_refresh_cookie(state.config.cookie_secure))
        .finish())
}
