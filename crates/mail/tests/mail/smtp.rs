//! Sending to a real SMTP server process (the sink of `scripts/smtp-sink.py`).

use std::time::{Duration, Instant};

use ticketing_mail::{Composer, Mailer, OutgoingMail, ReplyToken, SendError, SmtpConfig};

use crate::compose::{FROM, parts, reply_notification};
use crate::sink::Sink;

fn mailer(url: &str) -> Mailer {
    Mailer::new(&SmtpConfig::parse(url, None, None).unwrap()).unwrap()
}

fn notification_to(address: &str) -> OutgoingMail {
    let mut n = reply_notification(Some(ReplyToken::generate()));
    n.to.address = address.to_owned();
    Composer::new(FROM).unwrap().ticket(&n).unwrap()
}

#[tokio::test]
async fn a_notification_arrives_with_its_headers_and_both_parts() {
    let sink = Sink::start(&[]).await;
    let mail = notification_to("ada@customer.example");
    mailer(&format!("smtp://127.0.0.1:{}?tls=none", sink.port))
        .send(&mail)
        .await
        .unwrap();

    let received = sink.received();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.mail_from, "support@help.example");
    assert_eq!(got.rcpt_tos, vec!["ada@customer.example".to_owned()]);
    let message = mail_parser::MessageParser::default()
        .parse(&got.raw)
        .unwrap();
    assert_eq!(
        message.message_id(),
        Some(mail.message_id().trim_matches(['<', '>']))
    );
    assert_eq!(message.subject(), Some("[#1042] Printer on fire"));
    assert_eq!(
        message.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    assert!(message.header_raw("List-Unsubscribe").is_some());
    assert!(
        message.header_raw("In-Reply-To").is_some() && message.header_raw("References").is_some()
    );
    let p = parts(&got.raw);
    assert!(p.text.contains("> Please switch it off."));
    assert!(p.html.contains("Please switch it off."));
}

#[tokio::test]
async fn credentials_from_the_url_are_percent_decoded_and_used() {
    let sink = Sink::start(&["--auth", "helpdesk@help.example:p@ss:w/rd"]).await;
    let good = format!(
        "smtp://helpdesk%40help.example:p%40ss%3Aw%2Frd@127.0.0.1:{}?tls=none",
        sink.port
    );
    mailer(&good)
        .send(&notification_to("ada@customer.example"))
        .await
        .unwrap();
    assert_eq!(sink.received().len(), 1);

    // Wrong credentials are a problem of the settings: transient, so no mail is given up.
    let bad = format!(
        "smtp://helpdesk%40help.example:wrong@127.0.0.1:{}?tls=none",
        sink.port
    );
    let error = mailer(&bad)
        .send(&notification_to("ada@customer.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SendError::Transient { reason } if reason.starts_with("535")),
        "{error:?}"
    );
    assert!(!format!("{error:?}").contains("wrong"));
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_5xx_is_permanent_with_the_servers_text() {
    let sink = Sink::start(&["--reject", "^nobody@"]).await;
    let error = mailer(&format!("smtp://127.0.0.1:{}?tls=none", sink.port))
        .send(&notification_to("nobody@customer.example"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        SendError::Permanent {
            code: 550,
            reason: "5.1.1 <nobody@customer.example>: Recipient address rejected: User unknown"
                .into()
        }
    );
    assert!(error.is_permanent());
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_4xx_is_transient() {
    let sink = Sink::start(&["--defer", "^later@"]).await;
    let error = mailer(&format!("smtp://127.0.0.1:{}?tls=none", sink.port))
        .send(&notification_to("later@customer.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SendError::Transient { reason } if reason.starts_with("451 4.3.0")),
        "{error:?}"
    );
    assert!(!error.is_permanent());
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let error = mailer(&format!("smtp://127.0.0.1:{port}?tls=none"))
        .send(&notification_to("ada@customer.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SendError::Transient { reason } if reason.contains("refused")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_silent_server_times_out_as_transient() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let (_socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let started = Instant::now();
    let error = mailer(&format!("smtp://127.0.0.1:{port}?tls=none&timeout=1"))
        .send(&notification_to("ada@customer.example"))
        .await
        .unwrap_err();
    assert!(matches!(error, SendError::Transient { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    hold.abort();
}

#[tokio::test]
async fn starttls_is_required_unless_tls_none_is_written_out() {
    let sink = Sink::start(&[]).await;
    let mail = notification_to("ada@customer.example");

    let error = mailer(&format!("smtp://127.0.0.1:{}", sink.port))
        .send(&mail)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SendError::Transient { reason } if reason.contains("STARTTLS")),
        "{error:?}"
    );
    assert!(sink.received().is_empty(), "nothing may be sent in clear");

    let error = mailer(&format!("smtps://127.0.0.1:{}", sink.port))
        .send(&mail)
        .await
        .unwrap_err();
    assert!(matches!(error, SendError::Transient { .. }), "{error:?}");
    assert!(sink.received().is_empty());

    mailer(&format!("smtp://127.0.0.1:{}?tls=none", sink.port))
        .send(&mail)
        .await
        .unwrap();
    assert_eq!(sink.received().len(), 1);
}

#[test]
fn the_mailer_never_shows_the_password() {
    let config =
        SmtpConfig::parse("smtps://ada:hunter2secret@mail.example.com", None, None).unwrap();
    let debug = format!(
        "{:?} {:?} {}",
        Mailer::new(&config).unwrap(),
        config,
        config
    );
    assert!(!debug.contains("hunter2secret"), "{debug}");
}
