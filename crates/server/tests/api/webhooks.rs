//! Webhooks end to end: an admin registers an endpoint, the server's dispatcher delivers the
//! outbox's events to a receiver started by the test (plain HTTP on 127.0.0.1), and the Standard
//! Webhooks reference implementation (PyPI `standardwebhooks`, run through
//! scripts/webhook-verify.py) verifies each signature. Retries after a 500, order per endpoint,
//! staff-only events kept from endpoints that did not ask for them, secret rotation (both
//! signatures verify), the delivery log, private addresses refused without
//! `TICKETING_WEBHOOK_ALLOW_PRIVATE`, and the audit log.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use ticketing_domain::Role;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::api::helpers::*;

const WEBHOOKS: &str = "/api/v1/webhooks/";

/// One request as received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    /// Header names in lower case.
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A minimal HTTP/1.1 receiver on 127.0.0.1:0 that records every request and answers each
/// path with the statuses queued for it (then 200 `thanks`).
struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    plan: Arc<Mutex<HashMap<String, VecDeque<u16>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let plan: Arc<Mutex<HashMap<String, VecDeque<u16>>>> = Arc::default();
        let (log, answers) = (Arc::clone(&received), Arc::clone(&plan));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (log, answers) = (Arc::clone(&log), Arc::clone(&answers));
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    // Keep-alive: one request after the other on this connection.
                    while let Some(request) = read_request(&mut reader).await {
                        let status = answers
                            .lock()
                            .unwrap()
                            .get_mut(&request.path)
                            .and_then(VecDeque::pop_front)
                            .unwrap_or(200);
                        log.lock().unwrap().push(request);
                        let body = if status == 200 {
                            "thanks"
                        } else {
                            "database down"
                        };
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if write.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            port,
            received,
            plan,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The next answers to `path` (then 200).
    fn answer(&self, path: &str, statuses: &[u16]) {
        self.plan
            .lock()
            .unwrap()
            .insert(path.to_owned(), statuses.iter().copied().collect());
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (at most `within`), returns them all.
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < within,
                "expected {n} deliveries within {within:?}, got {}: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn read_request<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R) -> Option<Received> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let path = line.split(' ').nth(1)?.to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).await.ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Received {
        path,
        headers,
        body,
    })
}

/// The Python with the `standardwebhooks` package: `TICKETING_WEBHOOK_PYTHON`, else the venv of
/// scripts/ensure-webhook-venv.sh. Missing, the test fails and says how to install it.
fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let python = std::env::var("TICKETING_WEBHOOK_PYTHON").unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_default();
            format!("{home}/.cache/venv-webhooks/bin/python")
        });
        let ok = Command::new(&python)
            .args(["-c", "import standardwebhooks"])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "the webhook tests need Python with the `standardwebhooks` package at {python} \
             (or TICKETING_WEBHOOK_PYTHON): bash scripts/ensure-webhook-venv.sh"
        );
        python
    })
}

/// Whether the reference implementation accepts `request` for `secret`.
fn reference_verifies(secret: &str, request: &Received) -> bool {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/webhook-verify.py");
    let input = json!({
        "secret": secret,
        "headers": request.headers,
        "body_base64": base64::engine::general_purpose::STANDARD.encode(&request.body),
    });
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    match out.status.code() {
        Some(0) => true,
        Some(1) => false,
        _ => panic!(
            "webhook-verify.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A server that may deliver to 127.0.0.1 (the test receiver).
async fn app_allowing_private(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.webhooks.allow_private = true).await
}

/// Registers an endpoint as `admin`; returns the answer (with its `secret`).
async fn register(
    app: &TestApp,
    admin: &TestUser,
    url: &str,
    types: &[&str],
    staff: bool,
) -> Value {
    let res = app
        .post(
            WEBHOOKS,
            Some(&admin.access),
            &json!({"url": url, "event_types": types, "include_staff_events": staff}),
        )
        .await;
    res.assert_status(201);
    res.body
}

async fn deliveries(app: &TestApp, admin: &TestUser, id: &str) -> Vec<Value> {
    let res = app
        .get(&format!("{WEBHOOKS}{id}/deliveries/"), Some(&admin.access))
        .await;
    res.assert_status(200);
    res.body.as_array().unwrap().clone()
}

/// Waits until the newest delivery of the log is in `state`.
async fn wait_log(app: &TestApp, admin: &TestUser, id: &str, n: usize, state: &str) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let log = deliveries(app, admin, id).await;
        if log.len() >= n && log.iter().all(|d| d["state"] == state) {
            return log;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the log did not reach {n} × {state}: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn signed_deliveries_verify_with_the_reference_library(backend: Backend) {
    let app = app_allowing_private(backend).await;
    let receiver = Receiver::start().await;
    let admin = app.staff("root", Role::Admin).await;
    let agent = app.staff("alice", Role::Agent).await;
    let carol = app.register("carol").await;
    let endpoint = register(
        &app,
        &admin,
        &receiver.url("/hooks/public"),
        &["ticket.created", "message.created"],
        false,
    )
    .await;
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{endpoint}");
    let id = endpoint["id"].as_str().unwrap().to_owned();
    // Shown once: never again.
    let shown = app
        .get(&format!("{WEBHOOKS}{id}/"), Some(&admin.access))
        .await;
    shown.assert_status(200);
    assert!(shown.body.get("secret").is_none(), "{}", shown.body);
    assert!(!shown.text().contains(&secret));
    assert_eq!(shown.body["include_staff_events"], false);
    assert_eq!(shown.body["enabled"], true);

    let ticket = app.ticket(&carol.access, "Printer on fire").await;
    let ticket_id = ticket["id"].as_str().unwrap();
    // An internal note is staff-only: this endpoint did not ask for those.
    app.message(&agent.access, ticket_id, "internal only", true)
        .await;
    app.message(&agent.access, ticket_id, "We are on it", false)
        .await;

    let got = receiver.wait_for(2, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_now = receiver.received();
    assert_eq!(
        got_now.len(),
        2,
        "the internal note was not delivered: {got_now:?}"
    );
    let (first, second) = (&got[0], &got[1]);
    for request in [first, second] {
        assert_eq!(request.path, "/hooks/public");
        assert_eq!(request.headers["content-type"], "application/json");
        assert!(reference_verifies(&secret, request), "{request:?}");
        // Another secret, or a changed body, is refused by the reference library.
        assert!(!reference_verifies(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            request
        ));
        let mut tampered = request.clone();
        tampered.body.push(b' ');
        assert!(!reference_verifies(&secret, &tampered));
    }
    let created = first.json();
    assert_eq!(created["type"], "ticket.created");
    assert_eq!(first.headers["webhook-id"], created["id"].to_string());
    assert_eq!(created["ticket_id"], ticket_id);
    assert_eq!(created["ticket"]["id"], ticket_id);
    assert_eq!(created["ticket"]["number"], ticket["number"]);
    assert_eq!(created["ticket"]["topic"], "Printer on fire");
    assert_eq!(created["visibility"], "public");
    assert_eq!(created["changes"]["topic"], "Printer on fire");
    let reply = second.json();
    assert_eq!(reply["type"], "message.created");
    assert_eq!(reply["changes"]["body"], "We are on it");
    assert!(reply["id"].as_i64().unwrap() > created["id"].as_i64().unwrap());
    assert!(!String::from_utf8_lossy(&second.body).contains("internal only"));

    let log = wait_log(&app, &admin, &id, 2, "delivered").await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["event_type"], "message.created");
    assert_eq!(log[1]["event_type"], "ticket.created");
    for d in &log {
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["last_status"], 200);
        assert_eq!(d["last_response"], "thanks");
        assert!(d["last_latency_ms"].is_u64());
        assert_eq!(d["next_attempt_at"], Value::Null);
    }

    // An endpoint that asked for staff events gets the note (and only the kinds it asked for).
    let staff_receiver = Receiver::start().await;
    let staff = register(
        &app,
        &admin,
        &staff_receiver.url("/hooks/staff"),
        &["message.created"],
        true,
    )
    .await;
    app.message(&agent.access, ticket_id, "second internal", true)
        .await;
    let got = staff_receiver.wait_for(1, Duration::from_secs(15)).await;
    let note = got[0].json();
    assert_eq!(note["visibility"], "staff");
    assert_eq!(note["changes"]["internal"], true);
    assert!(reference_verifies(
        staff["secret"].as_str().unwrap(),
        &got[0]
    ));
}

async fn a_failing_endpoint_is_retried_in_order(backend: Backend) {
    let app = app_allowing_private(backend).await;
    let receiver = Receiver::start().await;
    receiver.answer("/hooks/flaky", &[500]);
    let admin = app.staff("root", Role::Admin).await;
    let carol = app.register("carol").await;
    let endpoint = register(
        &app,
        &admin,
        &receiver.url("/hooks/flaky"),
        &["ticket.created"],
        false,
    )
    .await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    app.ticket(&carol.access, "First").await;
    let first = receiver.wait_for(1, Duration::from_secs(10)).await;
    // Answered 500: the log says so, and the second event waits behind the first.
    app.ticket(&carol.access, "Second").await;
    let start = Instant::now();
    let log = loop {
        let log = deliveries(&app, &admin, &id).await;
        if log
            .iter()
            .any(|d| d["attempts"] == 1 && d["state"] == "pending")
        {
            break log;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let failed = log.iter().find(|d| d["attempts"] == 1).unwrap();
    assert_eq!(failed["last_status"], 500);
    assert_eq!(failed["last_response"], "database down");
    assert!(
        failed["last_error"].as_str().unwrap().contains("500"),
        "{failed}"
    );
    assert!(failed["next_attempt_at"].is_string());

    // The retry (about 5 s later) succeeds, then the second event goes.
    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    let ids: Vec<String> = got
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(ids[0], first[0].headers["webhook-id"]);
    assert_eq!(ids[1], ids[0], "the retry keeps its webhook-id: {ids:?}");
    assert_ne!(ids[2], ids[0]);
    assert!(ids[2].parse::<i64>().unwrap() > ids[0].parse::<i64>().unwrap());
    assert_eq!(got[1].json()["changes"]["topic"], "First");
    assert_eq!(got[2].json()["changes"]["topic"], "Second");
    for request in &got {
        assert!(reference_verifies(&secret, request));
    }
    let log = wait_log(&app, &admin, &id, 2, "delivered").await;
    assert_eq!(log[1]["attempts"], 2, "{log:?}");
    assert_eq!(log[1]["last_status"], 200);
    assert_eq!(log[0]["attempts"], 1);
    let shown = app
        .get(&format!("{WEBHOOKS}{id}/"), Some(&admin.access))
        .await;
    assert_eq!(
        shown.body["failing_since"],
        Value::Null,
        "a success ends the streak"
    );
}

async fn private_addresses_are_refused_without_the_setting(backend: Backend) {
    let app = spawn_app(backend).await;
    let receiver = Receiver::start().await;
    let admin = app.staff("root", Role::Admin).await;
    let carol = app.register("carol").await;
    // An address literal in a refused range: refused when saved.
    for url in [
        receiver.url("/hooks"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]/hooks".to_owned(),
        "http://10.0.0.8/hooks".to_owned(),
    ] {
        let res = app
            .post(
                WEBHOOKS,
                Some(&admin.access),
                &json!({"url": url, "event_types": ["ticket.created"]}),
            )
            .await;
        res.assert_problem(400, "validation_failed");
        assert!(res.body["errors"]["url"].is_array(), "{}", res.text());
    }
    // A name that resolves to a refused address: refused at delivery, after DNS resolution.
    let endpoint = register(
        &app,
        &admin,
        &format!("http://localhost:{}/hooks", receiver.port),
        &["ticket.created"],
        false,
    )
    .await;
    let id = endpoint["id"].as_str().unwrap();
    app.ticket(&carol.access, "Nothing leaves").await;
    let start = Instant::now();
    let failed = loop {
        let log = deliveries(&app, &admin, id).await;
        if let Some(d) = log.iter().find(|d| d["attempts"] == 1) {
            break d.clone();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(failed["state"], "pending");
    assert_eq!(failed["last_status"], Value::Null);
    let error = failed["last_error"].as_str().unwrap();
    assert!(error.starts_with("refused_address"), "{error}");
    assert!(error.contains("loopback"), "{error}");
    // The test button says the same; the receiver never heard a thing.
    let test = app
        .post(
            &format!("{WEBHOOKS}{id}/test/"),
            Some(&admin.access),
            &json!({}),
        )
        .await;
    test.assert_status(200);
    assert_eq!(test.body["success"], false);
    assert!(
        test.body["error"]
            .as_str()
            .unwrap()
            .starts_with("refused_address")
    );
    assert!(receiver.received().is_empty());
}

async fn admins_manage_endpoints_rotate_secrets_and_are_audited(backend: Backend) {
    let app = app_allowing_private(backend).await;
    let receiver = Receiver::start().await;
    let admin = app.staff("root", Role::Admin).await;
    let agent = app.staff("alice", Role::Agent).await;
    let carol = app.register("carol").await;
    for who in [&agent, &carol] {
        let res = app.get(WEBHOOKS, Some(&who.access)).await;
        res.assert_problem(403, "forbidden");
        assert!(
            res.text().contains("only admins may manage webhooks"),
            "{}",
            res.text()
        );
    }
    app.get(WEBHOOKS, None).await.assert_status(401);
    // Input checks.
    for (body, field) in [
        (
            json!({"url": receiver.url("/x"), "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": receiver.url("/x"), "event_types": ["ticket.exploded"]}),
            "event_types",
        ),
        (
            json!({"url": "ftp://example.com/x", "event_types": ["ticket.created"]}),
            "url",
        ),
        (
            json!({"url": "https://user:pw@example.com/x", "event_types": ["ticket.created"]}),
            "url",
        ),
    ] {
        let res = app.post(WEBHOOKS, Some(&admin.access), &body).await;
        res.assert_problem(400, "validation_failed");
        assert!(
            res.body["errors"][field].is_array(),
            "{body}: {}",
            res.text()
        );
    }

    let created = register(
        &app,
        &admin,
        &receiver.url("/hooks/a?token=s3cret"),
        &["ticket.created"],
        false,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let old = created["secret"].as_str().unwrap().to_owned();
    let list = app.get(WEBHOOKS, Some(&admin.access)).await;
    list.assert_status(200);
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["event_types"], json!(["ticket.created"]));

    // The test button: a signed `webhook.test` message, verified by the reference library.
    let test = app
        .post(
            &format!("{WEBHOOKS}{id}/test/"),
            Some(&admin.access),
            &json!({}),
        )
        .await;
    test.assert_status(200);
    assert_eq!(test.body["success"], true, "{}", test.text());
    assert_eq!(test.body["status"], 200);
    let got = receiver.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert!(reference_verifies(&old, &got[0]));

    // Rotation with an overlap: both secrets verify each delivery.
    let rotated = app
        .post(
            &format!("{WEBHOOKS}{id}/rotate-secret/"),
            Some(&admin.access),
            &json!({"overlap_hours": 2}),
        )
        .await;
    rotated.assert_status(200);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated.body["previous_secret_until"].is_string());
    app.ticket(&carol.access, "After the rotation").await;
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    let delivery = &got[1];
    assert_eq!(delivery.headers["webhook-signature"].split(' ').count(), 2);
    assert!(reference_verifies(&new, delivery));
    assert!(reference_verifies(&old, delivery));
    // Without an overlap the old secret stops at once.
    let rotated = app
        .post(
            &format!("{WEBHOOKS}{id}/rotate-secret/"),
            Some(&admin.access),
            &json!({"overlap_hours": 0}),
        )
        .await;
    rotated.assert_status(200);
    let newest = rotated.body["secret"].as_str().unwrap().to_owned();
    app.post(
        &format!("{WEBHOOKS}{id}/test/"),
        Some(&admin.access),
        &json!({}),
    )
    .await
    .assert_status(200);
    let got = receiver.wait_for(3, Duration::from_secs(5)).await;
    assert!(reference_verifies(&newest, &got[2]));
    assert!(!reference_verifies(&new, &got[2]));
    app.post(
        &format!("{WEBHOOKS}{id}/rotate-secret/"),
        Some(&admin.access),
        &json!({"overlap_hours": 1000}),
    )
    .await
    .assert_problem(400, "validation_failed");

    // Disable: nothing is delivered; enable again: what waited goes.
    let patched = app
        .patch(
            &format!("{WEBHOOKS}{id}/"),
            Some(&admin.access),
            &json!({"enabled": false}),
        )
        .await;
    patched.assert_status(200);
    assert_eq!(patched.body["enabled"], false);
    app.ticket(&carol.access, "While disabled").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 3);
    let patched = app
        .patch(
            &format!("{WEBHOOKS}{id}/"),
            Some(&admin.access),
            &json!({"enabled": true, "event_types": ["ticket.created", "ticket.updated"]}),
        )
        .await;
    patched.assert_status(200);
    assert_eq!(
        patched.body["event_types"],
        json!(["ticket.created", "ticket.updated"])
    );
    app.ticket(&carol.access, "Enabled again").await;
    let got = receiver.wait_for(4, Duration::from_secs(10)).await;
    assert_eq!(got[3].json()["changes"]["topic"], "Enabled again");

    // Delete; then it is gone.
    app.delete(&format!("{WEBHOOKS}{id}/"), Some(&admin.access))
        .await
        .assert_status(204);
    app.get(&format!("{WEBHOOKS}{id}/"), Some(&admin.access))
        .await
        .assert_problem(404, "not_found");

    // The audit log: created, rotated (three times), deleted; the query string is not shown.
    let audit = app
        .get("/api/v1/audit/?limit=50", Some(&admin.access))
        .await;
    audit.assert_status(200);
    let actions: Vec<&str> = audit
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("webhook."))
        .collect();
    assert_eq!(
        actions,
        [
            "webhook.deleted",
            "webhook.secret_rotated",
            "webhook.secret_rotated",
            "webhook.created"
        ],
        "{}",
        audit.text()
    );
    assert!(!audit.text().contains("s3cret"), "{}", audit.text());
    assert!(audit.text().contains("/hooks/a"));
}

/// While no endpoint is enabled the dispatcher writes nothing (its cursor stays behind); an
/// endpoint registered then gets only the events after it, none of those nobody received.
async fn an_endpoint_gets_no_event_from_before_it_was_registered(backend: Backend) {
    let app = app_allowing_private(backend).await;
    let receiver = Receiver::start().await;
    let admin = app.staff("root", Role::Admin).await;
    let carol = app.register("carol").await;
    let first = register(
        &app,
        &admin,
        &receiver.url("/hooks/first"),
        &["ticket.created"],
        false,
    )
    .await;
    app.ticket(&carol.access, "Seen by the first").await;
    receiver.wait_for(1, Duration::from_secs(10)).await;
    let id = first["id"].as_str().unwrap();
    app.delete(&format!("{WEBHOOKS}{id}/"), Some(&admin.access))
        .await
        .assert_status(204);
    app.ticket(&carol.access, "While there is none").await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    register(
        &app,
        &admin,
        &receiver.url("/hooks/second"),
        &["ticket.created"],
        false,
    )
    .await;
    app.ticket(&carol.access, "Seen by the second").await;
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let got_now = receiver.received();
    assert_eq!(got_now.len(), 2, "{got_now:?}");
    assert_eq!(got[1].path, "/hooks/second");
    assert_eq!(got[1].json()["changes"]["topic"], "Seen by the second");
}

backend_tests!(
    signed_deliveries_verify_with_the_reference_library,
    a_failing_endpoint_is_retried_in_order,
    private_addresses_are_refused_without_the_setting,
    admins_manage_endpoints_rotate_secrets_and_are_audited,
    an_endpoint_gets_no_event_from_before_it_was_registered,
);
