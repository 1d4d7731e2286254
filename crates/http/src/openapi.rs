//! The OpenAPI 3.1 document, generated from the annotations of the handlers that
//! `crate::routes` lists.

use ticketing_domain::ErrorCode;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::extract::SIGNED_IN_ENDPOINTS;
use crate::handlers::attachments;
use crate::routes::{self, PUT_LIKE_PATCH};

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
    components(schemas(
        crate::problem::Problem,
        crate::handlers::tickets::TicketOrderingDto,
        crate::listing::TimelineOrderingDto
    )),
    modifiers(&Routes, &Conventions),
    tags(
        (name = "auth", description = "Registration, login, token refresh and logout"),
        (name = "profile", description = "The caller's own account"),
        (name = "users", description = "User lists (staff) and administration (admins)"),
        (name = "tickets", description = "Tickets"),
        (name = "messages", description = "Public replies and internal notes"),
        (name = "attachments", description = "Files attached to tickets"),
        (name = "activities", description = "The activity log"),
        (name = "audit", description = "The audit log of account administration (admins)"),
        (name = "events", description = "Live events (server-sent events)"),
        (name = "mail", description = "Outgoing mail: the mails given up (admins)"),
        (name = "webhooks", description = "Outbound webhook endpoints and their delivery log (admins)"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// Adds the paths of every route of `crate::routes` and the schemas they refer to.
#[derive(Debug)]
struct Routes;

impl Modify for Routes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        doc.merge(routes::Paths::openapi());
    }
}

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
                    .description(Some(
                        "An access token: the JWT that login, register and refresh answer with \
                         (`access`), sent as `Authorization: Bearer …`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tkt_ API token")
                    .description(Some(
                        "A personal API token (`tkt_…`, created at \
                         `/api/v1/users/profile/tokens/` or with `ticketing token create`), sent \
                         as `Authorization: Bearer tkt_…`. A `read` token may only send GET and \
                         HEAD requests (403 otherwise); a `write` token may do what its owner's \
                         role allows. Requests with an API token are rate-limited per token \
                         (429). Tokens cannot manage tokens or change the password: those \
                         operations list only `bearer`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "refresh_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("refresh_token"))),
        );
        text_patterns(components);
        unique_ids(components);
        always_present(components);
        let statuses = problem_schemas(components);
        for (path, item) in doc.paths.paths.iter_mut() {
            if let Some(patch) = item.patch.clone() {
                let serves_put = PUT_LIKE_PATCH.contains(&path.as_str());
                if serves_put && item.put.is_none() && patch.operation_id.is_some() {
                    let mut put = patch;
                    put.operation_id = put.operation_id.map(|id| format!("{id}_put"));
                    item.put = Some(put);
                }
            }
            for (reads, op) in [
                (true, &mut item.get),
                (false, &mut item.post),
                (false, &mut item.put),
                (false, &mut item.patch),
                (false, &mut item.delete),
            ]
            .into_iter()
            .filter_map(|(reads, op)| op.as_mut().map(|op| (reads, op)))
            {
                // Handler names repeat across resources (`list`, `update`...); operation ids
                // must be unique in the document (client generators and schemathesis' links
                // key on them): prefix them with the operation's tag.
                if let (Some(id), Some(tag)) =
                    (&op.operation_id, op.tags.as_ref().and_then(|t| t.first()))
                {
                    if !id.starts_with(&format!("{tag}_")) {
                        op.operation_id = Some(format!("{tag}_{id}"));
                    }
                }
                token_answers(op, reads);
                api_token_security(path, op);
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
                            r.content.insert(
                                "application/problem+json".to_owned(),
                                problem_content(code, &statuses),
                            );
                        }
                        if let Some((name, header)) = error_header(code) {
                            r.headers.entry(name.to_owned()).or_insert(header);
                        }
                    }
                }
            }
        }
        download_content_types(doc);
        password_change_answers(doc);
    }
}

/// The answers whose optional fields are always sent, as `null` when empty (none is skipped):
/// every property of these is `required` (and the optional ones nullable), so a client may rely
/// on each key being there.
const ALWAYS_PRESENT: &[&str] = &[
    "ActivityDto",
    "ApiTokenDto",
    "AttachmentDto",
    "AuditEntryDto",
    "TicketDto",
];

/// Marks every property of the [`ALWAYS_PRESENT`] answers required.
fn always_present(components: &mut utoipa::openapi::Components) {
    for name in ALWAYS_PRESENT {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*name) {
            object.required = object.properties.keys().cloned().collect();
        }
    }
}

/// The ids of a bulk change are each named once (`uniqueItems`; a repeated id is a 400), and
/// its changes name at least one field (`minProperties`, set here: utoipa 5.5's
/// `min_properties` attribute writes `maxProperties`).
fn unique_ids(components: &mut utoipa::openapi::Components) {
    if let Some(RefOr::T(Schema::Object(object))) =
        components.schemas.get_mut("TicketChangesRequest")
    {
        object.min_properties = Some(1);
    }
    if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut("TicketBulkRequest")
    {
        if let Some(RefOr::T(Schema::Array(ids))) = object.properties.get_mut("ids") {
            ids.unique_items = true;
        }
    }
}

/// Adds `Problem400`, `Problem401`, ...: the problem of each status with the codes (and types)
/// answered with that status, from the one table of codes (`ErrorCode`). Returns the statuses.
fn problem_schemas(components: &mut utoipa::openapi::Components) -> Vec<u16> {
    let mut statuses: Vec<u16> = ErrorCode::ALL.iter().map(|c| c.http_status()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    for status in &statuses {
        let codes: Vec<&str> = ErrorCode::ALL
            .iter()
            .filter(|c| c.http_status() == *status)
            .map(|c| c.as_str())
            .collect();
        let types: Vec<String> = codes
            .iter()
            .map(|c| format!("urn:ticketing:problem:{c}"))
            .collect();
        let specific = ObjectBuilder::new()
            .property(
                "status",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .enum_values(Some([*status])),
            )
            .property(
                "code",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(codes.clone())),
            )
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(types)),
            )
            .build();
        let schema = AllOfBuilder::new()
            .item(Ref::from_schema_name("Problem"))
            .item(specific)
            .description(Some(format!(
                "A problem answered with status {status}: `code` is {}",
                codes
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
            .build();
        components
            .schemas
            .insert(format!("Problem{status}"), RefOr::T(Schema::AllOf(schema)));
    }
    statuses
}

/// The problem+json body of an error answer of status `code`: its own problem schema when the
/// status has codes, else the general one.
fn problem_content(code: &str, statuses: &[u16]) -> utoipa::openapi::Content {
    let name = match code.parse::<u16>() {
        Ok(status) if statuses.contains(&status) => format!("Problem{status}"),
        _ => "Problem".to_owned(),
    };
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(name)))
        .build()
}

/// Every operation a Bearer token reaches answers 403 `password_change_required` to a user whose
/// password is a temporary one, but those of [`SIGNED_IN_ENDPOINTS`]: documented on each (added
/// to its 403 answer when it has one).
fn password_change_answers(doc: &mut utoipa::openapi::OpenApi) {
    const WHY: &str = "`password_change_required`: the caller's password is a temporary one an \
                       admin set; change it first";
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ] {
            let Some(op) = op else { continue };
            let bearer = serde_json::to_value(&op.security)
                .map(|v| v.to_string().contains("\"bearer\""))
                .unwrap_or(false);
            let signed_in = SIGNED_IN_ENDPOINTS
                .iter()
                .any(|(p, m)| p == path && m.eq_ignore_ascii_case(method));
            if !bearer || signed_in {
                continue;
            }
            match op.responses.responses.get_mut("403") {
                Some(RefOr::T(r)) => r.description = format!("{}; or {WHY}", r.description),
                Some(RefOr::Ref(_)) => {}
                None => {
                    let mut answer = ResponseBuilder::new().description(WHY).build();
                    answer.content.insert(
                        "application/problem+json".to_owned(),
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem403")))
                            .build(),
                    );
                    op.responses
                        .responses
                        .insert("403".to_owned(), answer.into());
                }
            }
        }
    }
}

/// The operations an API token is refused on (403): only a signed-in user manages tokens and
/// changes the password.
const NO_API_TOKEN_PATHS: &[&str] = &[
    "/api/v1/users/profile/tokens/",
    "/api/v1/users/profile/tokens/{id}/",
    "/api/v1/users/profile/change-password/",
];

/// An operation that takes an access token takes an API token too (the same `Authorization:
/// Bearer` header), but for those of [`NO_API_TOKEN_PATHS`]: `api_token` is added as the other
/// security requirement.
fn api_token_security(path: &str, op: &mut utoipa::openapi::path::Operation) {
    if NO_API_TOKEN_PATHS.contains(&path) {
        return;
    }
    let Some(security) = op.security.as_mut() else {
        return;
    };
    let takes = |name: &str, security: &[SecurityRequirement]| {
        security
            .iter()
            .any(|req| serde_json::to_value(req).is_ok_and(|v| v.get(name).is_some()))
    };
    if takes("bearer", security) && !takes("api_token", security) {
        security.push(SecurityRequirement::new("api_token", Vec::<String>::new()));
    }
}

/// What an operation that takes a bearer token may answer when the token is an API token: 429
/// (over the token's rate limit), and 403 for a write made with a `read` token.
fn token_answers(op: &mut utoipa::openapi::path::Operation, reads: bool) {
    let takes_bearer = op
        .security
        .iter()
        .flatten()
        .any(|req| serde_json::to_value(req).is_ok_and(|v| v.get("bearer").is_some()));
    if !takes_bearer {
        return;
    }
    let mut add = |code: &str, description: &str| {
        op.responses
            .responses
            .entry(code.to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(description)
                    .build()
                    .into()
            });
    };
    add(
        "429",
        "Too many requests with this API token (see `limits.api_token_requests_per_minute`)",
    );
    if !reads {
        add("403", "Made with an API token of the read scope");
    }
}

/// Whitespace that the text parsers trim (Rust's `char::is_whitespace`).
const TRIMMED: &str = "\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
/// A kept character at either end: neither whitespace nor a control character.
const EDGE: &str =
    "[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
/// A character of a one-line text (no control character).
const LINE_CHAR: &str = "[^\\u0000-\\u001F\\u007F-\\u009F]";
/// A character of a long text (no control character but tab, LF and CR).
const TEXT_CHAR: &str = "[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]";

/// The `pattern` of an email address: a plain ASCII subset of what `Email::parse` accepts (one
/// `@`, a local part without leading, trailing or doubled dots, a domain of two or more labels),
/// short enough for its limits (64 characters before the `@`, 254 in all). Addresses outside
/// it (Unicode domains, quoted characters) are accepted too; the document promises these.
pub const EMAIL: &str = "^[A-Za-z0-9_+-]{1,32}(?:\\.[A-Za-z0-9_+-]{1,15})?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,20}[A-Za-z0-9])?\\.){1,4}[A-Za-z]{2,10}$";
/// The `pattern` of a new username: 3..=150 ASCII letters, digits and `.+-_` (no `@`). Unicode
/// letters and digits are accepted too (unless they make a look-alike of an existing username).
pub const NEW_USERNAME: &str = "^[A-Za-z0-9.+_-]{3,150}$";
/// [`NEW_USERNAME`], or empty (at registration: derived from the email).
pub const NEW_USERNAME_OR_BLANK: &str = "^(|[A-Za-z0-9.+_-]{3,150})$";

/// The `pattern` of a text field: exactly what the domain parser accepts. Surrounding whitespace
/// is trimmed; the kept text is `min..=max` characters of `chars`, starting and ending with a
/// character that is neither whitespace nor a control character.
pub fn text_pattern(chars: &str, max: usize, may_be_blank: bool) -> String {
    let pad = format!("[{TRIMMED}]*");
    let kept = format!("{EDGE}(?:{chars}{{0,{}}}{EDGE})?", max.saturating_sub(2));
    if may_be_blank {
        format!("^{pad}(?:{kept}{pad})?$")
    } else {
        format!("^{pad}{kept}{pad}$")
    }
}

/// Documents the exact shape of the free-text request fields (schemathesis generates values from
/// these patterns and expects the server to accept every one of them and refuse the others).
fn text_patterns(components: &mut utoipa::openapi::Components) {
    let topic = text_pattern(LINE_CHAR, ticketing_domain::Topic::MAX_CHARS, false);
    let long = text_pattern(TEXT_CHAR, ticketing_domain::Description::MAX_CHARS, false);
    let message = text_pattern(TEXT_CHAR, ticketing_domain::MessageBody::MAX_CHARS, false);
    let name = text_pattern(LINE_CHAR, ticketing_domain::PersonName::MAX_CHARS, true);
    let token_name = text_pattern(LINE_CHAR, ticketing_domain::TokenName::MAX_CHARS, false);
    let fields: [(&str, &str, &str); 17] = [
        ("RegisterRequest", "email", EMAIL),
        ("ProfileRequest", "email", EMAIL),
        ("UserCreateRequest", "email", EMAIL),
        ("RegisterRequest", "username", NEW_USERNAME_OR_BLANK),
        ("UserCreateRequest", "username", NEW_USERNAME),
        ("TicketCreateRequest", "topic", &topic),
        ("TicketCreateRequest", "description", &long),
        ("TicketPatchRequest", "topic", &topic),
        ("TicketPatchRequest", "description", &long),
        ("MessageCreateRequest", "message", &message),
        ("RegisterRequest", "first_name", &name),
        ("RegisterRequest", "last_name", &name),
        ("ProfileRequest", "first_name", &name),
        ("ProfileRequest", "last_name", &name),
        ("UserCreateRequest", "first_name", &name),
        ("UserCreateRequest", "last_name", &name),
        ("ApiTokenRequest", "name", &token_name),
    ];
    for (schema, field, pattern) in fields {
        let property = match components.schemas.get_mut(schema) {
            Some(RefOr::T(Schema::Object(object))) => object.properties.get_mut(field),
            _ => None,
        };
        if let Some(RefOr::T(Schema::Object(property))) = property {
            property.pattern = Some(pattern.to_owned());
        }
    }
}

/// The download answers with the stored content type when it is harmless (see
/// `attachments::HARMLESS_CONTENT_TYPES`), else `application/octet-stream`: every one of them is
/// documented, each with any body.
fn download_content_types(doc: &mut utoipa::openapi::OpenApi) {
    let path = "/api/v1/tickets/{id}/attachments/{aid}/download/";
    let Some(op) = doc.paths.paths.get_mut(path).and_then(|i| i.get.as_mut()) else {
        return;
    };
    if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
        ok.content.clear();
        let any = ContentBuilder::new()
            .schema(Some(ObjectBuilder::new().build()))
            .build();
        for ct in std::iter::once("application/octet-stream")
            .chain(attachments::HARMLESS_CONTENT_TYPES.iter().copied())
        {
            ok.content.insert(ct.to_owned(), any.clone());
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

/// The headers an answer always carries, by status class: `X-Total-Count` on every list page
/// (and `X-Total-Count-Exact` on every ticket list page),
/// `ETag` on every ticket answer, `Location` on every creation, `Retry-After` on every 429 and
/// 503 problem, `WWW-Authenticate` on every 401 (`Link` only when more follow: not required).
const ALWAYS_SENT: &[(&str, &str)] = &[
    ("2", "X-Total-Count"),
    ("2", "X-Total-Count-Exact"),
    ("2", "ETag"),
    ("2", "Location"),
    ("429", "Retry-After"),
    ("503", "Retry-After"),
    ("401", "WWW-Authenticate"),
];

/// Marks the headers of [`ALWAYS_SENT`] `required` where they are documented (utoipa's header
/// object has no `required`, hence on the JSON). An error header is required only on problem
/// answers (the 503 of `/readyz` is a health body without `Retry-After`).
fn require_headers(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let responses = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|r| r.iter_mut());
    for (status, response) in responses {
        let is_problem = response
            .pointer("/content/application~1problem+json")
            .is_some();
        let Some(headers) = response.get_mut("headers").and_then(|h| h.as_object_mut()) else {
            continue;
        };
        for (name, header) in headers.iter_mut() {
            let always = ALWAYS_SENT.iter().any(|(class, sent)| {
                sent.eq_ignore_ascii_case(name)
                    && if *class == "2" {
                        status.starts_with('2')
                    } else {
                        status == class && is_problem
                    }
            });
            if let (true, Some(header)) = (always, header.as_object_mut()) {
                header.insert("required".to_owned(), serde_json::Value::Bool(true));
            }
        }
    }
}

/// A query parameter whose schema is an enum (a `$ref`: `ordering`, `role`, `action`) may also
/// be sent empty, which the lists take as "no filter" (the default ordering): its schema becomes
/// `anyOf` the enum and `""`. Likewise each item of a comma-separated enum list (`status=` is no
/// filter, an empty item is skipped).
fn empty_enum_parameters(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let parameters = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("parameters").and_then(|p| p.as_array_mut()))
        .flat_map(|p| p.iter_mut());
    for parameter in parameters {
        if parameter.get("in").and_then(|v| v.as_str()) != Some("query") {
            continue;
        }
        let Some(schema) = parameter.get_mut("schema") else {
            continue;
        };
        if schema.get("$ref").is_some() && schema.as_object().is_some_and(|o| o.len() == 1) {
            let reference = schema.clone();
            *schema = serde_json::json!({
                "anyOf": [
                    reference,
                    {"type": "string", "enum": [""], "description": "empty: no filter (the default)"}
                ]
            });
        } else if schema.get("type").and_then(|t| t.as_str()) == Some("array") {
            // A comma-separated list of an enum (`status`, `priority`): an empty item (`status=`,
            // `open,,resolved`) is skipped, so `""` is a valid item too.
            if let Some(items) = schema
                .get_mut("items")
                .filter(|i| i.get("$ref").is_some() && i.as_object().is_some_and(|o| o.len() == 1))
            {
                let reference = items.clone();
                *items = serde_json::json!({
                    "anyOf": [
                        reference,
                        {"type": "string", "enum": [""], "description": "empty: skipped"}
                    ]
                });
            }
        }
    }
}

/// The document as JSON (what `GET /api/schema/` serves).
pub fn openapi_value() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    require_headers(&mut doc);
    empty_enum_parameters(&mut doc);
    doc
}

/// The document as pretty JSON (what `docs/openapi.json` holds).
pub fn openapi_json() -> String {
    serde_json::to_string_pretty(&openapi_value()).unwrap_or_else(|_| "{}".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::Value;

    /// The patterns are attached by name: a renamed schema or field must not lose its pattern
    /// silently (schemathesis would then generate values the server refuses).
    #[test]
    fn every_free_text_field_has_its_pattern() {
        let doc: Value = serde_json::from_str(&super::openapi_json()).unwrap();
        for (schema, field, max) in [
            ("TicketCreateRequest", "topic", "{0,253}"),
            ("TicketCreateRequest", "description", "{0,9998}"),
            ("TicketPatchRequest", "topic", "{0,253}"),
            ("TicketPatchRequest", "description", "{0,9998}"),
            ("MessageCreateRequest", "message", "{0,9998}"),
            ("RegisterRequest", "first_name", "{0,148}"),
            ("RegisterRequest", "last_name", "{0,148}"),
            ("ProfileRequest", "first_name", "{0,148}"),
            ("ProfileRequest", "last_name", "{0,148}"),
            ("UserCreateRequest", "first_name", "{0,148}"),
            ("UserCreateRequest", "last_name", "{0,148}"),
            ("ApiTokenRequest", "name", "{0,98}"),
        ] {
            let pattern = &doc["components"]["schemas"][schema]["properties"][field]["pattern"];
            let pattern = pattern
                .as_str()
                .unwrap_or_else(|| panic!("{schema}.{field} has no pattern"));
            assert!(pattern.contains(max), "{schema}.{field}: {pattern}");
        }
        let ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(ids.len(), unique.len(), "duplicate operation ids: {ids:?}");
    }

    /// A whole-value pattern without its anchors (proptest generates from the rest).
    fn unanchored(pattern: &str) -> &str {
        let p = pattern.strip_prefix('^').unwrap_or(pattern);
        p.strip_suffix('$').unwrap_or(p)
    }

    /// Values of the query parameters' patterns are accepted by the list parsers (a blank value
    /// is no filter; an id filter takes its words or a UUID).
    #[test]
    fn query_patterns_promise_what_the_parsers_accept() {
        use proptest::strategy::{Strategy, ValueTree};
        use proptest::test_runner::TestRunner;
        let doc: Value = serde_json::from_str(&super::openapi_json()).unwrap();
        let pattern = |path: &str, name: &str| -> String {
            doc["paths"][path]["get"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .unwrap()["schema"]["pattern"]
                .as_str()
                .unwrap_or_else(|| panic!("{path} {name} has no pattern"))
                .to_owned()
        };
        let mut runner = TestRunner::deterministic();
        let mut samples = |pattern: &str| -> Vec<String> {
            let strategy = proptest::string::string_regex(unanchored(pattern)).unwrap();
            (0..300)
                .map(|_| strategy.new_tree(&mut runner).unwrap().current())
                .collect()
        };
        for path in ["/api/v1/tickets/", "/api/v1/users/"] {
            for q in samples(&pattern(path, "q")) {
                if q.chars().count() > 200 {
                    continue; // maxLength
                }
                let kept = q.trim();
                assert!(
                    kept.is_empty() || ticketing_domain::listing::SearchText::parse(kept).is_ok(),
                    "{path} q={q:?}"
                );
            }
        }
        for (path, name, words) in [
            ("/api/v1/tickets/", "assigned_to", &["me", "none"][..]),
            ("/api/v1/tickets/", "requester", &["me"][..]),
            ("/api/v1/audit/", "actor", &["cli"][..]),
            ("/api/v1/audit/", "target", &[][..]),
        ] {
            for v in samples(&pattern(path, name)) {
                assert!(
                    v.is_empty() || words.contains(&v.as_str()) || v.parse::<uuid::Uuid>().is_ok(),
                    "{path} {name}={v:?}"
                );
            }
        }
    }

    proptest::proptest! {
        /// What the email and username patterns promise, the parsers accept (schemathesis
        /// sends values of the patterns and expects no 400).
        #[test]
        fn pattern_emails_parse(email in proptest::string::string_regex(unanchored(super::EMAIL)).unwrap()) {
            proptest::prop_assert!(ticketing_domain::Email::parse(&email).is_ok(), "{email}");
        }

        #[test]
        fn pattern_usernames_parse(name in proptest::string::string_regex(unanchored(super::NEW_USERNAME)).unwrap()) {
            proptest::prop_assert!(ticketing_domain::Username::parse_new(&name).is_ok(), "{name}");
        }
    }
}
