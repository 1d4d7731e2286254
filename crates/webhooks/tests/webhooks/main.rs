//! Deliveries to a real HTTP receiver, checked by the Standard Webhooks reference verifier
//! (Python) and by the documentation's examples.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod receiver;
mod verifier;

use std::time::Duration;

use chrono::Utc;
use ticketing_webhooks::{
    ClientConfig, DeliveryOutcome, Failure, Message, Secret, UrlError, WebhookClient, schedule,
};

use receiver::Receiver;
use verifier::{assert_refused, assert_verified};

const BODY: &[u8] = br#"{"type":"ticket.created","data":{"id":"0193a4d2","topic":"Caf\u00e9"}}"#;

fn client(allow_private: bool) -> WebhookClient {
    WebhookClient::new(ClientConfig {
        allow_private,
        ..ClientConfig::default()
    })
    .unwrap()
}

async fn send(
    client: &WebhookClient,
    url: &str,
    id: &str,
    secrets: (&Secret, Option<&Secret>),
) -> DeliveryOutcome {
    let message = Message {
        id,
        timestamp: Utc::now(),
        body: BODY,
    };
    client.deliver(url, &message, secrets.0, secrets.1).await
}

#[tokio::test]
async fn a_delivery_is_signed_so_that_the_reference_verifier_accepts_it() {
    let receiver = Receiver::start().await;
    let secret = Secret::generate();
    let outcome = send(
        &client(true),
        &receiver.url("/ok"),
        "evt_1",
        (&secret, None),
    )
    .await;

    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(outcome.status, Some(200));
    assert_eq!(outcome.response_snippet, "thanks");
    assert!(outcome.latency < Duration::from_secs(5));
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.body, BODY);
    assert_eq!(request.headers["webhook-id"], "evt_1");
    assert_eq!(request.headers["content-type"], "application/json");
    assert!(request.headers["user-agent"].starts_with("ticketing-webhooks/"));
    let timestamp: i64 = request.headers["webhook-timestamp"].parse().unwrap();
    assert!((Utc::now().timestamp() - timestamp).abs() < 5);
    assert!(request.headers["webhook-signature"].starts_with("v1,"));
    assert!(!request.headers["webhook-signature"].contains(' '));

    assert_verified(secret.expose(), request);
    // The verifiers can say no: another secret, a changed body, a changed id.
    assert_refused(Secret::generate().expose(), request);
    let mut tampered = request.clone();
    tampered.body[2] ^= 1;
    assert_refused(secret.expose(), &tampered);
    let mut other_id = request.clone();
    other_id.headers.insert("webhook-id".into(), "evt_2".into());
    assert_refused(secret.expose(), &other_id);
}

#[tokio::test]
async fn during_a_rotation_both_secrets_verify() {
    let receiver = Receiver::start().await;
    let (new, old) = (Secret::generate(), Secret::generate());
    let outcome = send(
        &client(true),
        &receiver.url("/ok"),
        "evt_rot",
        (&new, Some(&old)),
    )
    .await;
    assert!(outcome.is_success(), "{outcome:?}");

    let request = &receiver.received()[0];
    assert_eq!(request.headers["webhook-signature"].split(' ').count(), 2);
    assert_verified(new.expose(), request);
    assert_verified(old.expose(), request);
    assert_refused(Secret::generate().expose(), request);
}

#[tokio::test]
async fn a_500_is_a_failure_with_its_status_and_body_and_the_retry_keeps_the_id() {
    let receiver = Receiver::start().await;
    let secret = Secret::generate();
    let client = client(true);
    let url = receiver.url("/fail?token=s3cret");
    let first = send(&client, &url, "evt_500", (&secret, None)).await;

    assert!(!first.is_success());
    assert_eq!(first.status, Some(500));
    assert_eq!(first.failure, Some(Failure::HttpStatus(500)));
    assert_eq!(first.failure.as_ref().unwrap().kind(), "http_status");
    assert_eq!(first.response_snippet, "database down");
    let now = Utc::now();
    assert!(matches!(
        schedule::after_attempt(first.is_success(), 1, None, now),
        schedule::NextStep::RetryAt(at) if at > now
    ));

    let second = send(&client, &url, "evt_500", (&secret, None)).await;
    assert_eq!(second.status, Some(500));
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert!(
        received
            .iter()
            .all(|r| r.headers["webhook-id"] == "evt_500")
    );
    assert_verified(secret.expose(), &received[1]);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let receiver = Receiver::start().await;
    let outcome = send(
        &client(true),
        &receiver.url("/redirect"),
        "evt_r",
        (&Secret::generate(), None),
    )
    .await;

    assert_eq!(outcome.status, Some(302));
    assert_eq!(outcome.failure, Some(Failure::Redirect(302)));
    assert_eq!(outcome.failure.as_ref().unwrap().kind(), "redirect");
    assert_eq!(outcome.response_snippet, "moved");
    let paths: Vec<_> = receiver.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/redirect"]);
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let receiver = Receiver::start().await;
    let secret = Secret::generate();
    let port = receiver.addr.port();
    let strict = client(false);

    // Address literals, in any spelling, never reach the network.
    for url in [
        format!("http://127.0.0.1:{port}/ok?token=s3cret"),
        format!("http://127.1:{port}/ok"),
        format!("http://[::ffff:127.0.0.1]:{port}/ok"),
        format!("http://[::1]:{port}/ok"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[fd00:ec2::254]/latest/meta-data/".to_owned(),
    ] {
        let outcome = send(&strict, &url, "evt_p", (&secret, None)).await;
        let failure = outcome.failure.clone().unwrap();
        assert!(
            matches!(failure, Failure::Url(UrlError::Refused(_))),
            "{url}: {failure:?}"
        );
        assert_eq!(failure.kind(), "refused_address");
        assert_eq!(outcome.status, None);
        assert!(!format!("{failure} {failure:?}").contains("s3cret"));
    }
    let metadata = send(&strict, "http://169.254.169.254/", "evt_m", (&secret, None)).await;
    assert_eq!(
        metadata.failure.unwrap().to_string(),
        "endpoint URL refused: 169.254.169.254 is a cloud metadata address"
    );

    // A name is checked on the addresses it resolves to.
    let by_name = send(
        &strict,
        &format!("http://localhost:{port}/ok"),
        "evt_n",
        (&secret, None),
    )
    .await;
    let failure = by_name.failure.unwrap();
    assert!(matches!(failure, Failure::RefusedAddress(_)), "{failure:?}");
    assert_eq!(failure.kind(), "refused_address");
    assert!(
        failure.to_string().ends_with("is a loopback address"),
        "{failure}"
    );
    assert!(receiver.received().is_empty());

    // With TICKETING_WEBHOOK_ALLOW_PRIVATE=true both arrive.
    let allowing = client(true);
    for url in [receiver.url("/ok"), format!("http://localhost:{port}/ok")] {
        let outcome = send(&allowing, &url, "evt_a", (&secret, None)).await;
        assert!(outcome.is_success(), "{url}: {outcome:?}");
    }
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn no_answer_within_the_time_limit_is_a_timeout() {
    let receiver = Receiver::start().await;
    let client = WebhookClient::new(ClientConfig {
        allow_private: true,
        timeout: Duration::from_millis(400),
        ..ClientConfig::default()
    })
    .unwrap();
    let outcome = send(
        &client,
        &receiver.url("/slow"),
        "evt_t",
        (&Secret::generate(), None),
    )
    .await;

    assert_eq!(outcome.failure, Some(Failure::Timeout));
    assert_eq!(outcome.status, None);
    assert!(
        outcome.latency >= Duration::from_millis(400),
        "{:?}",
        outcome.latency
    );
    assert!(
        outcome.latency < Duration::from_secs(2),
        "{:?}",
        outcome.latency
    );
}

#[tokio::test]
async fn only_the_start_of_a_large_answer_is_kept() {
    let receiver = Receiver::start().await;
    let outcome = send(
        &client(true),
        &receiver.url("/large"),
        "evt_l",
        (&Secret::generate(), None),
    )
    .await;
    assert!(outcome.is_success());
    assert_eq!(outcome.response_snippet, "x".repeat(4096));
}

#[tokio::test]
async fn network_failures_are_named() {
    let secret = Secret::generate();
    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = send(
        &client(true),
        &format!("http://127.0.0.1:{port}/x?token=s3cret"),
        "evt_c",
        (&secret, None),
    )
    .await;
    let failure = refused.failure.unwrap();
    assert_eq!(failure.kind(), "connect", "{failure:?}");
    assert!(failure.to_string().contains("refused"), "{failure}");
    assert!(!format!("{failure} {failure:?}").contains("s3cret"));

    let patient = WebhookClient::new(ClientConfig {
        timeout: Duration::from_secs(30),
        ..ClientConfig::default()
    })
    .unwrap();
    let unknown = send(
        &patient,
        "https://no-such-host.invalid/hook",
        "evt_d",
        (&secret, None),
    )
    .await;
    let failure = unknown.failure.unwrap();
    assert_eq!(failure.kind(), "dns", "{failure:?}");
    assert!(
        failure.to_string().contains("no-such-host.invalid"),
        "{failure}"
    );

    let ftp = send(&patient, "ftp://example.com/hook", "evt_f", (&secret, None)).await;
    assert_eq!(ftp.failure.unwrap().kind(), "invalid_url");
    let credentials = send(
        &patient,
        "https://user:pw@example.com/",
        "evt_u",
        (&secret, None),
    )
    .await;
    assert_eq!(
        credentials.failure,
        Some(Failure::Url(UrlError::Credentials))
    );
}
