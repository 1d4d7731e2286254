//! Outgoing mail, black-box on both databases against a real SMTP server process
//! (`scripts/smtp-sink.py`): each notification kind reaches the right side and nobody else, an
//! internal note never reaches a customer, preferences turn kinds off, a mail the server could
//! not take is retried until it can, a permanent refusal is listed for admins, two server
//! instances on one database send each mail once, and password reset by mail end to end.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use ticketing_domain::Role;
use ticketing_server::Settings;
use ticketing_server::settings::Value as _;
use ticketing_server::settings::{MailFrom, Secret};

use super::helpers::*;

#[allow(dead_code)]
#[path = "../../../mail/tests/mail/sink.rs"]
pub(super) mod sink;

use sink::Sink;

/// One mail as the sink received it, parsed.
#[derive(Debug, Clone)]
pub(super) struct Mail {
    pub(super) to: Vec<String>,
    subject: String,
    pub(super) text: String,
    headers: HashMap<String, String>,
}

impl Mail {
    pub(super) fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map_or("", String::as_str)
    }
}

fn parse(raw: &[u8], to: Vec<String>) -> Mail {
    let m = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parsable mail");
    let mut headers = HashMap::new();
    // Raw header lines (unfolded): enough for the ones checked here.
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut current: Option<(String, String)> = None;
    for line in head.split("\r\n") {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some((_, v)) = current.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = current.take() {
            headers.insert(k, v);
        }
        if let Some((k, v)) = line.split_once(':') {
            current = Some((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    if let Some((k, v)) = current.take() {
        headers.insert(k, v);
    }
    Mail {
        to,
        subject: m.subject().unwrap_or_default().to_owned(),
        text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        headers,
    }
}

fn mails(sink: &Sink) -> Vec<Mail> {
    sink.received()
        .into_iter()
        .map(|r| parse(&r.raw, r.rcpt_tos))
        .collect()
}

/// Waits until `done` holds for the received mails (at most `secs` seconds); returns them.
pub(super) async fn wait_for(sink: &Sink, secs: u64, done: impl Fn(&[Mail]) -> bool) -> Vec<Mail> {
    let until = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let got = mails(sink);
        if done(&got) {
            return got;
        }
        assert!(
            std::time::Instant::now() < until,
            "mails not as expected within {secs} s; got: {:#?}",
            got.iter()
                .map(|m| (m.to.clone(), m.subject.clone()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(super) fn to(mails: &[Mail], address: &str) -> Vec<Mail> {
    mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .cloned()
        .collect()
}

/// Mail settings pointing at the SMTP server on `port` (no TLS: a local test sink).
pub(super) fn with_mail(s: &mut Settings, port: u16) {
    s.mail.smtp_url = Some(Secret::new(format!(
        "smtp://127.0.0.1:{port}?tls=none&timeout=5"
    )));
    s.mail.from = Some(MailFrom::parse("Helpdesk <support@help.test>").unwrap());
    s.mail.public_url = Some(url::Url::parse("https://help.test/").unwrap());
    s.mail.retry_base = Duration::from_secs(1);
}

/// A port nothing listens on (bound, then released).
/// A port nothing listens on, for an SMTP server the test starts later. Taken below the
/// kernel's range of ephemeral ports: a port of that range, free a moment ago, can become the
/// local port of any parallel test's outgoing connection meanwhile (CI saw "address already in
/// use"); ports below it are only ever bound on purpose.
fn free_port() -> u16 {
    const LOWEST: u16 = 10_000;
    let ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768)
        .max(LOWEST + 1_000);
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ std::process::id()
        | 1;
    for _ in 0..1_000 {
        // xorshift32: any spread will do.
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let span = u32::from(ephemeral - LOWEST);
        let port = LOWEST + u16::try_from(seed % span).unwrap();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port below {ephemeral}");
}

struct Desk {
    app: TestApp,
    admin: TestUser,
    agent: TestUser,
    customer: TestUser,
}

async fn desk(app: TestApp) -> Desk {
    let admin = app.staff("boss", Role::Admin).await;
    let agent = app.staff("lee", Role::Agent).await;
    let customer = app.register("ada").await;
    Desk {
        app,
        admin,
        agent,
        customer,
    }
}

async fn each_notification_kind_reaches_the_right_side(backend: Backend) {
    let sink = Sink::start(&[]).await;
    let port = sink.port;
    let d = desk(spawn_app_with(backend, |s| with_mail(s, port)).await).await;
    let app = &d.app;

    // A new ticket: every agent and admin, not the customer.
    let ticket = app.ticket(&d.customer.access, "Printer on fire").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let number = ticket["number"].as_u64().unwrap();
    let subject = format!("[#{number}] Printer on fire");
    let got = wait_for(&sink, 20, |m| m.len() >= 2).await;
    assert_eq!(to(&got, &d.admin.email).len(), 1);
    assert_eq!(to(&got, &d.agent.email).len(), 1);
    assert!(to(&got, &d.customer.email).is_empty());
    let new = &to(&got, &d.agent.email)[0];
    assert_eq!(new.subject, subject);
    assert!(new.text.contains("About Printer on fire"), "{}", new.text);
    assert!(
        new.text
            .contains(&format!("https://help.test/#/tickets/{number}"))
    );
    assert_eq!(new.header("Auto-Submitted"), "auto-generated");
    assert_eq!(
        new.header("List-Unsubscribe"),
        "<https://help.test/#/profile>"
    );
    assert!(
        new.header("In-Reply-To")
            .contains(&format!("ticket-{id}@help.test"))
    );
    assert!(
        new.header("Reply-To").contains("support+"),
        "{:?}",
        new.headers
    );

    // Assigned: to the new assignee only.
    app.patch_ticket(&d.admin.access, &id, json!({"assigned_to": d.agent.id}))
        .await;
    let got = wait_for(&sink, 20, |m| m.len() >= 3).await;
    let assigned = to(&got, &d.agent.email);
    assert_eq!(assigned.len(), 2);
    assert!(
        assigned[1].text.contains("assigned ticket"),
        "{}",
        assigned[1].text
    );
    assert_eq!(got.len(), 3);

    // An internal note: nobody (and never the customer), then a public reply: the customer.
    app.message(&d.agent.access, &id, "SECRET-NOTE internal only", true)
        .await;
    app.message(
        &d.agent.access,
        &id,
        "Have you tried turning it off?",
        false,
    )
    .await;
    let got = wait_for(&sink, 20, |m| !to(m, &d.customer.email).is_empty()).await;
    let customer = to(&got, &d.customer.email);
    assert_eq!(customer.len(), 1);
    assert_eq!(customer[0].subject, subject);
    assert!(
        customer[0]
            .text
            .contains("> Have you tried turning it off?")
    );
    assert!(got.iter().all(|m| !m.text.contains("SECRET-NOTE")));

    // The customer's reply: the assignee.
    app.message(&d.customer.access, &id, "Yes, twice.", false)
        .await;
    let got = wait_for(&sink, 20, |m| to(m, &d.agent.email).len() >= 3).await;
    assert!(to(&got, &d.agent.email)[2].text.contains("> Yes, twice."));

    // Resolved, then closed: the customer.
    app.patch_ticket(&d.agent.access, &id, json!({"status": "resolved"}))
        .await;
    let got = wait_for(&sink, 20, |m| to(m, &d.customer.email).len() >= 2).await;
    assert!(
        to(&got, &d.customer.email)[1]
            .text
            .contains("resolved ticket")
    );
    app.patch_ticket(&d.agent.access, &id, json!({"status": "closed"}))
        .await;
    let got = wait_for(&sink, 20, |m| to(m, &d.customer.email).len() >= 3).await;
    assert!(
        to(&got, &d.customer.email)[2]
            .text
            .contains("closed ticket")
    );
    // Nothing more than these: 2 new, 1 assigned, 1 reply each way, resolved, closed.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let all = mails(&sink);
    assert_eq!(all.len(), 7, "{all:#?}");
    assert!(all.iter().all(|m| !m.text.contains("SECRET-NOTE")));
    assert!(to(&all, &d.admin.email).len() == 1);
}

async fn preferences_turn_kinds_off(backend: Backend) {
    let sink = Sink::start(&[]).await;
    let port = sink.port;
    let d = desk(spawn_app_with(backend, |s| with_mail(s, port)).await).await;
    let app = &d.app;
    let res = app
        .get(
            "/api/v1/users/profile/notifications/",
            Some(&d.admin.access),
        )
        .await;
    res.assert_status(200);
    assert_eq!(
        res.body,
        json!({"new_ticket": true, "public_reply": true, "assigned": true, "status": true,
               "mail_enabled": true})
    );
    let res = app
        .patch(
            "/api/v1/users/profile/notifications/",
            Some(&d.admin.access),
            &json!({"new_ticket": false}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.body["new_ticket"], json!(false));
    assert_eq!(res.body["public_reply"], json!(true));
    app.patch(
        "/api/v1/users/profile/notifications/",
        Some(&d.admin.access),
        &json!({"new_ticket": "no"}),
    )
    .await
    .assert_status(400);
    app.patch(
        "/api/v1/users/profile/notifications/",
        Some(&d.admin.access),
        &json!({"sms": true}),
    )
    .await
    .assert_status(400);
    app.get("/api/v1/users/profile/notifications/", None)
        .await
        .assert_status(401);

    app.ticket(&d.customer.access, "Quiet please").await;
    let got = wait_for(&sink, 20, |m| !m.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = if got.len() == 1 { mails(&sink) } else { got };
    assert_eq!(got.len(), 1, "only the agent: {got:#?}");
    assert_eq!(got[0].to, vec![d.agent.email.clone()]);
}

async fn a_mail_is_retried_until_the_server_takes_it(backend: Backend) {
    // Nothing listens on the port at first.
    let port = free_port();
    let d = desk(spawn_app_with(backend, |s| with_mail(s, port)).await).await;
    d.app
        .ticket(&d.customer.access, "While mail was down")
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Then the server answers 451 for the agent (temporarily) and takes the admin's mail.
    let deferring = Sink::start(&["--port", &port.to_string(), "--defer", "lee@"]).await;
    let got = wait_for(&deferring, 20, |m| !m.is_empty()).await;
    assert_eq!(got[0].to, vec![d.admin.email.clone()]);
    drop(deferring);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Now it takes everything: the agent's mail arrives after its retries.
    let sink = Sink::start(&["--port", &port.to_string()]).await;
    let got = wait_for(&sink, 30, |m| !to(m, &d.agent.email).is_empty()).await;
    assert!(
        to(&got, &d.admin.email).is_empty(),
        "the admin's mail was sent once"
    );
    // No failure was recorded: the mail went out in the end.
    let res = d
        .app
        .get("/api/v1/mail/failures/", Some(&d.admin.access))
        .await;
    res.assert_status(200);
    assert_eq!(res.body, json!([]));
}

async fn a_permanent_refusal_is_listed_for_admins(backend: Backend) {
    let sink = Sink::start(&["--reject", "lee@"]).await;
    let port = sink.port;
    let d = desk(spawn_app_with(backend, |s| with_mail(s, port)).await).await;
    let ticket = d.app.ticket(&d.customer.access, "Bounced").await;
    let number = ticket["number"].as_u64().unwrap();
    wait_for(&sink, 20, |m| !m.is_empty()).await;
    let until = std::time::Instant::now() + Duration::from_secs(20);
    let failures = loop {
        let res = d
            .app
            .get("/api/v1/mail/failures/", Some(&d.admin.access))
            .await;
        res.assert_status(200);
        if res.body.as_array().is_some_and(|a| !a.is_empty()) || std::time::Instant::now() > until {
            break res.body;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let list = failures.as_array().unwrap();
    assert_eq!(list.len(), 1, "{failures}");
    let f = &list[0];
    assert_eq!(f["kind"], json!("new_ticket"));
    assert_eq!(f["to"], json!(d.agent.email));
    assert_eq!(f["ticket_number"], json!(number));
    assert_eq!(f["attempts"], json!(1));
    let reason = f["reason"].as_str().unwrap();
    assert!(reason.starts_with("550"), "{reason}");
    assert!(reason.contains("Recipient address rejected"), "{reason}");
    // Admins only.
    d.app
        .get("/api/v1/mail/failures/", Some(&d.agent.access))
        .await
        .assert_problem(403, "forbidden");
    d.app
        .get("/api/v1/mail/failures/", Some(&d.customer.access))
        .await
        .assert_status(403);
}

async fn two_instances_send_each_mail_once(backend: Backend) {
    let sink = Sink::start(&[]).await;
    let port = sink.port;
    let d = desk(spawn_app_with(backend, |s| with_mail(s, port)).await).await;
    // A second server instance on the same database, with its own pool and mail worker.
    let second_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(second_dir.path());
    settings.database.url =
        Some(ticketing_server::settings::DatabaseUrl::parse(d.app.database_url()).unwrap());
    with_mail(&mut settings, port);
    let second = ticketing_server::Application::build(settings)
        .await
        .unwrap();
    let second_port = second.port();
    tokio::spawn(second.run_until_stopped());
    let other = format!("http://127.0.0.1:{second_port}");
    let client = reqwest::Client::new();
    for i in 0..6 {
        let res = if i % 2 == 0 {
            d.app
                .post(
                    "/api/v1/tickets/",
                    Some(&d.customer.access),
                    &json!({"topic": format!("Twin {i}"), "description": "x"}),
                )
                .await
                .status
        } else {
            client
                .post(format!("{other}/api/v1/tickets/"))
                .bearer_auth(&d.customer.access)
                .json(&json!({"topic": format!("Twin {i}"), "description": "x"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        };
        assert_eq!(res, 201);
    }
    wait_for(&sink, 30, |m| m.len() >= 12).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = mails(&sink);
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for m in &all {
        *seen.entry((m.to.join(","), m.subject.clone())).or_default() += 1;
    }
    assert_eq!(all.len(), 12, "two staff × six tickets: {seen:#?}");
    assert!(seen.values().all(|n| *n == 1), "{seen:#?}");
}

/// The token of the reset link in a mail.
fn reset_token(mail: &Mail) -> String {
    let at = mail
        .text
        .find("#/reset-password?token=")
        .expect("a reset link");
    mail.text[at + "#/reset-password?token=".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn password_reset_by_mail(backend: Backend) {
    let sink = Sink::start(&[]).await;
    let port = sink.port;
    let d = desk(spawn_app_with(backend, |s| with_mail(s, port)).await).await;
    let app = &d.app;
    let known = app
        .post(
            "/api/v1/users/auth/password-reset/",
            None,
            &json!({"email": "ADA@example.com"}),
        )
        .await;
    known.assert_status(202);
    let unknown = app
        .post(
            "/api/v1/users/auth/password-reset/",
            None,
            &json!({"email": "nobody@example.com"}),
        )
        .await;
    unknown.assert_status(202);
    assert_eq!(known.bytes, unknown.bytes, "the same answer either way");
    app.post("/api/v1/users/auth/password-reset/", None, &json!({}))
        .await
        .assert_status(400);

    let got = wait_for(&sink, 20, |m| !m.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mails(&sink).len(), 1, "nothing for the unknown address");
    let mail = &got[0];
    assert_eq!(mail.to, vec![d.customer.email.clone()]);
    assert!(mail.header("List-Unsubscribe").is_empty());
    let token = reset_token(mail);
    assert!(token.len() >= 32, "{token}");

    // The policy applies, and a refused password leaves the link working.
    app.post(
        "/api/v1/users/auth/password-reset/confirm/",
        None,
        &json!({"token": token, "new_password": "12345678"}),
    )
    .await
    .assert_problem(400, "validation_failed");
    app.post(
        "/api/v1/users/auth/password-reset/confirm/",
        None,
        &json!({"token": "not-a-token", "new_password": "a brand new passphrase"}),
    )
    .await
    .assert_problem(400, "validation_failed");
    let res = app
        .post(
            "/api/v1/users/auth/password-reset/confirm/",
            None,
            &json!({"token": token, "new_password": "a brand new passphrase"}),
        )
        .await;
    res.assert_status(200);
    // Used up.
    let again = app
        .post(
            "/api/v1/users/auth/password-reset/confirm/",
            None,
            &json!({"token": token, "new_password": "another new passphrase"}),
        )
        .await;
    again.assert_problem(400, "validation_failed");
    assert!(again.body["errors"]["token"].is_array(), "{}", again.body);
    // Every session ended: the old access token and refresh cookie stop working.
    app.get("/api/v1/users/profile/", Some(&d.customer.access))
        .await
        .assert_status(401);
    app.post_cookie("/api/v1/users/auth/refresh/", Some(&d.customer.refresh))
        .await
        .assert_status(401);
    // The old password is gone; the new one works.
    app.login("ada").await.assert_status(401);
    app.post(
        "/api/v1/users/auth/login/",
        None,
        &json!({"username": "ada", "password": "a brand new passphrase"}),
    )
    .await
    .assert_status(200);
}

async fn without_mail_reset_is_unavailable(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.register("ada").await;
    let res = app
        .post(
            "/api/v1/users/auth/password-reset/",
            None,
            &json!({"email": "ada@example.com"}),
        )
        .await;
    res.assert_problem(503, "unavailable");
    let detail = res.body["detail"].as_str().unwrap();
    assert!(detail.contains("mail is not configured"), "{detail}");
    // Preferences can be kept all the same.
    let res = app
        .get("/api/v1/users/profile/notifications/", Some(&ada.access))
        .await;
    res.assert_status(200);
    assert_eq!(res.body["mail_enabled"], Value::Bool(false));
}

backend_tests!(
    each_notification_kind_reaches_the_right_side,
    preferences_turn_kinds_off,
    a_mail_is_retried_until_the_server_takes_it,
    a_permanent_refusal_is_listed_for_admins,
    two_instances_send_each_mail_once,
    password_reset_by_mail,
    without_mail_reset_is_unavailable,
);
