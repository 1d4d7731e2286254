//! `/api/v1/users/`: user lists for staff; new accounts, role and activation changes for admins.

use actix_web::{HttpRequest, HttpResponse, web};
use ticketing_domain::listing::{Limit, SearchText, UserQuery, decode_user_cursor};
use ticketing_domain::{Role, UserId};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::dto::AccountDto;
use crate::extract::{Caller, JsonObject, audit_address};
use crate::input::{Fields, UserCreateRequest, UserPatchRequest};
use crate::listing::{QueryPairs, paged};
use crate::problem::ApiResult;
use crate::state::HttpState;

/// Query parameters of the user list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UserListParams {
    /// Words that must each occur (case-insensitively) in the first name, last name, username or
    /// email: `q=rivera alex` finds Alex Rivera; at most 200 characters with at least one letter
    /// or digit (blank: no filter).
    #[param(
        max_length = 200,
        pattern = r"^([\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*|[\s\S]*[^\W_][\s\S]*)$"
    )]
    q: Option<String>,
    /// Only this role.
    #[param(value_type = Option<crate::dto::RoleDto>)]
    role: Option<String>,
    /// Only active (`true`) or deactivated (`false`) users.
    is_active: Option<bool>,
    /// Page size, 1..200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u16>,
    /// The cursor from the `Link` header of the previous page (opaque: follow `Link`).
    cursor: Option<String>,
}

/// List users (staff), ordered by username; search them by name, username or email with `q`.
#[utoipa::path(
    get, path = "/api/v1/users/", tag = "users",
    security(("bearer" = [])),
    params(UserListParams),
    responses(
        (status = 200, description = "A page of users", body = Vec<AccountDto>,
         headers(("X-Total-Count" = u64, description = "users matching in all pages"),
                 ("Link" = String, description = "`<url>; rel=\"next\"` when more follow"))),
        (status = 400, description = "Invalid filter, limit or cursor"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Customers may not list users"),
    )
)]
pub async fn list(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let pairs = QueryPairs::parse(&req)?;
    let mut f = Fields::default();
    pairs.reject_unknown(&["q", "role", "is_active", "limit", "cursor"], &mut f);
    let text = match pairs.get("q").map(str::trim) {
        None | Some("") => None,
        Some(q) => f.take("q", SearchText::parse(q)),
    };
    // An empty value is no filter, as on the ticket lists (`?role=&cursor=`).
    let role = pairs
        .get("role")
        .filter(|r| !r.trim().is_empty())
        .and_then(|r| f.take("role", Role::from_wire(r)));
    let active = pairs.get("is_active").and_then(|v| match v {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => {
            f.add("is_active", "must be true or false");
            None
        }
    });
    let limit = pairs.limit(&mut f);
    let after = pairs
        .get("cursor")
        .filter(|c| !c.is_empty())
        .and_then(|c| f.take("cursor", decode_user_cursor(c)));
    f.finish()?;
    let query = UserQuery {
        role,
        active,
        text,
        after,
        limit: limit.unwrap_or_else(Limit::default),
    };
    let page = state.app.list_users(&caller.actor(), query).await?;
    let items: Vec<AccountDto> = page.items.iter().map(AccountDto::from).collect();
    Ok(paged(&req, &pairs, page.total, page.next, items))
}

/// Change a user's role or active flag (admins). Deactivation ends every session of the user.
/// Each change is recorded in the audit log (`/api/v1/audit/`).
#[utoipa::path(
    patch, path = "/api/v1/users/{id}/", tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body = UserPatchRequest,
    responses(
        (status = 200, description = "The updated user", body = AccountDto),
        (status = 400, description = "Invalid or unknown fields"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Only admins manage users"),
        (status = 404, description = "No such user"),
        (status = 409, description = "The last active admin cannot be demoted or deactivated"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
    )
)]
pub async fn update(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: JsonObject<UserPatchRequest>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let update = body.into_inner().try_into_domain()?;
    // Recorded in the audit log with the change.
    let address = audit_address(&req, state.config.trust_forwarded_for);
    let user = state
        .app
        .update_user_from(
            &caller.actor(),
            UserId::from_uuid(path.into_inner()),
            update,
            address,
        )
        .await?;
    Ok(HttpResponse::Ok().json(AccountDto::from(&user)))
}

/// Create an account (admins): any role, with a password the admin hands over, by default a
/// temporary one the user must change at the first sign-in. Recorded in the audit log
/// (`user.created`).
#[utoipa::path(
    post, path = "/api/v1/users/", tag = "users",
    security(("bearer" = [])),
    request_body = UserCreateRequest,
    responses(
        (status = 201, description = "The new user", body = AccountDto,
         headers(("Location" = String, description = "the user's URL (`PATCH` changes it)"))),
        (status = 400, description = "Invalid or unknown fields (password policy, `@` in the username, ...)"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Only admins create users"),
        (status = 409, description = "Username or email taken (an email that is another user's username counts), or a username that looks like an existing one"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Not JSON"),
        (status = 429, description = "Too many writes by this user (`rate_limited`, with `Retry-After`)"),
        (status = 503, description = "Password hashing is busy; retry"),
    )
)]
pub async fn create(
    state: web::Data<HttpState>,
    caller: Caller,
    body: JsonObject<UserCreateRequest>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    state.count_write(caller.actor().id).await?;
    let (input, temporary) = body.into_inner().try_into_domain()?;
    let address = audit_address(&req, state.config.trust_forwarded_for);
    let user = state
        .app
        .admin_create_user(&caller.actor(), input, temporary, address)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/users/{}/", user.id),
        ))
        .json(AccountDto::from(&user)))
}
