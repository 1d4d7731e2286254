//! Inbound mail, black-box on both databases: the real `ticketing mail receive` process reads
//! each message of `crates/mail/tests/fixtures` (and a few made here) on standard input; its exit
//! status and what the HTTP API shows afterwards are the outcome. A reply to a real notification
//! (captured by the SMTP sink) becomes a message on its ticket; a forged sender, auto-replies,
//! bounces and refused senders write nothing; the same message delivered twice is written once;
//! an unreachable database is a temporary failure with nothing written.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use ticketing_app::UserUpdate;
use ticketing_domain::{Role, UserId};

use super::helpers::*;
use super::mail::sink::Sink;
use super::mail::{wait_for, with_mail};

/// The reply token the fixtures carry.
const FIXTURE_TOKEN: &str = "mfrggzdfmztwq2lknnwg23tpob";

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../mail/tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What one run of `ticketing mail receive` did.
#[derive(Debug)]
struct Run {
    code: i32,
    stderr: String,
}

/// Runs `ticketing mail receive` with `raw` on standard input, against the test server's
/// database and data directory, with `env` added.
async fn receive_with(db_url: &str, app: &TestApp, raw: Vec<u8>, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticketing"));
    command
        .env_clear()
        .env("TICKETING_LOG", "warn")
        .env("TICKETING_DATA_DIR", app.data_dir())
        .env("DATABASE_URL", db_url)
        .env("TICKETING_JWT_SECRET", JWT_SECRET)
        .envs(env.iter().copied())
        .args(["mail", "receive"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // A refused message may be answered before it is read whole.
        let _ = stdin.write_all(&raw);
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

async fn receive(app: &TestApp, raw: Vec<u8>) -> Run {
    receive_with(app.database_url(), app, raw, &[]).await
}

/// Registers a customer with this address.
async fn customer(app: &TestApp, username: &str, email: &str) -> TestUser {
    app.register_as(username, email).await
}

/// Every ticket, newest first, as `staff` sees them.
async fn tickets(app: &TestApp, staff: &TestUser) -> Vec<Value> {
    let res = app
        .get(
            "/api/v1/tickets/?limit=100&ordering=-created_at",
            Some(&staff.access),
        )
        .await;
    res.assert_status(200);
    res.body.as_array().unwrap().clone()
}

/// Counts of what the API shows: tickets, and messages over all tickets.
async fn counts(app: &TestApp, staff: &TestUser) -> (usize, u64) {
    let all = tickets(app, staff).await;
    let messages = all
        .iter()
        .map(|t| t["message_count"].as_u64().unwrap_or(0))
        .sum();
    (all.len(), messages)
}

/// Stores the hash of `token` as the reply token of ticket `number` for the user with `email`,
/// as the mail planner does for a notification.
fn give_token(app: &TestApp, backend: &Backend, token: &str, number: u64, email: &str) {
    let hash: String = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let now = match backend {
        Backend::Sqlite => chrono::Utc::now().timestamp_micros().to_string(),
        Backend::Postgres(_) => "now()".to_owned(),
    };
    app.execute_sql(&format!(
        "INSERT INTO mail_reply_tokens (token_hash, ticket_id, user_id, created_at) \
         SELECT '{hash}', t.id, u.id, {now} FROM tickets t, users u \
         WHERE t.number = {number} AND u.email_key = '{email}'"
    ));
}

fn assert_code(run: &Run, code: i32, what: &str) {
    assert_eq!(run.code, code, "{what}: {}", run.stderr);
}

/// Every fixture with its outcome: replies whose token is unknown here open tickets (never the
/// `[#1042]` of the subject), decoded and trimmed; auto-replies and bounces write nothing; the
/// fixture token, once it is Charles's, adds Charles's reply to his ticket and refuses Ada's
/// forged mail with it.
async fn each_fixture_has_its_outcome(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let root = app.staff("root", Role::Admin).await;
    let ada = customer(&app, "ada", "ada.lovelace@gmail.example").await;
    let charles = customer(&app, "charles", "charles@engines.example").await;
    for (name, email) in [
        ("grace", "grace@navy.example"),
        ("linus", "linus@kernel.example"),
        ("marie", "marie@lab.example"),
        ("alan", "alan@bletchley.example"),
        ("helene", "helene@exemple.example"),
        ("juergen", "juergen.mueller@firma.example"),
        ("taro", "taro.yamada@kaisha.example"),
        ("ops", "ops@legacy.example"),
    ] {
        customer(&app, name, email).await;
    }

    // Automatic mail: exit 0, nothing written.
    for name in [
        "dsn-bounce.eml",
        "out-of-office.eml",
        "vacation-precedence.eml",
    ] {
        let run = receive(&app, fixture(name)).await;
        assert_code(&run, 0, name);
        assert!(run.stderr.contains("dropped"), "{name}: {}", run.stderr);
    }
    assert_eq!(counts(&app, &root).await, (0, 0));

    // Not a message: 65, nothing written.
    let run = receive(&app, fixture("malformed.bin")).await;
    assert_code(&run, 65, "malformed.bin");
    let run = receive(&app, Vec::new()).await;
    assert_code(&run, 65, "empty input");
    assert_eq!(counts(&app, &root).await, (0, 0));

    // Mail from people: each a ticket of its sender, its subject and text decoded and trimmed.
    let opened: [(&str, &str, &str, &str); 10] = [
        (
            "gmail-reply.eml",
            "ada",
            "Printer on fire",
            "The smoke is gone",
        ),
        ("outlook-reply.eml", "charles", "Printer on fire", ""),
        ("apple-mail-reply.eml", "grace", "Printer on fire", ""),
        ("base64.eml", "linus", "Invoice March", ""),
        ("html-only.eml", "marie", "Several things broken", ""),
        ("inline-image.eml", "alan", "Screenshot of the error", ""),
        (
            "iso-8859-1.eml",
            "helene",
            "Imprimante en feu à l'étage",
            "",
        ),
        (
            "quoted-printable.eml",
            "juergen",
            "Drucker druckt nur Sonderzeichen – dringend",
            "",
        ),
        ("shift-jis.eml", "taro", "", ""),
        ("forward.eml", "grace", "Toner order", "Supplier"),
    ];
    for (index, (name, owner, topic, text)) in opened.iter().enumerate() {
        let raw = fixture(name);
        let parsed = ticketing_mail::parse_inbound(&raw).unwrap();
        let run = receive(&app, raw).await;
        assert_code(&run, 0, name);
        assert!(
            run.stderr.contains("opened ticket #"),
            "{name}: {}",
            run.stderr
        );
        let all = tickets(&app, &root).await;
        assert_eq!(all.len(), index + 1, "{name}");
        let t = detail(&app, &root.access, all[0]["id"].as_str().unwrap()).await;
        assert_eq!(t["user"]["username"], *owner, "{name}");
        if !topic.is_empty() {
            assert_eq!(t["topic"], *topic, "{name}");
        }
        assert_eq!(t["topic"], parsed.subject.as_str(), "{name}");
        assert_eq!(t["description"], parsed.body.trim(), "{name}");
        assert!(
            t["description"].as_str().unwrap().contains(text),
            "{name}: {}",
            t["description"]
        );
        // Never the [#1042] of the subject: no such ticket anyway, and no message anywhere.
        assert_eq!(t["message_count"], 0, "{name}");
        assert_eq!(
            t["attachments"].as_array().unwrap().len(),
            parsed.attachments.len(),
            "{name}"
        );
        if let Some(a) = t["attachments"].as_array().unwrap().first() {
            // The file is stored and downloadable by its owner.
            let url = a["file_url"].as_str().unwrap();
            let res = fetch(app.client.get(app.url(url))).await;
            res.assert_status(200);
            assert_eq!(res.bytes, parsed.attachments[0].bytes, "{name}");
        }
    }

    // The fixture token now belongs to Charles on his ticket: his reply (the token in
    // In-Reply-To) is a message there; Ada's mail with the same token is refused.
    let charles_ticket = tickets(&app, &charles).await.into_iter().next().unwrap();
    let number = charles_ticket["number"].as_u64().unwrap();
    give_token(
        &app,
        &backend,
        FIXTURE_TOKEN,
        number,
        "charles@engines.example",
    );
    let before = counts(&app, &root).await;
    let run = receive(&app, fixture("forged-sender.eml")).await;
    assert_code(&run, 67, "forged-sender.eml");
    assert!(run.stderr.contains("refused"), "{}", run.stderr);
    let run = receive(&app, fixture("token-in-to.eml")).await;
    assert_code(&run, 67, "token-in-to.eml (Ada, Charles's token)");
    assert_eq!(counts(&app, &root).await, before);

    let mut reply = fixture("outlook-reply.eml");
    // Another Message-ID: the first delivery of this fixture opened Charles's ticket.
    let text = String::from_utf8(reply.clone()).unwrap().replacen(
        "Message-ID: <AM9PR03MB7185",
        "Message-ID: <again-AM9PR03MB7185",
        1,
    );
    reply = text.into_bytes();
    let run = receive(&app, reply).await;
    assert_code(&run, 0, "Charles's reply");
    assert!(
        run.stderr
            .contains(&format!("added a message to ticket #{number}")),
        "{}",
        run.stderr
    );
    let t = detail(
        &app,
        &charles.access,
        charles_ticket["id"].as_str().unwrap(),
    )
    .await;
    let messages = t["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["user"]["username"], "charles");
    assert_eq!(messages[0]["internal"], false);
    let parsed = ticketing_mail::parse_inbound(&fixture("outlook-reply.eml")).unwrap();
    assert_eq!(messages[0]["message"], parsed.body.trim());
    // The activity log and the event outbox saw it like any reply.
    assert!(
        t["activities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"].as_str().unwrap_or_default().contains("message")),
        "{:#}",
        t["activities"]
    );
    let _ = ada;
}

/// A reply to a real notification (its Reply-To address, captured by the SMTP sink) becomes a
/// public message of the customer on the ticket, and its notification goes out to the assignee
/// like a reply made in the web UI.
async fn a_reply_to_a_notification_becomes_a_message(backend: Backend) {
    let sink = Sink::start(&[]).await;
    let port = sink.port;
    let app = spawn_app_with(backend, |s| with_mail(s, port)).await;
    let agent = app.staff("lee", Role::Agent).await;
    let ada = customer(&app, "ada", "ada@customer.example").await;
    let ticket = app.ticket(&ada.access, "Printer on fire").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let number = ticket["number"].as_u64().unwrap();
    app.patch_ticket(&agent.access, &id, json!({"assigned_to": agent.id}))
        .await;
    app.message(&agent.access, &id, "Did you try turning it off?", false)
        .await;
    let got = wait_for(&sink, 30, |m| {
        m.iter()
            .any(|m| m.to.iter().any(|t| t == "ada@customer.example"))
    })
    .await;
    let notification = got
        .iter()
        .find(|m| m.to.iter().any(|t| t == "ada@customer.example"))
        .unwrap();
    let reply_to = notification.header("Reply-To").to_owned();
    let address = reply_to
        .trim()
        .trim_start_matches(|c| c != '<')
        .trim_matches(['<', '>'])
        .to_owned();
    let address = if address.is_empty() {
        reply_to.trim().to_owned()
    } else {
        address
    };
    assert!(address.starts_with("support+"), "{reply_to}");
    let message_id = notification.header("Message-ID").to_owned();
    let raw = format!(
        "From: Ada <ada@customer.example>\r\nTo: {address}\r\nSubject: Re: [#{number}] Printer on fire\r\n\
         Message-ID: <reply-1@customer.example>\r\nIn-Reply-To: {message_id}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nYes, and now it works.\r\n\r\n\
         On Mon, 3 Mar 2025 at 10:02, Helpdesk <support@help.test> wrote:\r\n\r\n> Did you try turning it off?\r\n"
    );
    let run = receive(&app, raw.clone().into_bytes()).await;
    assert_code(&run, 0, "the reply");
    assert!(
        run.stderr
            .contains(&format!("added a message to ticket #{number}")),
        "{}",
        run.stderr
    );
    // Delivered again (the mail server retried): written once.
    let again = receive(&app, raw.into_bytes()).await;
    assert_code(&again, 0, "the same reply again");
    assert!(
        again.stderr.contains("already received"),
        "{}",
        again.stderr
    );
    let t = detail(&app, &ada.access, &id).await;
    let messages = t["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert_eq!(messages[1]["message"], "Yes, and now it works.");
    assert_eq!(messages[1]["user"]["username"], "ada");
    assert_eq!(messages[1]["internal"], false);
    // Its words are searched like a reply in the web UI ("works" is only in the mail).
    let found = app
        .get("/api/v1/tickets/?q=works", Some(&agent.access))
        .await;
    found.assert_status(200);
    let ids: Vec<&str> = found
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()], "{}", found.text());
    // The assignee is told, as for a reply in the web UI (through the outbox).
    let sent_before = got.len();
    let got = wait_for(&sink, 30, |m| {
        m.len() > sent_before
            && m.iter()
                .any(|m| m.to.contains(&agent.email) && m.text.contains("now it works"))
    })
    .await;
    assert!(!got.is_empty());
}

/// Unknown senders follow TICKETING_MAIL_UNKNOWN_SENDER (refuse by default, 67; create: a
/// customer account without a usable password, then its ticket); a deactivated account is
/// refused; staff mail opens a ticket too; a message over the size limit is 65; an unreachable
/// database is 75 with nothing written.
async fn senders_are_refused_or_welcomed(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.staff("root", Role::Admin).await;
    let db = app.database_url().to_owned();
    let mail = |from: &str, id: &str| {
        format!(
            "From: Someone <{from}>\r\nTo: support@help.test\r\nSubject: Hello\r\n\
             Message-ID: <{id}@x.example>\r\n\r\nPlease help.\r\n"
        )
        .into_bytes()
    };
    // Refused by default.
    let run = receive(&app, mail("stranger@nowhere.example", "a")).await;
    assert_code(&run, 67, "unknown sender");
    assert_eq!(counts(&app, &root).await, (0, 0));
    // Created when asked for.
    let create = [("TICKETING_MAIL_UNKNOWN_SENDER", "create")];
    let run = receive_with(&db, &app, mail("Stranger@Nowhere.example", "b"), &create).await;
    assert_code(&run, 0, "unknown sender, create");
    assert!(
        run.stderr.contains("new customer account"),
        "{}",
        run.stderr
    );
    let all = tickets(&app, &root).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["topic"], "Hello");
    let owner = &all[0]["user"];
    assert_eq!(owner["role"], "customer");
    assert_eq!(owner["username"], "Stranger");
    // No usable password: the account cannot sign in until a reset.
    app.login("Stranger@Nowhere.example")
        .await
        .assert_status(401);
    // The next mail of that address is a known sender's (whatever the setting).
    let run = receive(&app, mail("stranger@nowhere.example", "c")).await;
    assert_code(&run, 0, "the new account writes again");
    assert_eq!(tickets(&app, &root).await.len(), 2);

    // A deactivated account is refused.
    let gone = customer(&app, "gone", "gone@customer.example").await;
    app.app
        .operator_update_user(
            UserId::from_uuid(gone.id.parse().unwrap()),
            UserUpdate {
                role: None,
                is_active: Some(false),
            },
        )
        .await
        .unwrap();
    let run = receive_with(&db, &app, mail("gone@customer.example", "d"), &create).await;
    assert_code(&run, 67, "deactivated");
    assert_eq!(tickets(&app, &root).await.len(), 2);

    // An empty subject gets the first line; an attachment over the limit is left out with a
    // note, the rest kept.
    let big = "A".repeat(3000);
    let raw = format!(
        "From: {}\r\nSubject: \r\nMessage-ID: <big@x.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nFirst line here\r\nsecond\r\n--b\r\n\
         Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"big.pdf\"\r\n\r\n{big}\r\n--b\r\n\
         Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"small.txt\"\r\n\r\nsmall\r\n--b--\r\n",
        root.email
    );
    let run = receive_with(
        &db,
        &app,
        raw.into_bytes(),
        &[("TICKETING_MAX_UPLOAD_BYTES", "1000")],
    )
    .await;
    assert_code(&run, 0, "an attachment over the limit");
    assert!(run.stderr.contains("1 files, 1 left out"), "{}", run.stderr);
    let t = detail(
        &app,
        &root.access,
        tickets(&app, &root).await[0]["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(t["topic"], "First line here");
    assert_eq!(t["user"]["username"], "root");
    let description = t["description"].as_str().unwrap();
    assert!(
        description.starts_with("First line here\nsecond"),
        "{description}"
    );
    assert!(description.contains("\"big.pdf\""), "{description}");
    let files = t["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["filename"], "small.txt");

    // Over the size limit of a whole message: 65.
    let huge = format!(
        "From: {}\r\nSubject: x\r\n\r\n{}",
        root.email,
        "x".repeat(2 * 1000 + (1 << 20) + 10)
    );
    let run = receive_with(
        &db,
        &app,
        huge.into_bytes(),
        &[("TICKETING_MAX_UPLOAD_BYTES", "1000")],
    )
    .await;
    assert_code(&run, 65, "too large");

    // A setting the command cannot use: 75 too (the mail stays queued while it is fixed).
    let run = receive_with(
        &db,
        &app,
        mail(&root.email, "f"),
        &[("TICKETING_MAIL_UNKNOWN_SENDER", "maybe")],
    )
    .await;
    assert_code(&run, 75, "a bad setting");
    assert!(
        run.stderr.contains("TICKETING_MAIL_UNKNOWN_SENDER"),
        "{}",
        run.stderr
    );

    // The database cannot be reached: 75, nothing written.
    let before = counts(&app, &root).await;
    let unreachable = if db.starts_with("sqlite://") {
        format!(
            "sqlite://{}/missing-dir/not-a-dir/x.db",
            app.data_dir().join("ticketing.db").display()
        )
    } else {
        "postgres://postgres@127.0.0.1:1/postgres".to_owned()
    };
    let run = receive_with(&unreachable, &app, mail(&root.email, "e"), &[]).await;
    assert_code(&run, 75, "unreachable database");
    assert!(!run.stderr.contains("Please help"), "{}", run.stderr);
    assert_eq!(counts(&app, &root).await, before);
}

backend_tests!(
    each_fixture_has_its_outcome,
    a_reply_to_a_notification_becomes_a_message,
    senders_are_refused_or_welcomed,
);
