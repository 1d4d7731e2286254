//! Composed notification mails, read back with mail-parser (and with our own inbound parser).

use mail_parser::{MessageParser, MimeHeaders};
use ticketing_mail::{
    ComposeError, Composer, InboundKind, MailAddress, NotificationKind, OutgoingMail,
    PasswordResetMail, REPLY_ABOVE_MARKER, ReplyToken, TicketNotification, parse_inbound,
};
use uuid::Uuid;

pub const FROM: &str = "Example Helpdesk <support@help.example>";
pub const TICKET_ID: Uuid = Uuid::from_u128(0x6b1f3c52_8f3e_4c55_9d0a_2f4e1c7b9a10);

/// A public reply to ticket #1042, to Ada, answerable with `token`.
pub fn reply_notification(token: Option<ReplyToken>) -> TicketNotification {
    TicketNotification {
        event_id: Uuid::from_u128(0x0195_5a1e_7c00_7000_8000_0000_0000_0001),
        kind: NotificationKind::PublicReply,
        to: MailAddress {
            address: "ada@customer.example".into(),
            name: Some("Ada Lovelace".into()),
        },
        ticket_id: TICKET_ID,
        ticket_number: 1042,
        ticket_topic: "Printer on fire".into(),
        ticket_url: "https://help.example/tickets/1042/".into(),
        actor_name: "Grace Hopper".into(),
        message: Some("Please switch it off.\n\nThen on again.".into()),
        preferences_url: "https://help.example/profile/notifications/".into(),
        reply_token: token,
    }
}

/// The decoded parts and headers of a composed mail.
pub struct Parts {
    pub text: String,
    pub html: String,
    pub formatted: String,
}

pub fn parts(raw: &[u8]) -> Parts {
    let message = MessageParser::default().parse(raw).unwrap();
    assert_eq!(message.text_body_count(), 1);
    assert_eq!(message.html_body_count(), 1);
    assert!(message.is_content_type("multipart", "alternative"));
    Parts {
        text: message.body_text(0).unwrap().replace("\r\n", "\n"),
        html: message.body_html(0).unwrap().replace("\r\n", "\n"),
        formatted: String::from_utf8(raw.to_vec()).unwrap(),
    }
}

fn compose(n: &TicketNotification) -> OutgoingMail {
    Composer::new(FROM).unwrap().ticket(n).unwrap()
}

fn header<'a>(formatted: &'a str, name: &str) -> Option<&'a str> {
    let headers = &formatted[..formatted.find("\r\n\r\n").unwrap()];
    headers.split("\r\n").find_map(|line| {
        line.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(": "))
    })
}

#[test]
fn a_reply_notification_has_every_header() {
    let token = ReplyToken::generate();
    let mail = compose(&reply_notification(Some(token.clone())));
    let p = parts(&mail.formatted());
    let h = |name| {
        header(&p.formatted, name).unwrap_or_else(|| panic!("no {name} in\n{}", p.formatted))
    };
    assert_eq!(h("Subject"), "[#1042] Printer on fire");
    assert_eq!(h("From"), "\"Example Helpdesk\" <support@help.example>");
    assert_eq!(h("To"), "\"Ada Lovelace\" <ada@customer.example>");
    assert_eq!(
        h("Reply-To"),
        format!(
            "\"Example Helpdesk\" <support+{}@help.example>",
            token.as_str()
        )
    );
    assert_eq!(h("Message-ID"), mail.message_id());
    let root = "<ticket-6b1f3c52-8f3e-4c55-9d0a-2f4e1c7b9a10@help.example>";
    assert_eq!(h("In-Reply-To"), root);
    assert_eq!(h("References"), root);
    assert_eq!(h("Auto-Submitted"), "auto-generated");
    assert_eq!(
        h("List-Unsubscribe"),
        "<https://help.example/profile/notifications/>"
    );
    assert_eq!(
        header(&p.formatted, "List-Unsubscribe-Post"),
        None,
        "the preferences page needs a login"
    );
    assert!(header(&p.formatted, "Date").is_some());
    assert!(
        mail.message_id()
            .starts_with("<01955a1e7c0070008000000000000001.")
    );
    assert!(
        mail.message_id()
            .ends_with(&format!(".{}@help.example>", token.as_str()))
    );
}

#[test]
fn both_parts_carry_the_headline_the_quote_and_the_links() {
    let p = parts(&compose(&reply_notification(Some(ReplyToken::generate()))).formatted());
    assert!(p.text.starts_with(REPLY_ABOVE_MARKER), "{}", p.text);
    assert!(
        p.text
            .contains("Grace Hopper replied on ticket #1042 “Printer on fire”:"),
        "{}",
        p.text
    );
    assert!(
        p.text
            .contains("> Please switch it off.\n>\n> Then on again."),
        "{}",
        p.text
    );
    assert!(
        p.text
            .contains("View ticket #1042: https://help.example/tickets/1042/"),
        "{}",
        p.text
    );
    assert!(
        p.text
            .contains("Choose which mails you get: https://help.example/profile/notifications/")
    );
    assert!(p.html.contains(REPLY_ABOVE_MARKER));
    assert!(
        p.html
            .contains("Grace Hopper replied on ticket #1042 “Printer on fire”:"),
        "{}",
        p.html
    );
    assert!(
        p.html
            .contains("Please switch it off.\n\nThen on again.</blockquote>"),
        "{}",
        p.html
    );
    assert!(
        p.html
            .contains("<a href=\"https://help.example/tickets/1042/\""),
        "{}",
        p.html
    );
}

#[test]
fn the_message_id_is_the_same_on_retry_and_differs_per_recipient() {
    let token = ReplyToken::generate();
    let n = reply_notification(Some(token));
    assert_eq!(compose(&n).message_id(), compose(&n).message_id());
    let mut other = n.clone();
    other.to.address = "bob@customer.example".into();
    assert_ne!(compose(&n).message_id(), compose(&other).message_id());
    let mut later = n.clone();
    later.event_id = Uuid::from_u128(2);
    assert_ne!(compose(&n).message_id(), compose(&later).message_id());
}

#[test]
fn without_a_token_there_is_no_reply_to_and_no_marker() {
    let p = parts(&compose(&reply_notification(None)).formatted());
    assert_eq!(header(&p.formatted, "Reply-To"), None);
    assert!(!p.text.contains(REPLY_ABOVE_MARKER) && !p.html.contains(REPLY_ABOVE_MARKER));
}

#[test]
fn each_kind_has_its_headline_and_the_same_subject() {
    let cases = [
        (
            NotificationKind::NewTicket,
            "Grace Hopper opened ticket #1042 “Printer on fire”.",
        ),
        (
            NotificationKind::Assigned,
            "Grace Hopper assigned ticket #1042 “Printer on fire” to you.",
        ),
        (
            NotificationKind::Resolved,
            "Grace Hopper resolved ticket #1042 “Printer on fire”.",
        ),
        (
            NotificationKind::Closed,
            "Grace Hopper closed ticket #1042 “Printer on fire”.",
        ),
    ];
    for (kind, headline) in cases {
        let mut n = reply_notification(None);
        n.kind = kind;
        n.message = None;
        let p = parts(&compose(&n).formatted());
        assert_eq!(
            header(&p.formatted, "Subject"),
            Some("[#1042] Printer on fire")
        );
        assert!(p.text.contains(headline), "{kind:?}: {}", p.text);
        assert!(p.html.contains(headline), "{kind:?}: {}", p.html);
        assert!(
            !p.text.contains("> ") && !p.html.contains("<blockquote"),
            "{kind:?} quotes nothing"
        );
    }
}

#[test]
fn html_is_escaped_and_text_is_not() {
    let mut n = reply_notification(None);
    n.ticket_topic = "<script>alert('topic')</script>".into();
    n.actor_name = "Eve <img src=x onerror=alert(1)>".into();
    n.message = Some("<script>alert(\"body\")</script> & <b>bold</b>".into());
    let p = parts(&compose(&n).formatted());
    assert!(
        !p.html.contains("<script") && !p.html.contains("<img") && !p.html.contains("<b>"),
        "{}",
        p.html
    );
    assert!(
        p.html
            .contains("&lt;script&gt;alert(&#39;topic&#39;)&lt;/script&gt;"),
        "{}",
        p.html
    );
    assert!(
        p.html.contains(
            "&lt;script&gt;alert(&quot;body&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        ),
        "{}",
        p.html
    );
    assert!(
        p.text
            .contains("> <script>alert(\"body\")</script> & <b>bold</b>"),
        "{}",
        p.text
    );
}

#[test]
fn header_injection_through_the_topic_is_impossible() {
    let mut n = reply_notification(None);
    n.ticket_topic = "Printer\r\nBcc: victim@example.com\r\n\r\nfake body".into();
    n.to.name = Some("Ada\r\nCc: other@example.com".into());
    n.preferences_url = "https://help.example/p/>\r\nX-Injected: yes".into();
    let mail = compose(&n);
    let p = parts(&mail.formatted());
    assert_eq!(header(&p.formatted, "Bcc"), None);
    assert_eq!(header(&p.formatted, "Cc"), None);
    assert_eq!(header(&p.formatted, "X-Injected"), None);
    assert_eq!(
        header(&p.formatted, "List-Unsubscribe"),
        Some("<https://help.example/p/X-Injected:yes>")
    );
    assert_eq!(mail.message().envelope().to().len(), 1);
    let subject = MessageParser::default()
        .parse(&mail.formatted())
        .unwrap()
        .subject()
        .unwrap()
        .to_owned();
    assert_eq!(subject, "[#1042] Printer Bcc: victim@example.com fake body");
}

#[test]
fn non_ascii_survives_the_round_trip() {
    let mut n = reply_notification(None);
    n.ticket_topic = "Drucker brennt – 至急".into();
    n.to.name = Some("Jürgen Müller".into());
    n.message = Some("Grüße aus Köln 🔥".into());
    let raw = compose(&n).formatted();
    assert!(
        raw.is_ascii(),
        "headers and parts are encoded for 7-bit transport"
    );
    let message = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some("[#1042] Drucker brennt – 至急"));
    assert_eq!(
        message.to().unwrap().first().unwrap().name(),
        Some("Jürgen Müller")
    );
    assert!(
        message
            .body_text(0)
            .unwrap()
            .contains("> Grüße aus Köln 🔥")
    );
}

#[test]
fn a_reply_to_a_notification_comes_back_with_its_token_and_without_the_quote() {
    let token = ReplyToken::generate();
    let mail = compose(&reply_notification(Some(token.clone())));
    let p = parts(&mail.formatted());
    // Our own notification, delivered back to us, is an automatic mail: no loop between helpdesks.
    assert_eq!(
        parse_inbound(&mail.formatted()).unwrap().kind,
        InboundKind::AutoReply
    );

    let quoted: String = p.text.lines().map(|l| format!("> {l}\r\n")).collect();
    let reply = format!(
        "From: Ada Lovelace <ada@customer.example>\r\n\
         To: Example Helpdesk <support+{token}@help.example>\r\n\
         Subject: Re: [#1042] Printer on fire\r\n\
         Message-ID: <reply-1@customer.example>\r\n\
         In-Reply-To: {id}\r\n\
         References: <ticket-{TICKET_ID}@help.example> {id}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         It works again, thank you!\r\n\r\n\
         On Mon, 3 Mar 2025 at 10:02, Example Helpdesk <support@help.example> wrote:\r\n{quoted}",
        token = token.as_str(),
        id = mail.message_id(),
    );
    let inbound = parse_inbound(reply.as_bytes()).unwrap();
    assert_eq!(inbound.kind, InboundKind::Normal);
    assert_eq!(inbound.reply_tokens, vec![token]);
    assert_eq!(inbound.ticket_number, Some(1042));
    assert_eq!(inbound.subject, "Printer on fire");
    assert_eq!(inbound.body, "It works again, thank you!");
}

#[test]
fn the_password_reset_mail() {
    let composer = Composer::new("support@help.example").unwrap();
    let mail = composer
        .password_reset(&PasswordResetMail {
            request_id: Uuid::from_u128(7),
            to: MailAddress {
                address: "ada@customer.example".into(),
                name: None,
            },
            reset_url: "https://help.example/reset/#token=abc".into(),
            valid_minutes: 30,
        })
        .unwrap();
    let p = parts(&mail.formatted());
    assert_eq!(
        header(&p.formatted, "Subject"),
        Some("Reset your password at Helpdesk")
    );
    assert_eq!(
        header(&p.formatted, "Auto-Submitted"),
        Some("auto-generated")
    );
    for absent in ["List-Unsubscribe", "In-Reply-To", "References", "Reply-To"] {
        assert_eq!(header(&p.formatted, absent), None, "{absent}");
    }
    assert!(
        p.text
            .contains("Choose a new password: https://help.example/reset/#token=abc"),
        "{}",
        p.text
    );
    assert!(p.text.contains("for 30 minutes"));
    assert!(
        p.html
            .contains("href=\"https://help.example/reset/#token=abc\""),
        "{}",
        p.html
    );
    assert!(!p.text.contains(REPLY_ABOVE_MARKER));
}

#[test]
fn bad_addresses_are_refused() {
    for from in ["", "support", "Helpdesk <>", "a@b@c"] {
        assert!(
            matches!(Composer::new(from), Err(ComposeError::InvalidFrom(_))),
            "{from}"
        );
    }
    let mut n = reply_notification(None);
    n.to.address = "not an address".into();
    let error = Composer::new(FROM).unwrap().ticket(&n).unwrap_err();
    assert_eq!(
        error,
        ComposeError::InvalidRecipient("not an address".into())
    );
}
