//! `GET /api/v1/events/`: the event stream, black-box over real HTTP on both databases. An
//! event arrives within a second of its change; a resume replays exactly what was missed; a
//! customer's stream never carries an internal note; errors and limits; on PostgreSQL, an event
//! committed through one server process reaches a stream on another.

use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_util::{Stream, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use ticketing_domain::{EventKind, Notice, Role, Visibility};

use super::helpers::*;

/// One event of the stream (comments and `retry:` are skipped).
#[derive(Debug, Clone)]
pub(super) struct SseEvent {
    pub(super) id: Option<i64>,
    pub(super) event: String,
    pub(super) data: String,
}

impl SseEvent {
    /// The data as the domain's notice (what a Rust client would read).
    fn notice(&self) -> Notice {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("not a notice ({e}): {}", self.data))
    }

    pub(super) fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>;

/// An open event stream.
pub(super) struct Sse {
    chunks: Chunks,
    buffer: String,
    headers: reqwest::header::HeaderMap,
    ended: bool,
}

impl Sse {
    /// The next event within `within`; `None` when none came (or the stream ended).
    pub(super) async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let until = tokio::time::Instant::now() + within;
        loop {
            if let Some(at) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..at + 2).collect();
                let mut e = SseEvent {
                    id: None,
                    event: "message".to_owned(),
                    data: String::new(),
                };
                let mut any = false;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        e.id = Some(v.parse().unwrap());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        e.event = v.to_owned();
                        any = true;
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        e.data.push_str(v);
                        any = true;
                    }
                }
                if any {
                    return Some(e);
                }
                continue;
            }
            if self.ended {
                return None;
            }
            match tokio::time::timeout_at(until, self.chunks.next()).await {
                Err(_) => return None,
                Ok(None) => self.ended = true,
                Ok(Some(chunk)) => {
                    let chunk = chunk.expect("a chunk");
                    self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
                }
            }
        }
    }

    /// The next event, which must come within 2 s.
    pub(super) async fn expect(&mut self) -> SseEvent {
        self.next(Duration::from_secs(2))
            .await
            .expect("an event within 2 s")
    }

    /// Nothing more comes for a while.
    pub(super) async fn expect_quiet(&mut self) {
        if let Some(e) = self.next(Duration::from_millis(600)).await {
            panic!("unexpected event: {e:?}");
        }
    }

    /// Whether the server ends the stream within `within` (comments aside).
    async fn ends_within(&mut self, within: Duration) -> bool {
        let until = tokio::time::Instant::now() + within;
        while !self.ended {
            match tokio::time::timeout_at(until, self.chunks.next()).await {
                Err(_) => return false,
                Ok(None) => self.ended = true,
                Ok(Some(Err(_))) => self.ended = true,
                Ok(Some(Ok(_))) => {}
            }
        }
        true
    }
}

/// Opens `GET /api/v1/events/{query}` as `token`, resuming after `last` (the header).
pub(super) async fn open_on(app: &TestApp, token: &str, query: &str, last: Option<i64>) -> Sse {
    let mut rb = app
        .request(Method::GET, &format!("/api/v1/events/{query}"), Some(token))
        // A compressing server would hold the events back: it must not compress.
        .header("accept-encoding", "gzip, br");
    if let Some(id) = last {
        rb = rb.header("last-event-id", id.to_string());
    }
    let res = rb.send().await.expect("the stream opens");
    assert_eq!(res.status().as_u16(), 200);
    let headers = res.headers().clone();
    Sse {
        chunks: Box::pin(res.bytes_stream().map(|c| c.map(|b| b.to_vec()))),
        buffer: String::new(),
        headers,
        ended: false,
    }
}

pub(super) async fn open(app: &TestApp, token: &str) -> Sse {
    open_on(app, token, "", None).await
}

backend_tests!(
    an_api_token_streams_until_it_is_revoked,
    an_event_arrives_within_a_second_of_its_change,
    a_resume_replays_exactly_the_missed_events,
    a_customers_stream_never_carries_an_internal_note,
    following_one_ticket,
    bad_requests_are_refused_before_streaming,
    streams_per_user_are_limited,
    a_resume_point_older_than_the_retention_gets_a_reset,
    the_stream_ends_when_the_access_token_expires,
    deactivation_ends_the_stream_and_a_role_change_applies,
    admins_hear_of_account_changes,
);

async fn an_api_token_streams_until_it_is_revoked(backend: Backend) {
    let app = spawn_app(backend).await;
    let agent = app.staff("agent", Role::Agent).await;
    let carol = app.register("carol").await;
    let res = app
        .post(
            "/api/v1/users/profile/tokens/",
            Some(&agent.access),
            &json!({"name": "dashboard", "scope": "read"}),
        )
        .await;
    res.assert_status(201);
    let (secret, id) = (
        res.body["token"].as_str().unwrap().to_owned(),
        res.body["id"].as_str().unwrap().to_owned(),
    );
    // A read token may follow the stream, with what its owner may see.
    let mut stream = open(&app, &secret).await;
    app.ticket(&carol.access, "Seen by a bot").await;
    assert_eq!(stream.expect().await.event, "ticket.created");
    // Revoked: its stream ends at once.
    app.delete(
        &format!("/api/v1/users/profile/tokens/{id}/"),
        Some(&agent.access),
    )
    .await
    .assert_status(204);
    assert!(
        stream.ends_within(Duration::from_secs(3)).await,
        "a revoked token's stream stayed open"
    );
    app.get("/api/v1/events/", Some(&secret))
        .await
        .assert_problem(401, "unauthenticated");
}

async fn an_event_arrives_within_a_second_of_its_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let agent = app.staff("agent", Role::Agent).await;
    let carol = app.register("carol").await;
    let mut stream = open(&app, &agent.access).await;
    assert_eq!(
        stream.headers["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    assert_eq!(stream.headers["x-accel-buffering"], "no");
    assert!(
        stream.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-cache")
    );
    assert!(
        stream
            .headers
            .get("content-encoding")
            .is_none_or(|v| v == "identity"),
        "{:?}",
        stream.headers
    );

    let started = Instant::now();
    let ticket = app.ticket(&carol.access, "Printer on fire").await;
    let e = stream.expect().await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.event, "ticket.created");
    let notice = e.notice();
    assert_eq!(Some(notice.id), e.id);
    assert_eq!(
        notice.ticket_id.map(|t| t.to_string()).as_deref(),
        ticket["id"].as_str()
    );
    assert_eq!(
        notice.actor.id.map(|a| a.to_string()),
        Some(carol.id.clone())
    );
    assert_eq!(notice.actor.name, "First Last");
    assert_eq!(notice.visibility, Visibility::Public);
    let EventKind::TicketCreated(opened) = &notice.kind else {
        panic!("{notice:?}")
    };
    assert_eq!(opened.topic.as_str(), "Printer on fire");
    let data = e.json();
    assert_eq!(data["type"], "ticket.created");
    assert_eq!(data["ticket_number"], ticket["number"]);
    assert_eq!(notice.ticket_number, ticket["number"].as_u64());
    assert!(data["at"].is_string());

    // A patch: one event with what changed, each within a second.
    let id = ticket["id"].as_str().unwrap();
    let started = Instant::now();
    app.patch_ticket(
        &agent.access,
        id,
        json!({"status": "in_progress", "priority": "high"}),
    )
    .await;
    let e = stream.expect().await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(e.event, "ticket.updated");
    let data = e.json();
    assert_eq!(
        data["changes"],
        json!({"status": {"from": "open", "to": "in_progress"},
               "priority": {"from": "medium", "to": "high"}})
    );
    assert_eq!(e.id, Some(notice.id + 1));
    stream.expect_quiet().await;
}

async fn a_resume_replays_exactly_the_missed_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let agent = app.staff("agent", Role::Agent).await;
    let carol = app.register("carol").await;
    let ticket = app.ticket(&carol.access, "Resume").await;
    let id = ticket["id"].as_str().unwrap().to_owned();

    let mut first = open(&app, &agent.access).await;
    app.message(&carol.access, &id, "one", false).await;
    let seen = first.expect().await;
    assert_eq!(seen.event, "message.created");
    drop(first);

    // Missed while disconnected: three changes.
    app.message(&agent.access, &id, "two", false).await;
    app.message(&agent.access, &id, "note", true).await;
    app.patch_ticket(&agent.access, &id, json!({"priority": "low"}))
        .await;

    let last = seen.id.unwrap();
    for resume in [
        open_on(&app, &agent.access, "", Some(last)).await,
        open_on(&app, &agent.access, &format!("?last_event_id={last}"), None).await,
    ] {
        let mut stream = resume;
        let replayed = [
            stream.expect().await,
            stream.expect().await,
            stream.expect().await,
        ];
        let ids: Vec<i64> = replayed.iter().map(|e| e.id.unwrap()).collect();
        assert_eq!(ids, [last + 1, last + 2, last + 3]);
        let kinds: Vec<&str> = replayed.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(
            kinds,
            ["message.created", "message.created", "ticket.updated"]
        );
        stream.expect_quiet().await;
    }
    // The header wins over the parameter; a new change after the replay comes once.
    let mut stream = open_on(&app, &agent.access, "?last_event_id=0", Some(last + 2)).await;
    assert_eq!(stream.expect().await.id, Some(last + 3));
    app.message(&carol.access, &id, "three", false).await;
    let next = stream.expect().await;
    assert_eq!(next.id, Some(last + 4));
    stream.expect_quiet().await;
    // Up to date: nothing replayed, the next one comes.
    let mut current = open_on(&app, &agent.access, "", Some(last + 4)).await;
    current.expect_quiet().await;
}

async fn a_customers_stream_never_carries_an_internal_note(backend: Backend) {
    let app = spawn_app(backend).await;
    let agent = app.staff("agent", Role::Agent).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let ticket = app.ticket(&carol.access, "Secrets").await;
    let id = ticket["id"].as_str().unwrap().to_owned();

    let mut staff = open(&app, &agent.access).await;
    let mut customer = open(&app, &carol.access).await;
    let mut stranger = open(&app, &dave.access).await;

    let note = app.message(&agent.access, &id, "internal only", true).await;
    let upload = app
        .upload(
            &agent.access,
            &id,
            "trace.log",
            "text/plain",
            b"secret".to_vec(),
            note["id"].as_str(),
        )
        .await;
    upload.assert_status(201);
    let reply = app
        .message(&agent.access, &id, "public answer", false)
        .await;

    // Staff: all three, the first two staff-only.
    let s = [
        staff.expect().await,
        staff.expect().await,
        staff.expect().await,
    ];
    let kinds: Vec<(&str, Visibility)> = s
        .iter()
        .map(|e| (e.event.as_str(), e.notice().visibility))
        .collect();
    assert_eq!(
        kinds,
        [
            ("message.created", Visibility::Staff),
            ("attachment.added", Visibility::Staff),
            ("message.created", Visibility::Public),
        ]
    );
    // The customer: only the public reply, with no trace of the note or its file.
    let got = customer.expect().await;
    assert_eq!(got.event, "message.created");
    assert_eq!(got.json()["changes"]["message_id"], reply["id"]);
    assert_eq!(got.id, s[2].id);
    customer.expect_quiet().await;
    // Another customer: nothing about carol's ticket.
    stranger.expect_quiet().await;

    // Nor on a resume from the very start.
    let mut replay = open_on(&app, &carol.access, "", Some(0)).await;
    let mut all = Vec::new();
    while let Some(e) = replay.next(Duration::from_millis(600)).await {
        all.push(e);
    }
    let kinds: Vec<&str> = all.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["ticket.created", "message.created"]);
    for e in &all {
        assert!(!e.data.contains("internal only") && !e.data.contains("trace.log"));
        assert_eq!(e.notice().visibility, Visibility::Public);
    }
}

async fn following_one_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    let agent = app.staff("agent", Role::Agent).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let mine = app.ticket(&carol.access, "Mine").await;
    let other = app.ticket(&carol.access, "Other").await;
    let (mine, other) = (
        mine["id"].as_str().unwrap().to_owned(),
        other["id"].as_str().unwrap().to_owned(),
    );
    let mut stream = open_on(&app, &agent.access, &format!("?ticket={mine}"), None).await;
    app.message(&carol.access, &other, "elsewhere", false).await;
    app.message(&carol.access, &mine, "here", false).await;
    let e = stream.expect().await;
    assert_eq!(e.json()["ticket_id"], mine.as_str());
    stream.expect_quiet().await;
    // Someone else's ticket is not found, as everywhere.
    app.get(
        &format!("/api/v1/events/?ticket={mine}"),
        Some(&dave.access),
    )
    .await
    .assert_problem(404, "not_found");
}

async fn bad_requests_are_refused_before_streaming(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    app.get("/api/v1/events/", None)
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/api/v1/events/", Some("not-a-token"))
        .await
        .assert_problem(401, "unauthenticated");
    // No credential in the URL: a token parameter is an unknown parameter.
    let res = app
        .get(
            &format!("/api/v1/events/?access_token={}", carol.access),
            None,
        )
        .await;
    res.assert_problem(401, "unauthenticated");
    for query in [
        "?last_event_id=-1",
        "?last_event_id=abc",
        "?ticket=42",
        "?since=3",
        &format!("?access_token={}", carol.access),
    ] {
        let res = app
            .get(&format!("/api/v1/events/{query}"), Some(&carol.access))
            .await;
        res.assert_problem(400, "validation_failed");
    }
    let res = fetch(
        app.request(Method::GET, "/api/v1/events/", Some(&carol.access))
            .header("last-event-id", "12x"),
    )
    .await;
    res.assert_problem(400, "validation_failed");
    assert!(
        res.body["errors"]["Last-Event-ID"].is_array(),
        "{}",
        res.text()
    );
    app.get(
        "/api/v1/events/?ticket=0190b1a4-7c2e-7d4a-9f1e-3b2c1d0e9f8a",
        Some(&carol.access),
    )
    .await
    .assert_problem(404, "not_found");
}

async fn streams_per_user_are_limited(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.events.streams_per_user = 2).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let first = open(&app, &carol.access).await;
    let _second = open(&app, &carol.access).await;
    let res = app.get("/api/v1/events/", Some(&carol.access)).await;
    res.assert_problem(429, "rate_limited");
    assert!(res.header("retry-after").is_some());
    // Others are not affected; a closed stream gives its place back.
    let _theirs = open(&app, &dave.access).await;
    drop(first);
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let res = app
            .request(Method::GET, "/api/v1/events/", Some(&carol.access))
            .send()
            .await
            .unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < until,
            "the closed stream's place never came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn a_resume_point_older_than_the_retention_gets_a_reset(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.events.retention = Duration::from_secs(1);
    })
    .await;
    let agent = app.staff("agent", Role::Agent).await;
    let carol = app.register("carol").await;
    let ticket = app.ticket(&carol.access, "Old news").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    app.message(&carol.access, &id, "old", false).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(app.app.prune_events().await.unwrap() >= 2);
    let head = app.app.last_event_id().await.unwrap();

    let mut stream = open_on(&app, &agent.access, "", Some(1)).await;
    let reset = stream.expect().await;
    assert_eq!(reset.event, "reset");
    assert_eq!(reset.id, Some(head));
    assert_eq!(
        reset.json(),
        json!({"type": "reset", "last_event_id": head})
    );
    stream.expect_quiet().await;
    app.message(&carol.access, &id, "new", false).await;
    assert_eq!(stream.expect().await.id, Some(head + 1));
    // An id this outbox never gave: a reset too.
    let mut future = open_on(&app, &agent.access, "", Some(head + 100)).await;
    let e = future.expect().await;
    assert_eq!((e.event.as_str(), e.id), ("reset", Some(head + 1)));
}

async fn the_stream_ends_when_the_access_token_expires(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.auth.access_ttl = Duration::from_secs(2);
    })
    .await;
    let carol = app.register("carol").await;
    let mut stream = open(&app, &carol.access).await;
    assert!(
        stream.ends_within(Duration::from_secs(5)).await,
        "the stream outlived its token"
    );
}

async fn deactivation_ends_the_stream_and_a_role_change_applies(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.staff("root", Role::Admin).await;
    let agent = app.staff("agent", Role::Agent).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let ticket = app.ticket(&dave.access, "Someone else's").await;
    let id = ticket["id"].as_str().unwrap().to_owned();

    // Carol becomes an agent while her stream is open: she hears of dave's ticket from then on
    // (her stream sees the account change go by and checks her again).
    let mut carols = open(&app, &carol.access).await;
    let mut agents = open(&app, &agent.access).await;
    app.set_role(&carol, Role::Agent).await;
    app.message(&dave.access, &id, "hello staff", false).await;
    let e = carols.expect().await;
    assert_eq!(e.json()["ticket_id"], id.as_str());

    // The agent is deactivated: the stream ends.
    let res = app
        .patch(
            &format!("/api/v1/users/{}/", agent.id),
            Some(&root.access),
            &json!({"is_active": false}),
        )
        .await;
    res.assert_status(200);
    let started = Instant::now();
    assert!(
        agents.ends_within(Duration::from_secs(3)).await,
        "a deactivated user's stream stayed open"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

async fn admins_hear_of_account_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.staff("root", Role::Admin).await;
    let agent = app.staff("agent", Role::Agent).await;
    let carol = app.register("carol").await;
    let mut admins = open(&app, &root.access).await;
    let mut agents = open(&app, &agent.access).await;
    let mut customers = open(&app, &carol.access).await;
    let res = app
        .patch(
            &format!("/api/v1/users/{}/", carol.id),
            Some(&root.access),
            &json!({"role": "agent"}),
        )
        .await;
    res.assert_status(200);
    let e = admins.expect().await;
    assert_eq!(e.event, "user.role_changed");
    let data = e.json();
    assert_eq!(data["changes"]["user_id"], carol.id.as_str());
    assert_eq!(data["visibility"], "admin");
    assert!(data["ticket_id"].is_null());
    assert!(data.get("ticket_number").is_none(), "{data}");
    assert!(!e.data.contains("address"));
    agents.expect_quiet().await;
    customers.expect_quiet().await;
}

/// A `ticketing serve` child process on `database_url`, killed when dropped.
pub(super) struct ServerProcess {
    child: std::process::Child,
    pub(super) address: String,
    _data: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts the binary and waits until it listens (its JSON log names the port). Without a
    /// database URL, on an SQLite file of its own.
    pub(super) fn start(database_url: Option<&str>) -> Self {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let data = tempfile::tempdir().unwrap();
        let database_url = database_url.map_or_else(
            || format!("sqlite://{}", data.path().join("ticketing.db").display()),
            str::to_owned,
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_ticketing"))
            .arg("serve")
            .env_clear()
            .env("DATABASE_URL", &database_url)
            .env("TICKETING_BIND", "127.0.0.1:0")
            .env("TICKETING_DATA_DIR", data.path())
            .env("TICKETING_JWT_SECRET", JWT_SECRET)
            .env("TICKETING_COOKIE_SECURE", "false")
            .env("TICKETING_WORKERS", "2")
            .env("TICKETING_LOG", "info")
            .env("TICKETING_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if v["fields"]["message"] == "listening" {
                    let _ = tx.send(v["fields"]["port"].as_u64());
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server process listens")
            .expect("a port");
        Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            _data: data,
        }
    }

    /// The process's id.
    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Opens `GET /api/v1/events/` on this process as `token`.
    pub(super) async fn open(&self, token: &str) -> Sse {
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/events/", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("the stream opens");
        assert_eq!(res.status().as_u16(), 200);
        Sse {
            headers: res.headers().clone(),
            chunks: Box::pin(res.bytes_stream().map(|c| c.map(|b| b.to_vec()))),
            buffer: String::new(),
            ended: false,
        }
    }

    /// Opens a ticket through this process as `token`; returns its id.
    async fn ticket(&self, token: &str, topic: &str) -> String {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/tickets/", self.address))
            .bearer_auth(token)
            .json(&json!({"topic": topic, "description": "through the other process"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let body: Value = res.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }
}

impl ServerProcess {
    /// Registers `name` on this process; returns the access token.
    async fn register(&self, name: &str) -> String {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/users/auth/register/", self.address))
            .json(&json!({"email": format!("{name}@example.com"), "username": name, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let body: Value = res.json().await.unwrap();
        body["access"].as_str().unwrap().to_owned()
    }

    /// Sends SIGTERM.
    fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Whether the process exits within `within`.
    fn exits_within(&mut self, within: Duration) -> bool {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// PostgreSQL: two server processes on one database (this test's server, A, and the `ticketing`
/// binary, B, in a process of its own). An event committed through A reaches a stream on B
/// within a second, and the other way round: the outbox is the truth, `LISTEN`/`NOTIFY` wakes
/// the other process's reader.
#[tokio::test]
async fn an_event_committed_through_one_replica_reaches_a_stream_on_another() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let a = spawn_app(backend).await;
    let b = ServerProcess::start(Some(a.database_url()));
    let agent = a.staff("agent", Role::Agent).await;
    let carol = a.register("carol").await;
    let mut on_b = b.open(&agent.access).await;
    for round in 0..5 {
        let started = Instant::now();
        a.ticket(&carol.access, &format!("Through A {round}")).await;
        let e = on_b.expect().await;
        assert_eq!(e.event, "ticket.created");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "round {round}: {:?}",
            started.elapsed()
        );
    }
    // And the other way round: a stream on A hears of what B wrote, once.
    let mut on_a = open(&a, &agent.access).await;
    let started = Instant::now();
    let id = b.ticket(&carol.access, "Through B").await;
    let e = on_a.expect().await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.json()["ticket_id"], id.as_str());
    assert_eq!(on_b.expect().await.id, e.id);
    on_a.expect_quiet().await;
}

/// SIGTERM ends the open streams at once (their clients reconnect elsewhere with their last id),
/// so that they do not hold the graceful stop for its whole timeout.
#[tokio::test]
async fn a_graceful_stop_ends_the_open_streams_at_once() {
    let mut server = ServerProcess::start(None);
    let token = server.register("carol").await;
    let mut stream = server.open(&token).await;
    let other = server.open(&token).await;
    drop(other);
    let started = Instant::now();
    server.terminate();
    assert!(
        stream.ends_within(Duration::from_secs(5)).await,
        "the stream outlived the stop"
    );
    assert!(
        server.exits_within(Duration::from_secs(10)),
        "the server did not exit"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
