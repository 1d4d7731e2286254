//! Mail: password reset by mail (`/api/v1/users/auth/password-reset/`), the caller's
//! notification preferences (`/api/v1/users/profile/notifications/`) and the mails given up
//! (`/api/v1/mail/failures/`, admins). See docs/email.md.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};
use ticketing_app::{MailFailure, MailPreferences, PreferencesUpdate};
use ticketing_domain::{Password, UserId};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{Caller, JsonObject, client_address};
use crate::input::Fields;
use crate::problem::{ApiError, ApiResult};
use crate::state::HttpState;

/// The one answer to every accepted reset request, whether or not the address has an account.
pub const RESET_ACCEPTED: &str = "If this address belongs to an account, a link to set a new password is on its way; it works \
     for 30 minutes.";

/// Ask for a password reset link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's email address.
    pub email: String,
}

/// Set a new password with the token of a reset link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmRequest {
    /// The token of the link (single use, valid 30 minutes).
    pub token: String,
    /// The new password (the password policy applies).
    pub new_password: String,
}

/// A sentence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DetailDto {
    /// What happened.
    pub detail: String,
}

/// Which notification mails the caller receives. Password reset mails are always sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationsDto {
    /// A new ticket was opened (staff; while it is unassigned).
    pub new_ticket: bool,
    /// A public reply on the caller's ticket (or on a ticket assigned to the caller).
    pub public_reply: bool,
    /// A ticket was assigned to the caller (staff).
    pub assigned: bool,
    /// The caller's ticket was resolved or closed.
    pub status: bool,
    /// Whether this server sends mail at all.
    pub mail_enabled: bool,
}

impl NotificationsDto {
    fn of(p: MailPreferences, mail_enabled: bool) -> Self {
        Self {
            new_ticket: p.new_ticket,
            public_reply: p.public_reply,
            assigned: p.assigned,
            status: p.status,
            mail_enabled,
        }
    }
}

/// A change of notification preferences (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsRequest {
    /// New tickets.
    #[serde(default)]
    pub new_ticket: Option<bool>,
    /// Public replies.
    #[serde(default)]
    pub public_reply: Option<bool>,
    /// Assignments.
    #[serde(default)]
    pub assigned: Option<bool>,
    /// Resolved and closed.
    #[serde(default)]
    pub status: Option<bool>,
}

fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// A mail that was given up.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MailFailureDto {
    /// The job's id.
    pub id: Uuid,
    /// `new_ticket`, `public_reply`, `assigned`, `resolved`, `closed` or `password_reset`.
    pub kind: String,
    /// The recipient's account.
    pub recipient_id: Uuid,
    /// The address it was sent to.
    pub to: String,
    /// The ticket's number, for ticket mails.
    pub ticket_number: Option<u64>,
    /// Why: the SMTP server's answer (e.g. `550 5.1.1 mailbox unavailable`), or the last
    /// temporary failure after 24 hours of retries.
    pub reason: String,
    /// Attempts made.
    pub attempts: u32,
    /// When it was queued.
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// When it was given up.
    #[serde(serialize_with = "rfc3339")]
    pub failed_at: DateTime<Utc>,
}

impl From<&MailFailure> for MailFailureDto {
    fn from(f: &MailFailure) -> Self {
        Self {
            id: f.id,
            kind: f.kind.as_str().to_owned(),
            recipient_id: f.recipient.into(),
            to: f.to_address.clone(),
            ticket_number: f.ticket_number,
            reason: f.reason.clone(),
            attempts: f.attempts,
            created_at: f.created_at,
            failed_at: f.failed_at,
        }
    }
}

fn mail_off() -> ApiError {
    ApiError::unavailable_with(
        "mail is not configured on this server, so no reset link can be sent; ask an \
         administrator to set a new password for you",
        3600,
    )
}

/// Ask for a password reset link by mail. Always answers 202 with the same body, whether or not
/// the address belongs to an account: the work (looking the address up, storing the token,
/// queuing the mail) happens after the answer. At most a few requests per address and per
/// account are honoured per hour; further ones are answered the same and send nothing.
#[utoipa::path(
    post, path = "/api/v1/users/auth/password-reset/", tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "Accepted (the same answer for every address)", body = DetailDto),
        (status = 400, description = "No email given"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many requests from this client address"),
        (status = 503, description = "Mail is not configured on this server (`unavailable`)"),
    )
)]
pub async fn password_reset(
    state: web::Data<HttpState>,
    req: HttpRequest,
    body: JsonObject<PasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    let address = client_address(&req, state.config.trust_forwarded_for);
    state
        .per_address
        .hit(&address)
        .map_err(ApiError::rate_limited)?;
    let email = body.into_inner().email.trim().to_owned();
    let mut f = Fields::default();
    if email.is_empty() {
        f.add("email", "this field is required");
    } else if email.chars().count() > 254 {
        f.add("email", "is too long");
    }
    f.finish()?;
    if state.app.password_reset_available().is_err() {
        return Err(mail_off());
    }
    // Per typed address: silently nothing more (the answer must not differ).
    if state.resets_per_email.hit(&email.to_lowercase()).is_ok() {
        let state = state.clone();
        actix_web::rt::spawn(async move {
            let allow = |user: UserId| state.resets_per_account.hit(&user.to_string()).is_ok();
            if let Err(e) = state.app.request_password_reset(&email, &allow).await {
                tracing::warn!(error = %e, "password reset request failed");
            }
        });
    }
    Ok(HttpResponse::Accepted().json(DetailDto {
        detail: RESET_ACCEPTED.to_owned(),
    }))
}

/// Set a new password with the token of a reset link. The token is used up; every session,
/// access token and API token of the user ends; sign in with the new password.
#[utoipa::path(
    post, path = "/api/v1/users/auth/password-reset/confirm/", tag = "auth",
    request_body = PasswordResetConfirmRequest,
    responses(
        (status = 200, description = "Password set", body = DetailDto),
        (status = 400, description = "Invalid, used or expired token (`token`), or a password the policy refuses (`new_password`)"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many requests from this client address"),
    )
)]
pub async fn password_reset_confirm(
    state: web::Data<HttpState>,
    req: HttpRequest,
    body: JsonObject<PasswordResetConfirmRequest>,
) -> ApiResult<HttpResponse> {
    let address = client_address(&req, state.config.trust_forwarded_for);
    state
        .per_address
        .hit(&address)
        .map_err(ApiError::rate_limited)?;
    let body = body.into_inner();
    let mut f = Fields::default();
    if body.token.trim().is_empty() {
        f.add("token", "this field is required");
    }
    if body.new_password.is_empty() {
        f.add("new_password", "this field is required");
    }
    f.finish()?;
    state
        .app
        .confirm_password_reset(body.token.trim(), Password::new(body.new_password))
        .await?;
    Ok(HttpResponse::Ok().json(DetailDto {
        detail: "Password set; every session was signed out. Sign in with the new password."
            .to_owned(),
    }))
}

/// The caller's notification preferences.
#[utoipa::path(
    get, path = "/api/v1/users/profile/notifications/", tag = "profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The preferences", body = NotificationsDto),
        (status = 401, description = "Missing, invalid or expired access token"),
    )
)]
pub async fn preferences(state: web::Data<HttpState>, caller: Caller) -> ApiResult<HttpResponse> {
    let p = state.app.mail_preferences(&caller.actor()).await?;
    Ok(HttpResponse::Ok().json(NotificationsDto::of(p, state.app.mail_enabled())))
}

/// Change the caller's notification preferences (only the fields given).
#[utoipa::path(
    patch, path = "/api/v1/users/profile/notifications/", tag = "profile",
    security(("bearer" = [])),
    request_body = NotificationsRequest,
    responses(
        (status = 200, description = "The preferences now", body = NotificationsDto),
        (status = 400, description = "Unknown fields or values that are not booleans"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
    )
)]
pub async fn update_preferences(
    state: web::Data<HttpState>,
    caller: Caller,
    body: JsonObject<NotificationsRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let update = PreferencesUpdate {
        new_ticket: b.new_ticket,
        public_reply: b.public_reply,
        assigned: b.assigned,
        status: b.status,
    };
    let p = state
        .app
        .update_mail_preferences(&caller.actor(), update)
        .await?;
    Ok(HttpResponse::Ok().json(NotificationsDto::of(p, state.app.mail_enabled())))
}

/// The mails given up (a permanent SMTP refusal, or 24 hours of temporary failures), newest
/// first, at most 200 (admins).
#[utoipa::path(
    get, path = "/api/v1/mail/failures/", tag = "mail",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The failures, newest first", body = Vec<MailFailureDto>),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Only admins read the mail failures"),
    )
)]
pub async fn failures(state: web::Data<HttpState>, caller: Caller) -> ApiResult<HttpResponse> {
    let list = state.app.mail_failures(&caller.actor(), 200).await?;
    let items: Vec<MailFailureDto> = list.iter().map(MailFailureDto::from).collect();
    Ok(HttpResponse::Ok().json(items))
}
