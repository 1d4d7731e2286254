//! Input abuse beyond what `platform`, `uploads` and `lists` cover: oversize bodies that leave
//! nothing behind (also chunked, without a length), hostile multipart forms, hostile file names,
//! Unicode edge cases (RTL, emoji, NUL, lone surrogates) in every text field, deeply nested
//! JSON, wrong content types on every JSON endpoint, huge query strings, invalid cursors on
//! every list. Every refusal is a 4xx problem+json and the server keeps answering.

use reqwest::Method;
use serde_json::{Value, json};
use ticketing_domain::Role;
use ticketing_server::settings::ByteSize;

use crate::api::helpers::*;

const BOUNDARY: &str = "abuse-boundary-7d3f";

/// A multipart body made by hand (so that names and headers can be anything): each part is its
/// raw header lines and its content.
fn multipart(parts: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (headers, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        body.extend_from_slice(headers);
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn file_part(filename: &[u8]) -> Vec<u8> {
    let mut h = b"Content-Disposition: form-data; name=\"file\"; filename=\"".to_vec();
    h.extend_from_slice(filename);
    h.extend_from_slice(b"\"\r\nContent-Type: text/plain");
    h
}

/// POSTs a raw multipart body to the ticket's attachments, with a length or chunked.
async fn post_raw(app: &TestApp, token: &str, ticket: &str, body: Vec<u8>, chunked: bool) -> Resp {
    let rb = app
        .request(
            Method::POST,
            &format!("/api/v1/tickets/{ticket}/attachments/"),
            Some(token),
        )
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    let rb = if chunked {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            body.chunks(8192).map(|c| Ok(c.to_vec())).collect();
        rb.body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
    } else {
        rb.body(body)
    };
    fetch(rb).await
}

#[track_caller]
fn assert_nothing_stored(app: &TestApp) {
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
}

async fn alive(app: &TestApp) {
    app.get("/healthz", None).await.assert_status(200);
}

async fn oversize_bodies_store_nothing(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.attachments.max_upload = ByteSize(4096)).await;
    let carol = app.register("carol").await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let tp = format!("/api/v1/tickets/{id}/");
    let big = "x".repeat(70 * 1024);

    // JSON over 64 KiB, with a length and chunked: 413, and nothing changed anywhere.
    let bodies = [
        (
            "POST",
            "/api/v1/tickets/".to_owned(),
            json!({"topic": "t", "description": big}),
        ),
        ("PATCH", tp.clone(), json!({"description": big})),
        ("POST", format!("{tp}messages/"), json!({"message": big})),
        (
            "PATCH",
            "/api/v1/users/profile/".to_owned(),
            json!({"first_name": big}),
        ),
        (
            "POST",
            "/api/v1/users/auth/register/".to_owned(),
            json!({"email": "big@example.com", "password": PASSWORD, "last_name": big}),
        ),
    ];
    for (method, path, body) in &bodies {
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        fetch(app.request(m.clone(), path, Some(&carol.access)).json(body))
            .await
            .assert_problem(413, "payload_too_large");
        let bytes = serde_json::to_vec(body).unwrap();
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            bytes.chunks(4096).map(|c| Ok(c.to_vec())).collect();
        fetch(
            app.request(m, path, Some(&carol.access))
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    chunks,
                ))),
        )
        .await
        .assert_problem(413, "payload_too_large");
    }
    let list = app.get("/api/v1/tickets/", Some(&carol.access)).await;
    assert_eq!(list.header("x-total-count"), Some("1"));
    let d = app.get(&tp, Some(&carol.access)).await;
    assert_eq!(d.body["version"], 1);
    assert_eq!(d.body["message_count"], 0);
    assert_eq!(d.body["activities"].as_array().unwrap().len(), 1);
    let me = app.get("/api/v1/users/profile/", Some(&carol.access)).await;
    assert_eq!(me.body["first_name"], "First");
    app.post(
        "/api/v1/users/auth/login/",
        None,
        &json!({"email": "big@example.com", "password": PASSWORD}),
    )
    .await
    .assert_problem(401, "unauthenticated");

    // An upload over the limit sent chunked (no Content-Length to refuse it early): 413 while
    // streaming, no file and no temp file left, no row.
    let content = vec![b'z'; 64 * 1024];
    let body = multipart(&[(&file_part(b"big.txt"), &content)]);
    post_raw(&app, &carol.access, id, body.clone(), true)
        .await
        .assert_problem(413, "payload_too_large");
    post_raw(&app, &carol.access, id, body, false)
        .await
        .assert_problem(413, "payload_too_large");
    assert_nothing_stored(&app);
    let list = app
        .get(&format!("{tp}attachments/"), Some(&carol.access))
        .await;
    assert_eq!(list.body, json!([]));
    alive(&app).await;
}

async fn hostile_multipart_forms(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let m = app.message(&carol.access, id, "hello", false).await;
    let mid = m["id"].as_str().unwrap().to_owned();
    let msg_part = b"Content-Disposition: form-data; name=\"message_id\"".to_vec();

    // Many parts: refused once past the few a form can have, before any file is stored.
    let mut parts: Vec<(&[u8], &[u8])> = Vec::new();
    for _ in 0..1000 {
        parts.push((&msg_part, mid.as_bytes()));
    }
    let file = file_part(b"a.txt");
    parts.push((&file, b"abc"));
    post_raw(&app, &carol.access, id, multipart(&parts), false)
        .await
        .assert_problem(400, "validation_failed");
    post_raw(&app, &carol.access, id, multipart(&parts), true)
        .await
        .assert_problem(400, "validation_failed");
    // Parts after the file: the stored file is discarded.
    let after: Vec<(&[u8], &[u8])> = vec![(&file, b"abc"), (&msg_part, mid.as_bytes())];
    post_raw(&app, &carol.access, id, multipart(&after), false)
        .await
        .assert_problem(400, "validation_failed");
    // No file part, only text; an empty form; a form field too long.
    let only_text: Vec<(&[u8], &[u8])> = vec![(&msg_part, mid.as_bytes())];
    let res = post_raw(&app, &carol.access, id, multipart(&only_text), false).await;
    res.assert_problem(400, "validation_failed");
    assert_eq!(res.body["errors"], json!({"file": ["a file is required"]}));
    post_raw(&app, &carol.access, id, multipart(&[]), false)
        .await
        .assert_problem(400, "validation_failed");
    let long_id = "1".repeat(10_000);
    let long: Vec<(&[u8], &[u8])> = vec![(&msg_part, long_id.as_bytes()), (&file, b"abc")];
    post_raw(&app, &carol.access, id, multipart(&long), false)
        .await
        .assert_problem(400, "validation_failed");
    // A part without a name; a part whose headers are not UTF-8.
    let nameless: Vec<(&[u8], &[u8])> = vec![(b"Content-Disposition: form-data", b"abc")];
    post_raw(&app, &carol.access, id, multipart(&nameless), false)
        .await
        .assert_problem(400, "validation_failed");
    // Broken framing: no closing boundary, garbage, a boundary that is never used, no boundary.
    let mut unterminated = multipart(&[(&file, b"abc")]);
    unterminated.truncate(unterminated.len() - BOUNDARY.len() - 8);
    for body in [unterminated, b"garbage, not a form".to_vec()] {
        let res = post_raw(&app, &carol.access, id, body, false).await;
        assert!(
            res.status == 400 || res.status == 413,
            "{}: {}",
            res.status,
            res.text()
        );
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
    }
    let res = fetch(
        app.request(
            Method::POST,
            &format!("/api/v1/tickets/{id}/attachments/"),
            Some(&carol.access),
        )
        .header("content-type", "multipart/form-data")
        .body(multipart(&[(&file, b"abc")])),
    )
    .await;
    res.assert_problem(400, "validation_failed");
    assert_nothing_stored(&app);
    let list = app
        .get(
            &format!("/api/v1/tickets/{id}/attachments/"),
            Some(&carol.access),
        )
        .await;
    assert_eq!(list.body, json!([]));
    alive(&app).await;
}

async fn hostile_file_names(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let long = format!("{}.txt", "n".repeat(1000));
    // `None`: the part's header itself is malformed (control bytes), refused by the multipart
    // parser with a 400 before any byte is stored.
    let cases: Vec<(Vec<u8>, Option<&str>)> = vec![
        (b"../../../../etc/passwd".to_vec(), Some("passwd")),
        // Backslashes escaped as the quoted-string of the header requires: Windows paths.
        (
            b"..\\\\..\\\\windows\\\\system32\\\\cmd.exe".to_vec(),
            Some("cmd.exe"),
        ),
        // Unescaped, a backslash is a quoted-pair: the separators vanish, nothing traverses.
        (
            b"..\\..\\windows\\system32\\cmd.exe".to_vec(),
            Some("windowssystem32cmd.exe"),
        ),
        (b"/absolute/path/report.pdf".to_vec(), Some("report.pdf")),
        (b"..".to_vec(), Some("file")),
        (b"...".to_vec(), Some("file")),
        (b".bashrc".to_vec(), Some("bashrc")),
        (b"".to_vec(), Some("file")),
        (b"a\tb\x01c\x7f.txt".to_vec(), None),
        (b"nul\x00byte.txt".to_vec(), None),
        (b"tab\there.txt".to_vec(), Some("tabhere.txt")),
        (
            "invoice\u{202E}fdp.exe".as_bytes().to_vec(),
            Some("invoicefdp.exe"),
        ),
        (
            "\u{2066}evil\u{2069}.txt".as_bytes().to_vec(),
            Some("evil.txt"),
        ),
        (
            "résumé 😀 ملف.pdf".as_bytes().to_vec(),
            Some("résumé 😀 ملف.pdf"),
        ),
        (long.as_bytes().to_vec(), Some(&long[..255])),
    ];
    for (raw, expected) in &cases {
        let body = multipart(&[(&file_part(raw), b"payload")]);
        let res = post_raw(&app, &carol.access, id, body, false).await;
        let Some(expected) = expected else {
            res.assert_problem(400, "validation_failed");
            continue;
        };
        res.assert_status(201);
        let name = res.body["filename"].as_str().unwrap().to_owned();
        assert_eq!(name, *expected, "for {:?}", String::from_utf8_lossy(raw));
        // The download carries one safe Content-Disposition, whatever the name was.
        let dl = fetch(
            app.client
                .get(app.url(res.body["file_url"].as_str().unwrap())),
        )
        .await;
        dl.assert_status(200);
        assert_eq!(dl.bytes, b"payload");
        let cd = dl.header("content-disposition").unwrap();
        assert!(cd.starts_with("attachment; filename=\""), "{cd}");
        assert!(
            cd.is_ascii() && !cd.contains('\r') && !cd.contains('\n'),
            "{cd}"
        );
        assert!(!cd.contains("..") || expected.contains(".."), "{cd}");
        assert_eq!(dl.header("x-content-type-options"), Some("nosniff"));
    }
    // A CR/LF in the name cannot inject a header: the part's header line ends there, so the
    // name is cut (or the part refused), never echoed as a header.
    let body = multipart(&[(
        b"Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\r\nX-Injected: yes\"",
        b"payload",
    )]);
    let res = post_raw(&app, &carol.access, id, body, false).await;
    if res.status == 201 {
        let dl = fetch(
            app.client
                .get(app.url(res.body["file_url"].as_str().unwrap())),
        )
        .await;
        assert!(dl.header("x-injected").is_none());
    } else {
        res.assert_problem(400, "validation_failed");
    }
    // Every stored file is inside the attachment store, under a name the server chose.
    let root = app.data_dir().join("attachments").join("files");
    for f in app.stored_files() {
        assert!(f.starts_with(&root), "{}", f.display());
        let name = f.file_name().unwrap().to_str().unwrap();
        assert!(
            name.len() == 32 && name.chars().all(|c| c.is_ascii_hexdigit()),
            "{name}"
        );
    }
    alive(&app).await;
}

/// Strings every text field gets: they must be stored and returned exactly (after trimming).
const KEPT: &[&str] = &[
    "مرحبا بالعالم",                // right-to-left script
    "שלום \u{200F}עולם",            // Hebrew with a right-to-left mark
    "emoji 😀👩‍👩‍👧‍👦🏳️‍🌈",                 // astral plane, ZWJ sequences
    "e\u{301}\u{301}\u{301} zalgo", // combining marks
    "\u{FEFF}zero\u{200B}width",    // BOM and zero-width space inside
    "\u{10FFFF} last code point",   // the last scalar value
];

/// Strings no text field may take (400, never a 500 from a database that cannot store them).
const REFUSED: &[&str] = &[
    "nul \u{0} inside",
    "escape \u{1b}[31m",
    "c1 \u{85}\u{9b} controls",
];

async fn unicode_in_every_text_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "Plain").await;
    let id = t["id"].as_str().unwrap().to_owned();
    let tp = format!("/api/v1/tickets/{id}/");

    for s in KEPT {
        // topic and description, on create and on update
        let res = app
            .post(
                "/api/v1/tickets/",
                Some(&carol.access),
                &json!({"topic": s, "description": s}),
            )
            .await;
        res.assert_status(201);
        assert_eq!(res.body["topic"], *s);
        assert_eq!(res.body["description"], *s);
        let got = app
            .get(
                &format!("/api/v1/tickets/{}/", res.body["id"].as_str().unwrap()),
                Some(&carol.access),
            )
            .await;
        assert_eq!(got.body["topic"], *s);
        let res = app
            .patch(
                &tp,
                Some(&carol.access),
                &json!({"topic": s, "description": s}),
            )
            .await;
        res.assert_status(200);
        assert_eq!(res.body["topic"], *s);
        // messages and internal notes
        let res = app
            .post(
                &format!("{tp}messages/"),
                Some(&alice.access),
                &json!({"message": s, "internal": true}),
            )
            .await;
        res.assert_status(201);
        assert_eq!(res.body["message"], *s);
        // names
        let res = app
            .patch(
                "/api/v1/users/profile/",
                Some(&carol.access),
                &json!({"first_name": s, "last_name": s}),
            )
            .await;
        res.assert_status(200);
        assert_eq!(res.body["first_name"], *s);
        // search: never a 5xx; a query with letters or digits is fine
        let res = app
            .get(
                &format!("/api/v1/tickets/?q={}", urlencode(s)),
                Some(&carol.access),
            )
            .await;
        res.assert_status(200);
    }
    // Right-to-left words are found by search, on both databases.
    let res = app
        .get(
            &format!("/api/v1/tickets/?q={}", urlencode("مرحبا")),
            Some(&carol.access),
        )
        .await;
    res.assert_status(200);
    assert!(
        res.header("x-total-count").unwrap() != "0",
        "{}",
        res.text()
    );

    for s in REFUSED {
        for (method, path, body, field) in [
            (
                Method::POST,
                "/api/v1/tickets/".to_owned(),
                json!({"topic": s, "description": "d"}),
                "topic",
            ),
            (
                Method::POST,
                "/api/v1/tickets/".to_owned(),
                json!({"topic": "t", "description": s}),
                "description",
            ),
            (Method::PATCH, tp.clone(), json!({"topic": s}), "topic"),
            (
                Method::POST,
                format!("{tp}messages/"),
                json!({"message": s}),
                "message",
            ),
            (
                Method::PATCH,
                "/api/v1/users/profile/".to_owned(),
                json!({"first_name": s}),
                "first_name",
            ),
            (
                Method::PATCH,
                "/api/v1/users/profile/".to_owned(),
                json!({"last_name": s}),
                "last_name",
            ),
            (
                Method::PATCH,
                "/api/v1/users/profile/".to_owned(),
                json!({"email": format!("a{s}@example.com")}),
                "email",
            ),
            (
                Method::POST,
                "/api/v1/users/auth/register/".to_owned(),
                json!({"email": "x@example.com", "username": format!("user{s}"), "password": PASSWORD}),
                "username",
            ),
        ] {
            let res = app
                .send_json(method.clone(), &path, Some(&carol.access), &body)
                .await;
            res.assert_problem(400, "validation_failed");
            assert!(
                res.body["errors"][field].is_array(),
                "{method} {path} {field}: {}",
                res.text()
            );
        }
        // Login names with controls are refused as input, not looked up.
        app.post(
            "/api/v1/users/auth/login/",
            None,
            &json!({"username": format!("carol{s}"), "password": PASSWORD}),
        )
        .await
        .assert_problem(400, "validation_failed");
    }
    // Usernames: letters of any script are fine, emoji and bidi controls are not.
    let res = app
        .post(
            "/api/v1/users/auth/register/",
            None,
            &json!({"email": "arabic@example.com", "username": "مستخدم", "password": PASSWORD}),
        )
        .await;
    res.assert_status(201);
    assert_eq!(res.body["user"]["username"], "مستخدم");
    for name in ["emoji😀", "rtl\u{202E}name", "zero\u{200B}width"] {
        app.post(
            "/api/v1/users/auth/register/",
            None,
            &json!({"email": "u@example.com", "username": name, "password": PASSWORD}),
        )
        .await
        .assert_problem(400, "validation_failed");
    }
    // A password may hold any character (it is only hashed): NUL and emoji included.
    let pw = "pass\u{0}word 😀 long enough";
    app.post(
        "/api/v1/users/auth/register/",
        None,
        &json!({"email": "nul@example.com", "password": pw}),
    )
    .await
    .assert_status(201);
    app.post(
        "/api/v1/users/auth/login/",
        None,
        &json!({"email": "nul@example.com", "password": pw}),
    )
    .await
    .assert_status(200);
    // Search text with a NUL or only symbols: refused or harmless, never a 5xx.
    app.get("/api/v1/tickets/?q=%00", Some(&carol.access))
        .await
        .assert_problem(400, "validation_failed");
    app.get("/api/v1/tickets/?q=a%00b", Some(&carol.access))
        .await
        .assert_status(200);
    app.get(
        &format!("/api/v1/tickets/?q={}", urlencode("😀😀")),
        Some(&carol.access),
    )
    .await
    .assert_problem(400, "validation_failed");

    // JSON that is not valid UTF-8 or holds a lone surrogate: 400.
    let raw_bodies: [&[u8]; 4] = [
        b"{\"topic\": \"\xff\xfe\", \"description\": \"d\"}",
        br#"{"topic": "\ud800", "description": "d"}"#,
        br#"{"topic": "\udc00x", "description": "d"}"#,
        b"\xef\xbb\xbf{\"topic\": \"bom\", \"description\": \"d\"}",
    ];
    for body in raw_bodies {
        fetch(
            app.request(Method::POST, "/api/v1/tickets/", Some(&carol.access))
                .header("content-type", "application/json")
                .body(body.to_vec()),
        )
        .await
        .assert_problem(400, "validation_failed");
    }
    alive(&app).await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn nested_json_and_wrong_content_types(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let root = app.staff("root", Role::Admin).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let tp = format!("/api/v1/tickets/{id}/");

    // Deeply nested JSON within the size limit: a 400, not a stack overflow.
    let depth = 30_000;
    let nested_array = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let nested_in_field = format!(
        "{{\"topic\": {}1{}, \"description\": \"d\"}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let nested_objects = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    for body in [nested_array, nested_in_field, nested_objects] {
        fetch(
            app.request(Method::POST, "/api/v1/tickets/", Some(&carol.access))
                .header("content-type", "application/json")
                .body(body),
        )
        .await
        .assert_problem(400, "validation_failed");
    }
    // Many unknown keys: 400 naming one of them.
    let mut many = serde_json::Map::new();
    for i in 0..3000 {
        many.insert(format!("k{i}"), json!(i));
    }
    app.post(
        "/api/v1/tickets/",
        Some(&carol.access),
        &Value::Object(many),
    )
    .await
    .assert_problem(400, "validation_failed");

    // Every JSON endpoint refuses other content types with 415 (and a missing one too).
    let endpoints: Vec<(Method, String, &str)> = vec![
        (
            Method::POST,
            "/api/v1/users/auth/register/".into(),
            r#"{"email": "z@example.com", "password": "correct horse battery staple"}"#,
        ),
        (
            Method::POST,
            "/api/v1/users/auth/login/".into(),
            r#"{"username": "carol", "password": "correct horse battery staple"}"#,
        ),
        (
            Method::PUT,
            "/api/v1/users/profile/".into(),
            r#"{"first_name": "X"}"#,
        ),
        (
            Method::PATCH,
            "/api/v1/users/profile/".into(),
            r#"{"first_name": "X"}"#,
        ),
        (
            Method::POST,
            "/api/v1/users/profile/change-password/".into(),
            r#"{"old_password": "x", "new_password": "y"}"#,
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{}/", carol.id),
            r#"{"role": "agent"}"#,
        ),
        (
            Method::POST,
            "/api/v1/tickets/".into(),
            r#"{"topic": "t", "description": "d"}"#,
        ),
        (Method::PUT, tp.clone(), r#"{"topic": "t2"}"#),
        (Method::PATCH, tp.clone(), r#"{"topic": "t2"}"#),
        (
            Method::POST,
            format!("{tp}messages/"),
            r#"{"message": "m"}"#,
        ),
    ];
    for (method, path, body) in &endpoints {
        for ct in [
            Some("text/plain"),
            Some("application/xml"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/jsonp"),
            Some("text/json-ish"),
            None,
        ] {
            let mut rb = app
                .request(method.clone(), path, Some(&root.access))
                .body(*body);
            if let Some(ct) = ct {
                rb = rb.header("content-type", ct);
            }
            let res = fetch(rb).await;
            assert_eq!(
                res.status,
                415,
                "{method} {path} with {ct:?}: {}",
                res.text()
            );
            assert_eq!(res.body["code"], "unsupported_media_type");
        }
    }
    // Nothing was changed by any of them.
    let d = app.get(&tp, Some(&carol.access)).await;
    assert_eq!(d.body["version"], 1);
    assert_eq!(d.body["message_count"], 0);
    let me = app.get("/api/v1/users/profile/", Some(&carol.access)).await;
    assert_eq!(me.body["role"], "customer");
    alive(&app).await;
}

async fn huge_query_strings_and_invalid_cursors(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.staff("alice", Role::Agent).await;
    for i in 0..3 {
        app.ticket(&alice.access, &format!("T{i}")).await;
    }
    let lists = [
        "/api/v1/tickets/",
        "/api/v1/my-tickets/",
        "/api/v1/assigned-tickets/",
        "/api/v1/users/",
    ];
    // Huge query strings: a 400 problem+json (the limit is 4 KiB), the server keeps answering.
    for size in [5_000, 16_000, 60_000] {
        for list in lists {
            let res = app
                .get(
                    &format!("{list}?q={}", "a".repeat(size)),
                    Some(&alice.access),
                )
                .await;
            res.assert_problem(400, "validation_failed");
        }
    }
    // Very many parameters within the limit.
    let many = vec!["status=open"; 300].join("&");
    app.get(&format!("/api/v1/tickets/?{many}"), Some(&alice.access))
        .await
        .assert_status(200);
    alive(&app).await;

    // Invalid cursors on every list: 400 naming `cursor`.
    let tickets_page = app
        .get("/api/v1/tickets/?limit=1", Some(&alice.access))
        .await;
    let ticket_cursor = tickets_page
        .header("link")
        .unwrap()
        .split("cursor=")
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    let _bob = app.register("bob").await;
    let _cid = app.register("cid").await;
    let users_page = app.get("/api/v1/users/?limit=1", Some(&alice.access)).await;
    let user_cursor = users_page
        .header("link")
        .unwrap()
        .split("cursor=")
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    let b64 = |s: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    };
    let common = vec![
        "garbage".to_owned(),
        "%00".to_owned(),
        "a".repeat(300),
        b64("\u{0}\u{1}\u{2}"),
        "_w".to_owned(), // base64 of a byte that is not UTF-8
        format!("{}==", b64("u1|x|y")),
        b64(&format!("u1|{}|alice", "z".repeat(32))),
        b64("1|-created_at|t99999999999999999999999|00000000000000000000000000000000"),
        b64("1|-created_at|t-9223372036854775808|00000000000000000000000000000000"),
        b64("1|priority|r99|00000000000000000000000000000000"),
        b64("1|-created_at|t1|not-a-uuid"),
        b64("1|-created_at|t1|00000000000000000000000000000000|extra"),
        b64("2|-created_at|t1|00000000000000000000000000000000"),
    ];
    for list in lists {
        let mut cursors = common.clone();
        // The other list's cursor.
        cursors.push(if list == "/api/v1/users/" {
            ticket_cursor.clone()
        } else {
            user_cursor.clone()
        });
        for cursor in &cursors {
            let res = app
                .get(&format!("{list}?cursor={cursor}"), Some(&alice.access))
                .await;
            res.assert_problem(400, "validation_failed");
            assert!(
                res.body["errors"]["cursor"].is_array(),
                "{list} cursor={cursor}: {}",
                res.text()
            );
        }
    }
    alive(&app).await;
}

backend_tests!(
    oversize_bodies_store_nothing,
    hostile_multipart_forms,
    hostile_file_names,
    unicode_in_every_text_field,
    nested_json_and_wrong_content_types,
    huge_query_strings_and_invalid_cursors,
);
