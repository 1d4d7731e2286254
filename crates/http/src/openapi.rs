//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::handlers::{activities, attachments, auth, health, messages, profile, tickets, users};

/// The API description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Ticketing helpdesk API",
        description = "Support tickets, messages, attachments and their activity log. Errors are \
                       RFC 9457 `application/problem+json` with a stable `code`. Lists are keyset \
                       paginated (`Link: <…>; rel=\"next\"`, `X-Total-Count`).",
        license(name = "MIT")
    ),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout,
        profile::show, profile::update, profile::change_password,
        users::list, users::update,
        tickets::list, tickets::create, tickets::show, tickets::update, tickets::delete,
        tickets::my_tickets, tickets::assigned_tickets,
        messages::list, messages::create,
        attachments::list, attachments::upload, attachments::remove, attachments::download,
        activities::list,
        health::healthz, health::readyz,
    ),
    components(schemas(crate::problem::Problem)),
    modifiers(&Conventions),
    tags(
        (name = "auth", description = "Registration, login, token refresh and logout"),
        (name = "profile", description = "The caller's own account"),
        (name = "users", description = "User lists (staff) and administration (admins)"),
        (name = "tickets", description = "Tickets"),
        (name = "messages", description = "Public replies and internal notes"),
        (name = "attachments", description = "Files attached to tickets"),
        (name = "activities", description = "The activity log"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// The resources that answer PUT like PATCH (a partial update); only these get a PUT operation.
const PUT_LIKE_PATCH: &[&str] = &["/api/v1/tickets/{id}/", "/api/v1/users/profile/"];

/// Adds the security schemes; adds the 500/503 answers every endpoint may give; gives every
/// error response the problem+json body (and `Retry-After` on 429/503, `WWW-Authenticate` on
/// 401); documents PUT next to PATCH where PUT is served.
#[derive(Debug)]
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "refresh_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("refresh_token"))),
        );
        let problem = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        for (path, item) in doc.paths.paths.iter_mut() {
            if let Some(patch) = item.patch.clone() {
                let serves_put = PUT_LIKE_PATCH.contains(&path.as_str());
                if serves_put && item.put.is_none() && patch.operation_id.is_some() {
                    let mut put = patch;
                    put.operation_id = put.operation_id.map(|id| format!("{id}_put"));
                    item.put = Some(put);
                }
            }
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                for code in ["500", "503"] {
                    let description = if code == "500" {
                        "Unexpected error (the body says nothing about internals)"
                    } else {
                        "The database or file storage is unavailable; retry later"
                    };
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| {
                            ResponseBuilder::new()
                                .description(description)
                                .build()
                                .into()
                        });
                }
                for (code, response) in op.responses.responses.iter_mut() {
                    let is_error = code.starts_with('4') || code.starts_with('5');
                    if let (true, RefOr::T(r)) = (is_error, response) {
                        if r.content.is_empty() {
                            r.content
                                .insert("application/problem+json".to_owned(), problem.clone());
                        }
                        if let Some((name, header)) = error_header(code) {
                            r.headers.entry(name.to_owned()).or_insert(header);
                        }
                    }
                }
            }
        }
    }
}

/// The header an error answer always carries: `Retry-After` on 429 and 503, `WWW-Authenticate`
/// on 401.
fn error_header(code: &str) -> Option<(&'static str, Header)> {
    let (name, kind, description) = match code {
        "429" | "503" => (
            "Retry-After",
            Type::Integer,
            "Seconds to wait before trying again",
        ),
        "401" => ("WWW-Authenticate", Type::String, "`Bearer`"),
        _ => return None,
    };
    let schema = ObjectBuilder::new().schema_type(kind).build();
    let header = HeaderBuilder::new()
        .schema(schema)
        .description(Some(description))
        .build();
    Some((name, header))
}

/// The document as pretty JSON (what `GET /api/schema/` serves and `docs/openapi.json` holds).
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
}
