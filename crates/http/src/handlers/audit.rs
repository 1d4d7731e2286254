//! `/api/v1/audit/`: the audit log of account administration (API tokens created and revoked
//! included), for admins.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use ticketing_app::{ActorFilter, AuditAction, AuditCursor, AuditEntry, AuditQuery};
use ticketing_domain::UserId;
use ticketing_domain::listing::Limit;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::Caller;
use crate::input::Fields;
use crate::listing::{QueryPairs, paged};
use crate::problem::ApiResult;
use crate::state::HttpState;

/// Query parameters of the audit log.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuditListParams {
    /// Only entries by this actor: a user id, or `cli` (the operator's command line); empty: no
    /// filter.
    #[param(
        pattern = r"^(|cli|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"
    )]
    actor: Option<String>,
    /// Only entries about this user (a user id); empty: no filter.
    #[param(
        pattern = r"^(|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"
    )]
    target: Option<String>,
    /// Only this action.
    #[param(value_type = Option<AuditActionDto>)]
    action: Option<String>,
    /// Page size, 1..200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u16>,
    /// The cursor from the `Link` header of the previous page (opaque: follow `Link`).
    cursor: Option<String>,
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum AuditActionDto {
    /// An account created by the operator.
    #[serde(rename = "user.created")]
    UserCreated,
    /// A username changed.
    #[serde(rename = "user.renamed")]
    UserRenamed,
    /// A role changed.
    #[serde(rename = "user.role_changed")]
    RoleChanged,
    /// An account deactivated (its sessions ended).
    #[serde(rename = "user.deactivated")]
    UserDeactivated,
    /// An account reactivated.
    #[serde(rename = "user.reactivated")]
    UserReactivated,
    /// A password set by the operator (the user's sessions ended).
    #[serde(rename = "user.password_reset")]
    PasswordReset,
    /// An API token created (by its owner, or by the operator for them).
    #[serde(rename = "token.created")]
    TokenCreated,
    /// An API token revoked by its owner.
    #[serde(rename = "token.revoked")]
    TokenRevoked,
    /// A webhook endpoint registered by an admin.
    #[serde(rename = "webhook.created")]
    WebhookCreated,
    /// A webhook endpoint deleted by an admin.
    #[serde(rename = "webhook.deleted")]
    WebhookDeleted,
    /// A webhook endpoint's signing secret rotated by an admin.
    #[serde(rename = "webhook.secret_rotated")]
    WebhookSecretRotated,
}

/// One audit record. Never holds a secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntryDto {
    /// The entry's id.
    pub id: Uuid,
    /// When (RFC 3339, UTC).
    pub at: chrono::DateTime<chrono::Utc>,
    /// The acting user's id; `null` for the operator's command line.
    pub actor_id: Option<Uuid>,
    /// The acting user's username at the time, or `cli`.
    pub actor: String,
    /// What happened.
    #[schema(value_type = AuditActionDto)]
    pub action: &'static str,
    /// The account concerned.
    pub target_id: Option<Uuid>,
    /// Its username at the time.
    pub target: String,
    /// What changed, for people (`agent → admin`).
    pub details: String,
    /// The client address of the request; `null` on the command line.
    pub address: Option<String>,
}

impl From<&AuditEntry> for AuditEntryDto {
    fn from(e: &AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_id: e.actor.id().map(|id| id.as_uuid()),
            actor: e.actor.name().to_owned(),
            action: e.action.as_str(),
            target_id: e.target_id.map(|id| id.as_uuid()),
            target: e.target.clone(),
            details: e.details.clone(),
            address: e.address.clone(),
        }
    }
}

/// The audit log of account administration (admins), newest first.
#[utoipa::path(
    get, path = "/api/v1/audit/", tag = "audit",
    security(("bearer" = [])),
    params(AuditListParams),
    responses(
        (status = 200, description = "A page of audit entries, newest first",
         body = Vec<AuditEntryDto>,
         headers(("X-Total-Count" = u64, description = "entries matching in all pages"),
                 ("Link" = String, description = "`<url>; rel=\"next\"` when more follow"))),
        (status = 400, description = "Invalid filter, limit or cursor"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Only admins read the audit log"),
    )
)]
pub async fn list(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let pairs = QueryPairs::parse(&req)?;
    let mut f = Fields::default();
    pairs.reject_unknown(&["actor", "target", "action", "limit", "cursor"], &mut f);
    // An empty value is no filter, as on the other lists.
    let present = |key: &str| pairs.get(key).filter(|v| !v.is_empty());
    let actor = match present("actor") {
        None => None,
        Some("cli") => Some(ActorFilter::Cli),
        Some(id) => f.take(
            "actor",
            id.parse::<UserId>()
                .map(ActorFilter::User)
                .map_err(|_| "must be a user id or cli"),
        ),
    };
    let target = present("target").and_then(|id| {
        f.take(
            "target",
            id.parse::<UserId>().map_err(|_| "must be a user id"),
        )
    });
    let action = present("action").and_then(|a| {
        f.take(
            "action",
            AuditAction::from_wire(a).ok_or(
                "must be one of user.created, user.renamed, user.role_changed, \
                 user.deactivated, user.reactivated, user.password_reset, token.created, \
                 token.revoked, webhook.created, webhook.deleted, webhook.secret_rotated",
            ),
        )
    });
    let limit = pairs.limit(&mut f);
    let after = pairs.get("cursor").filter(|c| !c.is_empty()).and_then(|c| {
        f.take(
            "cursor",
            AuditCursor::decode(c).ok_or("is not a valid cursor"),
        )
    });
    f.finish()?;
    let query = AuditQuery {
        actor,
        target,
        action,
        after,
        limit: limit.unwrap_or_else(Limit::default),
    };
    let page = state.app.audit_log(&caller.actor(), query).await?;
    let items: Vec<AuditEntryDto> = page.items.iter().map(AuditEntryDto::from).collect();
    Ok(paged(&req, &pairs, page.total, page.next, items))
}
