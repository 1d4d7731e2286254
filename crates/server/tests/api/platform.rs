//! Around the API: health, OpenAPI and Swagger UI, the web UI, security headers, and the HTTP
//! edges (trailing slashes, HEAD, 405, 404, 413, 415, malformed bodies and queries).

use reqwest::Method;
use serde_json::json;

use crate::api::helpers::*;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

#[track_caller]
fn assert_security_headers(res: &Resp) {
    assert_eq!(res.header("x-frame-options"), Some("DENY"), "{res:?}");
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("referrer-policy"), Some("same-origin"));
    let csp = res.header("content-security-policy").expect("a CSP");
    assert!(!csp.contains("'unsafe-inline'") || csp.contains("style-src 'self' 'unsafe-inline'"));
    assert!(csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe"));
}

async fn health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/healthz", "/readyz"] {
        let res = app.get(path, None).await;
        res.assert_status(200);
        assert_eq!(res.body, json!({"status": "ok"}));
        assert_eq!(res.header("content-type"), Some("application/json"));
        assert_security_headers(&res);
        assert_eq!(res.header("content-security-policy"), Some(CSP));
        let head = fetch(app.request(Method::HEAD, path, None)).await;
        head.assert_status(200);
        assert!(head.bytes.is_empty());
        let post = app.post(path, None, &json!({})).await;
        post.assert_problem(405, "method_not_allowed");
        assert_eq!(post.header("allow"), Some("GET, HEAD"));
    }
}

async fn openapi_and_swagger_ui(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/api/schema/", "/api/schema"] {
        let res = app.get(path, None).await;
        res.assert_status(200);
        assert!(
            res.header("content-type")
                .unwrap()
                .starts_with("application/json"),
            "{:?}",
            res.header("content-type")
        );
        assert_eq!(res.body["openapi"], "3.1.0");
        assert_eq!(
            res.body,
            serde_json::from_str::<serde_json::Value>(&ticketing_http::openapi_json()).unwrap()
        );
        let paths = res.body["paths"].as_object().unwrap();
        for p in [
            "/api/v1/users/auth/register/",
            "/api/v1/tickets/",
            "/api/v1/tickets/{id}/attachments/{aid}/download/",
        ] {
            assert!(paths.contains_key(p), "{p} is documented");
        }
        assert_security_headers(&res);
    }
    for path in ["/api/docs/", "/api/docs"] {
        let res = app.get(path, None).await;
        res.assert_status(200);
        assert!(res.header("content-type").unwrap().starts_with("text/html"));
        let html = res.text();
        assert!(html.contains("swagger-ui"), "{html}");
        assert!(
            !html.contains("https://"),
            "served from the binary, no CDN: {html}"
        );
        assert_security_headers(&res);
    }
    let res = app.get("/api/docs/swagger-initializer.js", None).await;
    res.assert_status(200);
    assert!(res.text().contains("/api/schema/"));
}

async fn web_ui_and_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/", None).await;
    res.assert_status(200);
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    assert!(res.text().to_lowercase().contains("<!doctype html"));
    assert_eq!(res.header("content-security-policy"), Some(CSP));
    assert_security_headers(&res);
    let head = fetch(app.request(Method::HEAD, "/", None)).await;
    head.assert_status(200);
    assert!(head.bytes.is_empty());
    let post = app.post("/", None, &json!({})).await;
    post.assert_problem(405, "method_not_allowed");
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    assert_eq!(post.header("content-security-policy"), Some(CSP));

    // Error answers carry the same headers, API or not.
    for path in [
        "/no-such-page.html",
        "/api/v1/nothing-here/",
        "/api/nothing/",
        "/.env",
        "/api/v1/tickets/x/y/z/",
    ] {
        let res = app.get(path, None).await;
        res.assert_problem(404, "not_found");
        assert_eq!(res.header("content-security-policy"), Some(CSP), "{path}");
        assert_security_headers(&res);
    }
    let res = app.get("/api/v1/tickets/", None).await;
    res.assert_problem(401, "unauthenticated");
    assert_eq!(res.header("content-security-policy"), Some(CSP));
    assert_security_headers(&res);
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
}

async fn http_edges(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();

    // Paths without the trailing slash are answered as with it.
    let res = app.get("/api/v1/tickets", Some(&carol.access)).await;
    res.assert_status(200);
    assert_eq!(ids(&res.body), vec![id.to_owned()]);
    let res = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&carol.access))
        .await;
    res.assert_status(200);
    assert_eq!(res.body["id"], id);
    let res = app
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            Some(&carol.access),
            &json!({"message": "hi"}),
        )
        .await;
    res.assert_status(201);
    let res = app.get("/api/v1/users/profile", Some(&carol.access)).await;
    res.assert_status(200);
    app.post("/api/v1/users/auth/login", None, &json!({"password": ""}))
        .await
        .assert_problem(400, "validation_failed");
    for path in ["/api/v1//tickets//", "//api//v1//tickets"] {
        let res = app.get(path, Some(&carol.access)).await;
        res.assert_status(200);
        assert_eq!(ids(&res.body), vec![id.to_owned()]);
    }

    // HEAD on lists keeps the headers, drops the body.
    let head = fetch(app.request(Method::HEAD, "/api/v1/tickets/", Some(&carol.access))).await;
    head.assert_status(200);
    assert_eq!(head.header("x-total-count"), Some("1"));
    assert!(head.bytes.is_empty());

    // 405 with Allow.
    for (method, path, allow) in [
        (
            Method::DELETE,
            "/api/v1/tickets/".to_owned(),
            "GET, HEAD, POST",
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{id}/"),
            "GET, HEAD, PUT, PATCH, DELETE",
        ),
        (Method::GET, "/api/v1/users/auth/login/".to_owned(), "POST"),
        (Method::PUT, "/api/v1/users/auth/refresh".to_owned(), "POST"),
        (
            Method::DELETE,
            "/api/v1/users/profile/".to_owned(),
            "GET, HEAD, PUT, PATCH",
        ),
        (
            Method::GET,
            "/api/v1/users/profile/change-password/".to_owned(),
            "POST",
        ),
        (Method::GET, format!("/api/v1/users/{}/", carol.id), "PATCH"),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{id}/messages/"),
            "GET, HEAD, POST",
        ),
        (
            Method::PUT,
            format!("/api/v1/tickets/{id}/attachments/"),
            "GET, HEAD, POST",
        ),
        (
            Method::GET,
            format!("/api/v1/tickets/{id}/attachments/{id}/"),
            "DELETE",
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{id}/activities/"),
            "GET, HEAD",
        ),
        (Method::POST, "/api/v1/my-tickets/".to_owned(), "GET, HEAD"),
        (
            Method::DELETE,
            "/api/v1/assigned-tickets/".to_owned(),
            "GET, HEAD",
        ),
    ] {
        let res = fetch(app.request(method.clone(), &path, Some(&carol.access))).await;
        res.assert_problem(405, "method_not_allowed");
        assert_eq!(res.header("allow"), Some(allow), "{method} {path}");
        assert_security_headers(&res);
    }

    // A non-UUID id is 404 wherever an id goes.
    for path in [
        "/api/v1/tickets/123/".to_owned(),
        "/api/v1/tickets/not-a-uuid/messages/".to_owned(),
        "/api/v1/tickets/not-a-uuid/attachments/".to_owned(),
        "/api/v1/tickets/not-a-uuid/activities/".to_owned(),
        format!("/api/v1/tickets/{id}/attachments/xyz/download/"),
    ] {
        app.get(&path, Some(&carol.access))
            .await
            .assert_problem(404, "not_found");
    }

    // Bodies: wrong or missing content type 415, malformed 400, too large 413.
    let tickets = app.url("/api/v1/tickets/");
    let send = |rb: reqwest::RequestBuilder| fetch(rb.bearer_auth(&carol.access));
    send(
        app.client
            .post(&tickets)
            .header("content-type", "text/plain")
            .body(r#"{"topic": "t", "description": "d"}"#),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    send(
        app.client
            .post(&tickets)
            .body(r#"{"topic": "t", "description": "d"}"#),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    send(
        app.client
            .post(&tickets)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("topic=t&description=d"),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    send(
        app.client
            .post(&tickets)
            .header("content-type", "application/json")
            .body(r#"{"topic": "t", "description": "d""#),
    )
    .await
    .assert_problem(400, "validation_failed");
    send(
        app.client
            .post(&tickets)
            .header("content-type", "application/json")
            .body("not json at all"),
    )
    .await
    .assert_problem(400, "validation_failed");
    send(
        app.client
            .post(&tickets)
            .header("content-type", "application/json"),
    )
    .await
    .assert_problem(400, "validation_failed");
    let res = send(
        app.client
            .post(&tickets)
            .header("content-type", "application/json; charset=utf-8")
            .body(r#"{"topic": "t", "description": "d"}"#),
    )
    .await;
    res.assert_status(201);
    let huge = json!({"topic": "t", "description": "x".repeat(70 * 1024)});
    send(app.client.post(&tickets).json(&huge))
        .await
        .assert_problem(413, "payload_too_large");
    let res = app
        .patch(
            &format!("/api/v1/tickets/{id}/"),
            Some(&carol.access),
            &huge,
        )
        .await;
    res.assert_problem(413, "payload_too_large");

    // Query strings.
    app.get("/api/v1/tickets/?limit=%FF", Some(&carol.access))
        .await
        .assert_problem(400, "validation_failed");
    let res = app
        .get(
            &format!("/api/v1/tickets/?q={}", "x".repeat(5000)),
            Some(&carol.access),
        )
        .await;
    res.assert_problem(400, "validation_failed");
    // Unknown query parameters are refused (`?page=2` must not silently give page 1); the
    // cache buster `_` is allowed.
    let res = app
        .get("/api/v1/tickets/?page=2", Some(&carol.access))
        .await;
    res.assert_problem(400, "validation_failed");
    assert_eq!(
        res.body["errors"]["page"][0]
            .as_str()
            .map(|m| m.starts_with("unknown parameter")),
        Some(true),
        "{}",
        res.text()
    );
    app.get("/api/v1/tickets/?_=123", Some(&carol.access))
        .await
        .assert_status(200);
}

backend_tests!(
    health_and_readiness,
    openapi_and_swagger_ui,
    web_ui_and_security_headers,
    http_edges,
);

/// The `ticketing` binary turns transparent huge pages off for itself at start
/// (`ticketing_server::huge_pages`: with them, its sparse heap took up to twice the memory),
/// whatever the system's setting, and says so in `/proc/PID/status`.
#[tokio::test]
async fn the_server_process_runs_without_transparent_huge_pages() {
    let server = super::events::ServerProcess::start(None);
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("THP_enabled:"))
        .expect("a kernel that reports THP_enabled (5.0 and later)");
    assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
    // This test process itself is left as the system has it: the switch is per process.
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    assert!(own.contains("THP_enabled:\t1"), "{own}");
}
