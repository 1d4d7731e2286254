//! The OpenAPI document: committed, up to date, and listing exactly the routes the app serves.

use std::collections::BTreeMap;
use std::path::PathBuf;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::Value;
use ticketing_app::testing::Harness;
use uuid::Uuid;

use crate::support::*;

/// Every route under `/api/v1` and the methods it serves (HEAD comes with GET).
const ROUTES: &[(&str, &[&str])] = &[
    ("/api/v1/users/auth/register/", &["POST"]),
    ("/api/v1/users/auth/login/", &["POST"]),
    ("/api/v1/users/auth/refresh/", &["POST"]),
    ("/api/v1/users/auth/logout/", &["POST"]),
    ("/api/v1/users/auth/password-reset/", &["POST"]),
    ("/api/v1/users/auth/password-reset/confirm/", &["POST"]),
    ("/api/v1/users/profile/", &["GET", "PUT", "PATCH"]),
    ("/api/v1/users/profile/change-password/", &["POST"]),
    ("/api/v1/users/profile/notifications/", &["GET", "PATCH"]),
    ("/api/v1/users/profile/tokens/", &["GET", "POST"]),
    ("/api/v1/users/profile/tokens/{id}/", &["DELETE"]),
    ("/api/v1/users/", &["GET", "POST"]),
    ("/api/v1/users/{id}/", &["PATCH"]),
    ("/api/v1/audit/", &["GET"]),
    ("/api/v1/mail/failures/", &["GET"]),
    ("/api/v1/tickets/", &["GET", "POST"]),
    ("/api/v1/tickets/bulk/", &["POST"]),
    ("/api/v1/tickets/{id}/", &["GET", "PUT", "PATCH", "DELETE"]),
    ("/api/v1/my-tickets/", &["GET"]),
    ("/api/v1/assigned-tickets/", &["GET"]),
    ("/api/v1/tickets/{id}/messages/", &["GET", "POST"]),
    ("/api/v1/tickets/{id}/attachments/", &["GET", "POST"]),
    ("/api/v1/tickets/{id}/attachments/{aid}/", &["DELETE"]),
    ("/api/v1/tickets/{id}/attachments/{aid}/download/", &["GET"]),
    ("/api/v1/tickets/{id}/activities/", &["GET"]),
    ("/api/v1/tickets/{id}/presence/", &["POST", "DELETE"]),
    ("/api/v1/events/", &["GET"]),
    ("/api/v1/webhooks/", &["GET", "POST"]),
    ("/api/v1/webhooks/{id}/", &["GET", "PATCH", "DELETE"]),
    ("/api/v1/webhooks/{id}/rotate-secret/", &["POST"]),
    ("/api/v1/webhooks/{id}/test/", &["POST"]),
    ("/api/v1/webhooks/{id}/deliveries/", &["GET"]),
];

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

fn document() -> Value {
    serde_json::from_str(&ticketing_http::openapi_json()).unwrap()
}

#[test]
fn committed_document_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let generated = ticketing_http::openapi_json();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed.trim_end() != generated.trim_end() {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}: committed `{a}`, generated `{b}`", i + 1))
            .unwrap_or_else(|| "one is a prefix of the other (or the file is missing)".to_owned());
        panic!(
            "docs/openapi.json does not match the OpenAPI document the code generates \
             ({first_difference}).\nRegenerate it with\n\n    \
             cargo run -p ticketing-server -- openapi > docs/openapi.json\n\nand commit it."
        );
    }
}

#[test]
fn document_lists_exactly_the_served_routes() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let mut methods: Vec<String> = item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| METHODS.contains(&k.to_uppercase().as_str()))
            .map(|k| k.to_uppercase())
            .collect();
        methods.sort();
        documented.insert(path.clone(), methods);
    }
    let mut expected: BTreeMap<String, Vec<String>> = ROUTES
        .iter()
        .map(|(p, ms)| {
            let mut ms: Vec<String> = ms.iter().map(|m| (*m).to_owned()).collect();
            ms.sort();
            ((*p).to_owned(), ms)
        })
        .collect();
    expected.insert("/healthz".to_owned(), vec!["GET".to_owned()]);
    expected.insert("/readyz".to_owned(), vec!["GET".to_owned()]);
    assert_eq!(documented, expected);
}

#[test]
fn document_describes_errors_and_headers() {
    let doc = document();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["bearer"]["bearerFormat"], "JWT");
    assert_eq!(schemes["api_token"]["scheme"], "bearer");
    assert!(
        schemes["api_token"]["description"]
            .as_str()
            .unwrap()
            .contains("tkt_")
    );
    assert_eq!(schemes["refresh_cookie"]["in"], "cookie");
    assert_eq!(schemes["refresh_cookie"]["name"], "refresh_token");
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();
    let header = |path: &str, method: &str, status: &str, name: &str| {
        op(path, method)["responses"][status]["headers"][name].is_object()
    };
    for (path, methods) in ROUTES {
        for method in methods.iter().map(|m| m.to_lowercase()) {
            let o = op(path, &method);
            assert!(o["operationId"].is_string(), "{method} {path}");
            let responses = o["responses"].as_object().unwrap();
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        r["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status}"
                    );
                }
                if status == "401" {
                    assert!(
                        header(path, &method, status, "WWW-Authenticate"),
                        "{method} {path}"
                    );
                }
                if status == "429" || status == "503" {
                    assert!(
                        header(path, &method, status, "Retry-After"),
                        "{method} {path} {status}"
                    );
                }
            }
            assert!(responses.contains_key("500") && responses.contains_key("503"));
        }
    }
    for list in [
        "/api/v1/tickets/",
        "/api/v1/my-tickets/",
        "/api/v1/assigned-tickets/",
        "/api/v1/users/",
    ] {
        assert!(header(list, "get", "200", "X-Total-Count"), "{list}");
        assert!(header(list, "get", "200", "Link"), "{list}");
    }
    assert!(header("/api/v1/tickets/", "post", "201", "Location"));
    assert!(header(
        "/api/v1/tickets/{id}/attachments/",
        "post",
        "201",
        "Location"
    ));
    assert!(header("/api/v1/tickets/", "post", "201", "ETag"));
    assert!(header("/api/v1/tickets/{id}/", "get", "200", "ETag"));
    assert!(header("/api/v1/tickets/{id}/", "patch", "200", "ETag"));
    let params = op("/api/v1/tickets/{id}/", "patch")["parameters"].clone();
    assert!(
        params
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "If-Match" && p["in"] == "header")
    );
    assert!(op("/api/v1/tickets/{id}/", "patch")["responses"]["412"].is_object());
    for auth in ["register", "login", "refresh"] {
        let path = format!("/api/v1/users/auth/{auth}/");
        let ok = if auth == "register" { "201" } else { "200" };
        assert!(header(&path, "post", ok, "Set-Cookie"), "{path}");
        assert!(op(&path, "post")["responses"]["429"].is_object(), "{path}");
    }
    assert!(header(
        "/api/v1/users/profile/change-password/",
        "post",
        "200",
        "Set-Cookie"
    ));
    assert!(header("/api/v1/events/", "get", "200", "X-Accel-Buffering"));
    assert!(
        op("/api/v1/events/", "get")["responses"]["200"]["content"]["text/event-stream"]
            .is_object()
    );
    // What an API token may be answered: over its limit (every bearer operation), a write with
    // a read token (every bearer operation that writes); nothing of the kind without a bearer.
    for (path, method) in [
        ("/api/v1/tickets/", "get"),
        ("/api/v1/tickets/", "post"),
        ("/api/v1/tickets/{id}/", "delete"),
    ] {
        assert!(op(path, method)["responses"]["429"].is_object(), "{path}");
    }
    for (path, method) in [
        ("/api/v1/tickets/", "post"),
        ("/api/v1/tickets/{id}/", "patch"),
    ] {
        assert!(op(path, method)["responses"]["403"].is_object(), "{path}");
    }
    // A read is refused only to a temporary password (no scope refusal).
    let read_refusal = op("/api/v1/tickets/{id}/", "get")["responses"]["403"]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        read_refusal.starts_with("`password_change_required`"),
        "{read_refusal}"
    );
    assert!(!read_refusal.contains("scope"), "{read_refusal}");
    assert!(op("/healthz", "get")["responses"]["429"].is_null());
    let download = "/api/v1/tickets/{id}/attachments/{aid}/download/";
    assert!(header(download, "get", "200", "Content-Disposition"));
    assert!(header(download, "get", "200", "X-Content-Type-Options"));
    assert_eq!(
        op("/api/v1/tickets/{id}/attachments/", "post")["requestBody"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["multipart/form-data"]
    );
}

/// The path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", &Uuid::now_v7().to_string())
        .replace("{aid}", &Uuid::now_v7().to_string())
}

#[actix_web::test]
async fn every_listed_route_is_served_with_exactly_its_methods() {
    // No expectations: none of these requests may reach a port.
    let svc = service!(Harness::default().build());
    for (path, methods) in ROUTES {
        let url = concrete(path);
        let mut allow: Vec<&str> = Vec::new();
        for m in *methods {
            allow.push(m);
            if *m == "GET" {
                allow.push("HEAD");
            }
        }
        let allow = allow.join(", ");
        for method in METHODS {
            let req = TestRequest::default()
                .method(Method::from_bytes(method.as_bytes()).unwrap())
                .uri(&url)
                .to_request();
            let a = call(&svc, req).await;
            if methods.contains(&method) {
                // Served: anonymous requests stop at authentication or at the missing body.
                let (status, code) = match *path {
                    "/api/v1/users/auth/register/"
                    | "/api/v1/users/auth/login/"
                    | "/api/v1/users/auth/password-reset/"
                    | "/api/v1/users/auth/password-reset/confirm/" => {
                        (415, "unsupported_media_type")
                    }
                    "/api/v1/users/auth/logout/" => (204, ""),
                    _ => (401, "unauthenticated"),
                };
                if status == 204 {
                    assert_eq!(a.status, 204, "{method} {path}");
                } else {
                    a.problem(status, code);
                }
            } else {
                a.problem(405, "method_not_allowed");
                assert_eq!(a.header("allow"), Some(allow.as_str()), "{method} {path}");
            }
        }
    }
    // Anything else under /api is a 404 problem.
    for path in [
        "/api/v1/tickets/x/y/",
        "/api/v1/ticket/",
        "/api/v2/tickets/",
        "/api/v1/",
    ] {
        let a = call(&svc, TestRequest::get().uri(path).to_request()).await;
        a.problem(404, "not_found");
    }
}

/// The security requirement names of an operation.
fn security_of(op: &Value) -> Vec<String> {
    op["security"]
        .as_array()
        .map(|reqs| {
            reqs.iter()
                .flat_map(|r| r.as_object().unwrap().keys().cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every operation that takes an access token takes an API token too, but the token management
/// and the password change, which refuse API tokens (403).
#[test]
fn api_tokens_are_a_security_scheme_of_every_bearer_operation_but_token_management() {
    let doc = document();
    let refused = [
        ("/api/v1/users/profile/tokens/", "get"),
        ("/api/v1/users/profile/tokens/", "post"),
        ("/api/v1/users/profile/tokens/{id}/", "delete"),
        ("/api/v1/users/profile/change-password/", "post"),
    ];
    let mut with_token = 0;
    for (path, methods) in ROUTES {
        for method in methods.iter().map(|m| m.to_lowercase()) {
            let security = security_of(&doc["paths"][path][&method]);
            if !security.contains(&"bearer".to_owned()) {
                assert!(
                    !security.contains(&"api_token".to_owned()),
                    "{method} {path}"
                );
                continue;
            }
            let takes_token = security.contains(&"api_token".to_owned());
            let is_refused = refused.contains(&(*path, method.as_str()));
            assert_eq!(takes_token, !is_refused, "{method} {path}: {security:?}");
            with_token += usize::from(takes_token);
        }
    }
    assert!(with_token > 20, "{with_token}");
}

/// The filters state their values: comma-separated lists as arrays of enums (`style: form`,
/// `explode: false`), orderings as enums, ids as patterns, `If-Match` as an entity tag.
#[test]
fn filters_orderings_and_if_match_state_their_values() {
    let doc = document();
    let param = |path: &str, method: &str, name: &str| -> Value {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
            .clone()
    };
    let enum_of = |schema: &Value| -> Vec<String> {
        let schema = match schema["$ref"].as_str() {
            Some(r) => doc["components"]["schemas"][r.rsplit('/').next().unwrap()].clone(),
            None => schema.clone(),
        };
        let values = if schema["enum"].is_array() {
            schema["enum"].clone()
        } else {
            // An enum that may be sent empty: anyOf [{$ref}, {enum: [""]}].
            let one_of = schema["anyOf"].as_array().cloned().unwrap_or_default();
            assert!(
                one_of.iter().any(|s| s["enum"] == serde_json::json!([""])),
                "{schema}"
            );
            let r = one_of
                .iter()
                .find_map(|s| s["$ref"].as_str())
                .unwrap_or_else(|| panic!("no enum in {schema}"));
            doc["components"]["schemas"][r.rsplit('/').next().unwrap()]["enum"].clone()
        };
        values
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    for list in [
        "/api/v1/tickets/",
        "/api/v1/my-tickets/",
        "/api/v1/assigned-tickets/",
    ] {
        for (name, values) in [
            ("status", vec!["open", "in_progress", "resolved", "closed"]),
            ("priority", vec!["low", "medium", "high", "critical"]),
        ] {
            let p = param(list, "get", name);
            assert_eq!(p["style"], "form", "{list} {name}");
            assert_eq!(p["explode"], false, "{list} {name}");
            let schema = &p["schema"];
            assert!(
                schema["type"].to_string().contains("array"),
                "{list} {name}: {schema}"
            );
            assert_eq!(enum_of(&schema["items"]), values, "{list} {name}");
        }
        assert_eq!(
            enum_of(&param(list, "get", "ordering")["schema"]),
            [
                "created_at",
                "-created_at",
                "updated_at",
                "-updated_at",
                "priority",
                "-priority"
            ]
        );
        for name in ["assigned_to", "requester", "q"] {
            assert!(
                param(list, "get", name)["schema"]["pattern"].is_string(),
                "{list} {name}"
            );
        }
    }
    for list in [
        "/api/v1/tickets/{id}/messages/",
        "/api/v1/tickets/{id}/attachments/",
        "/api/v1/tickets/{id}/activities/",
    ] {
        assert_eq!(
            enum_of(&param(list, "get", "ordering")["schema"]),
            ["created_at", "-created_at"],
            "{list}"
        );
    }
    assert_eq!(
        enum_of(&param("/api/v1/users/", "get", "role")["schema"]),
        ["customer", "agent", "admin"]
    );
    for name in ["actor", "target"] {
        assert!(param("/api/v1/audit/", "get", name)["schema"]["pattern"].is_string());
    }
    for method in ["patch", "put"] {
        let if_match = param("/api/v1/tickets/{id}/", method, "If-Match");
        assert_eq!(if_match["in"], "header");
        assert_eq!(
            if_match["schema"]["pattern"],
            r#"^(\*|(W/)?"[0-9]{1,18}")$"#
        );
    }
    for (schema, field) in [
        ("RegisterRequest", "email"),
        ("ProfileRequest", "email"),
        ("UserCreateRequest", "email"),
        ("RegisterRequest", "username"),
        ("UserCreateRequest", "username"),
    ] {
        let pattern = &doc["components"]["schemas"][schema]["properties"][field]["pattern"];
        assert!(pattern.is_string(), "{schema}.{field}");
    }
    let bulk = &doc["components"]["schemas"]["TicketBulkRequest"];
    assert_eq!(bulk["properties"]["ids"]["uniqueItems"], true);
    assert_eq!(bulk["properties"]["ids"]["maxItems"], 200);
    assert_eq!(
        doc["components"]["schemas"]["TicketChangesRequest"]["minProperties"],
        1
    );
    // Answers list every key they always send, `null` included.
    let ticket = &doc["components"]["schemas"]["TicketDto"];
    for field in [
        "assigned_to",
        "closed_at",
        "resolved_at",
        "last_public_message",
    ] {
        assert!(
            ticket["required"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == field),
            "TicketDto.{field}"
        );
    }
}

/// Every error answer names its problem: the schema of its status, whose `code` and `type` list
/// exactly the codes answered with that status.
#[test]
fn every_error_answer_names_the_codes_of_its_status() {
    let doc = document();
    for (path, methods) in ROUTES {
        for method in methods.iter().map(|m| m.to_lowercase()) {
            let responses = doc["paths"][path][&method]["responses"]
                .as_object()
                .unwrap();
            for (status, r) in responses {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                let schema = &r["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(
                    schema.as_str(),
                    Some(format!("#/components/schemas/Problem{status}").as_str()),
                    "{method} {path} {status}"
                );
            }
        }
    }
    let codes = |status: &str| -> Vec<String> {
        let all_of = doc["components"]["schemas"][format!("Problem{status}")]["allOf"]
            .as_array()
            .unwrap()
            .clone();
        all_of[1]["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(codes("400"), ["validation_failed"]);
    assert_eq!(codes("401"), ["unauthenticated", "token_expired"]);
    assert_eq!(codes("403"), ["forbidden", "password_change_required"]);
    assert_eq!(codes("409"), ["conflict", "ticket_closed"]);
    assert_eq!(codes("412"), ["precondition_failed"]);
    assert_eq!(codes("429"), ["rate_limited"]);
    assert_eq!(codes("503"), ["unavailable"]);
}

/// The headers always sent are `required`: schemathesis then checks each answer carries them.
#[test]
fn headers_always_sent_are_required() {
    let doc = document();
    let required = |path: &str, method: &str, status: &str, name: &str| {
        doc["paths"][path][method]["responses"][status]["headers"][name]["required"] == true
    };
    for list in [
        "/api/v1/tickets/",
        "/api/v1/my-tickets/",
        "/api/v1/assigned-tickets/",
        "/api/v1/users/",
        "/api/v1/audit/",
        "/api/v1/tickets/{id}/messages/",
        "/api/v1/tickets/{id}/attachments/",
        "/api/v1/tickets/{id}/activities/",
    ] {
        assert!(required(list, "get", "200", "X-Total-Count"), "{list}");
        assert!(!required(list, "get", "200", "Link"), "{list}");
        assert!(required(list, "get", "401", "WWW-Authenticate"), "{list}");
        assert!(required(list, "get", "429", "Retry-After"), "{list}");
        assert!(required(list, "get", "503", "Retry-After"), "{list}");
    }
    assert!(required("/api/v1/tickets/", "post", "201", "ETag"));
    assert!(required("/api/v1/tickets/", "post", "201", "Location"));
    assert!(required("/api/v1/tickets/{id}/", "get", "200", "ETag"));
    assert!(required("/api/v1/tickets/{id}/", "patch", "200", "ETag"));
    assert!(required("/api/v1/tickets/{id}/", "put", "200", "ETag"));
    // The health body of an unready server carries no Retry-After.
    assert!(!required("/readyz", "get", "503", "Retry-After"));
}
