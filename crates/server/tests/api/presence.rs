//! `POST`/`DELETE /api/v1/tickets/{id}/presence/` and the `presence` events of the stream,
//! black-box over real HTTP on both databases: staff see each other viewing and replying,
//! customers never do; a presence expires 30 s after its last refresh; on PostgreSQL, a presence
//! shown through one server process reaches a stream on another.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use ticketing_domain::presence::PRESENCE_TTL;
use ticketing_domain::{PresenceNotice, Role};

use super::events::{ServerProcess, Sse, SseEvent, open, open_on};
use super::helpers::*;

backend_tests!(
    staff_see_each_other_and_customers_never_do,
    presence_is_for_staff_on_tickets_they_see,
    a_presence_expires_thirty_seconds_after_its_last_refresh,
    presence_updates_are_rate_limited,
);

fn path(ticket: &str) -> String {
    format!("/api/v1/tickets/{ticket}/presence/")
}

async fn show(app: &TestApp, token: &str, ticket: &str, state: &str) -> Value {
    let res = app
        .post(&path(ticket), Some(token), &json!({ "state": state }))
        .await;
    res.assert_status(200);
    res.body.clone()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// Who a presence notice is about.
fn who(n: &PresenceNotice) -> String {
    n.actor.id.map(|u| u.to_string()).unwrap_or_default()
}

/// The next event, which must be a presence (the domain's notice: what a Rust client reads).
async fn presence(stream: &mut Sse) -> (SseEvent, PresenceNotice) {
    let e = stream.expect().await;
    assert_eq!(e.event, "presence", "{e:?}");
    assert_eq!(
        e.id, None,
        "presence has no id: it does not move the resume point"
    );
    let notice: PresenceNotice = serde_json::from_str(&e.data).unwrap();
    (e, notice)
}

async fn staff_see_each_other_and_customers_never_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let alex = app.staff("alex", Role::Agent).await;
    let lee = app.staff("lee", Role::Admin).await;
    let carol = app.register("carol").await;
    let ticket = app.ticket(&carol.access, "Printer on fire").await;
    let (id, number) = (
        ticket["id"].as_str().unwrap().to_owned(),
        ticket["number"].as_u64().unwrap(),
    );
    let other = app.ticket(&carol.access, "Elsewhere").await;
    let other = other["id"].as_str().unwrap().to_owned();

    let mut everything = open(&app, &alex.access).await;
    let mut this_one = open_on(&app, &alex.access, &format!("?ticket={id}"), None).await;
    let mut that_one = open_on(&app, &alex.access, &format!("?ticket={other}"), None).await;
    let mut own = open(&app, &lee.access).await;
    let mut customer = open(&app, &carol.access).await;
    let mut customer_ticket = open_on(&app, &carol.access, &format!("?ticket={id}"), None).await;

    // Lee opens the ticket: the answer says nobody else is there.
    let started = Instant::now();
    let mine = show(&app, &lee.access, &id, "viewing").await;
    assert_eq!(mine["state"], "viewing");
    assert_eq!(mine["ticket_number"], number);
    assert_eq!(mine["refresh_in_seconds"], 15);
    assert_eq!(mine["others"], json!([]));
    let expires = time(&mine["expires_at"]);
    for stream in [&mut everything, &mut this_one] {
        let (e, n) = presence(stream).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(n.kind, "presence");
        assert_eq!(n.ticket_id.to_string(), id);
        assert_eq!(n.ticket_number, Some(number));
        assert_eq!(n.actor.id.map(|u| u.to_string()), Some(lee.id.clone()));
        assert_eq!(n.actor.name, "First Last");
        assert_eq!(n.state, "viewing");
        assert_eq!(n.expires_at, Some(expires));
        assert_eq!(n.expires_at.unwrap() - n.at, PRESENCE_TTL);
        assert_eq!(time(&e.json()["expires_at"]), expires);
    }
    // Lee types a reply.
    show(&app, &lee.access, &id, "replying").await;
    for stream in [&mut everything, &mut this_one] {
        assert_eq!(presence(stream).await.1.state, "replying");
    }
    // Alex opens it too: the answer names Lee, replying.
    let alexs = show(&app, &alex.access, &id, "viewing").await;
    let others = alexs["others"].as_array().unwrap();
    assert_eq!(others.len(), 1, "{alexs}");
    assert_eq!(others[0]["user_id"], lee.id.as_str());
    assert_eq!(others[0]["name"], "First Last");
    assert_eq!(others[0]["state"], "replying");
    // Lee hears of Alex, never of himself.
    let (_, n) = presence(&mut own).await;
    assert_eq!((who(&n), n.state.as_str()), (alex.id.clone(), "viewing"));
    // A stream opened now is told who is there first (Lee replying, not Alex himself).
    let mut late = open(&app, &alex.access).await;
    let (_, n) = presence(&mut late).await;
    assert_eq!((who(&n), n.state.as_str()), (lee.id.clone(), "replying"));
    late.expect_quiet().await;
    // Lee leaves.
    app.delete(&path(&id), Some(&lee.access))
        .await
        .assert_status(204);
    for stream in [&mut everything, &mut this_one] {
        let (e, n) = presence(stream).await;
        assert_eq!((who(&n), n.state.as_str()), (lee.id.clone(), "left"));
        assert_eq!(n.expires_at, None);
        assert_eq!(e.json()["expires_at"], Value::Null);
    }
    everything.expect_quiet().await;
    this_one.expect_quiet().await;
    own.expect_quiet().await;
    // Another ticket's stream heard nothing; the customer, nothing at all, even with a real
    // event after all that (so the stream was alive).
    that_one.expect_quiet().await;
    app.message(&lee.access, &id, "On it", false).await;
    for stream in [&mut customer, &mut customer_ticket] {
        let e = stream.expect().await;
        assert_eq!(e.event, "message.created");
        stream.expect_quiet().await;
    }
}

async fn presence_is_for_staff_on_tickets_they_see(backend: Backend) {
    let app = spawn_app(backend).await;
    let lee = app.staff("lee", Role::Agent).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let ticket = app.ticket(&carol.access, "Mine").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let viewing = json!({"state": "viewing"});

    // A customer on their own ticket: forbidden; on someone else's: not found.
    app.post(&path(&id), Some(&carol.access), &viewing)
        .await
        .assert_problem(403, "forbidden");
    app.delete(&path(&id), Some(&carol.access))
        .await
        .assert_problem(403, "forbidden");
    app.post(&path(&id), Some(&dave.access), &viewing)
        .await
        .assert_problem(404, "not_found");
    app.delete(&path(&id), Some(&dave.access))
        .await
        .assert_problem(404, "not_found");
    // Staff: no such ticket, or a deleted one.
    let unknown = uuid::Uuid::new_v4().to_string();
    app.post(&path(&unknown), Some(&lee.access), &viewing)
        .await
        .assert_problem(404, "not_found");
    let gone = app.ticket(&carol.access, "Gone").await;
    let gone = gone["id"].as_str().unwrap().to_owned();
    app.delete(&format!("/api/v1/tickets/{gone}/"), Some(&lee.access))
        .await
        .assert_status(204);
    app.post(&path(&gone), Some(&lee.access), &viewing)
        .await
        .assert_problem(404, "not_found");
    // Bad bodies.
    let res = app
        .post(&path(&id), Some(&lee.access), &json!({"state": "left"}))
        .await;
    res.assert_problem(400, "validation_failed");
    assert!(res.text().contains("viewing, replying"), "{}", res.text());
    app.post(
        &path(&id),
        Some(&lee.access),
        &json!({"state": "viewing", "typing": true}),
    )
    .await
    .assert_status(400);
    app.post(&path(&id), Some(&lee.access), &json!({}))
        .await
        .assert_status(400);
    // No token.
    app.post(&path(&id), None, &viewing)
        .await
        .assert_problem(401, "unauthenticated");
    // Leaving without having been there is fine.
    app.delete(&path(&id), Some(&lee.access))
        .await
        .assert_status(204);
    // Only POST and DELETE.
    let res = fetch(app.request(Method::GET, &path(&id), Some(&lee.access))).await;
    res.assert_problem(405, "method_not_allowed");
    assert_eq!(res.header("allow"), Some("POST, DELETE"));
}

async fn a_presence_expires_thirty_seconds_after_its_last_refresh(backend: Backend) {
    let app = spawn_app(backend).await;
    let alex = app.staff("alex", Role::Agent).await;
    let lee = app.staff("lee", Role::Agent).await;
    let carol = app.register("carol").await;
    let ticket = app.ticket(&carol.access, "Slow").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let mut stream = open(&app, &alex.access).await;

    let first = show(&app, &lee.access, &id, "viewing").await;
    assert_eq!(presence(&mut stream).await.1.state, "viewing");
    // A refresh moves the expiry (and is told: the others' countdown restarts).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let refreshed = show(&app, &lee.access, &id, "viewing").await;
    let shown_at = Instant::now();
    assert!(
        time(&refreshed["expires_at"]) >= time(&first["expires_at"]) + chrono::Duration::seconds(2)
    );
    let (_, n) = presence(&mut stream).await;
    assert_eq!(n.expires_at, Some(time(&refreshed["expires_at"])));
    // Still there 25 s later...
    assert!(stream.next(Duration::from_secs(25)).await.is_none());
    let again = show(&app, &alex.access, &id, "viewing").await;
    assert_eq!(again["others"][0]["user_id"], lee.id.as_str(), "{again}");
    // ...gone once 30 s passed without a refresh.
    let e = stream
        .next(Duration::from_secs(10))
        .await
        .expect("a presence event when the presence expires");
    let waited = shown_at.elapsed();
    let n: PresenceNotice = serde_json::from_str(&e.data).unwrap();
    assert_eq!((who(&n), n.state.as_str()), (lee.id.clone(), "left"));
    assert!(
        waited >= Duration::from_secs(29) && waited < Duration::from_secs(33),
        "left after {waited:?}"
    );
    let later = show(&app, &alex.access, &id, "viewing").await;
    assert_eq!(later["others"], json!([]));
}

async fn presence_updates_are_rate_limited(backend: Backend) {
    let app = spawn_app(backend).await;
    let lee = app.staff("lee", Role::Agent).await;
    let carol = app.register("carol").await;
    let ticket = app.ticket(&carol.access, "Busy").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    for _ in 0..ticketing_http::PRESENCE_PER_MINUTE {
        show(&app, &lee.access, &id, "viewing").await;
    }
    let res = app
        .post(&path(&id), Some(&lee.access), &json!({"state": "replying"}))
        .await;
    res.assert_problem(429, "rate_limited");
    assert!(res.header("retry-after").is_some());
    // Per user: another agent is not held back.
    let alex = app.staff("alex", Role::Agent).await;
    show(&app, &alex.access, &id, "viewing").await;
}

/// PostgreSQL: a presence shown through one server process (B, the `ticketing` binary) reaches a
/// staff stream on another (A) within a second, through the database.
#[tokio::test]
async fn a_presence_shown_through_one_replica_reaches_a_stream_on_another() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let a = spawn_app(backend).await;
    let b = ServerProcess::start(Some(a.database_url()));
    let alex = a.staff("alex", Role::Agent).await;
    let lee = a.staff("lee", Role::Agent).await;
    let carol = a.register("carol").await;
    let ticket = a.ticket(&carol.access, "Across").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let mut on_a = open(&a, &alex.access).await;
    let mut carol_on_a = open(&a, &carol.access).await;
    let client = reqwest::Client::new();
    for state in ["viewing", "replying"] {
        let started = Instant::now();
        let res = client
            .post(format!("{}{}", b.address, path(&id)))
            .bearer_auth(&lee.access)
            .json(&json!({ "state": state }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let (_, n) = presence(&mut on_a).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!((who(&n), n.state.as_str()), (lee.id.clone(), state));
    }
    let res = client
        .delete(format!("{}{}", b.address, path(&id)))
        .bearer_auth(&lee.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(presence(&mut on_a).await.1.state, "left");
    carol_on_a.expect_quiet().await;
}
