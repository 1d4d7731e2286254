//! Every message in `tests/fixtures/` with its expected outcome.

use std::path::PathBuf;

use ticketing_mail::{Inbound, InboundError, InboundKind, MailAddress, ReplyToken, parse_inbound};

const TOKEN: &str = "mfrggzdfmztwq2lknnwg23tpob";

fn raw(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture(name: &str) -> Inbound {
    parse_inbound(&raw(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn token() -> ReplyToken {
    TOKEN.parse().unwrap()
}

fn addr(address: &str, name: Option<&str>) -> MailAddress {
    MailAddress {
        address: address.to_owned(),
        name: name.map(str::to_owned),
    }
}

#[test]
fn gmail_reply() {
    let mail = fixture("gmail-reply.eml");
    assert_eq!(mail.kind, InboundKind::Normal);
    assert_eq!(
        mail.from,
        addr("ada.lovelace@gmail.example", Some("Ada Lovelace"))
    );
    assert_eq!(mail.subject, "Printer on fire");
    assert_eq!(mail.ticket_number, Some(1042));
    assert_eq!(mail.reply_tokens, vec![token()]);
    assert_eq!(
        mail.body,
        "Thanks, switching it off and on again worked. The smoke is gone and the\nprinter prints again.\n\nAda"
    );
    assert!(!mail.body_from_html);
    assert_eq!(
        mail.message_id.as_deref(),
        Some("CAJ4mT9xYk2b3Vq+pL0nWfR7sD1gH6eZ8uQwX5cE2aB9oN3iM4g@mail.gmail.example")
    );
    assert_eq!(
        mail.in_reply_to,
        vec![format!(
            "0123456789abcdef0123456789abcdef.1a2b3c4d5e6f7a8b.{TOKEN}@help.example"
        )]
    );
    assert_eq!(mail.references.len(), 2);
    assert_eq!(
        mail.delivered_to,
        vec![format!("support+{TOKEN}@help.example")]
    );
    assert!(mail.attachments.is_empty());
}

#[test]
fn outlook_reply_token_from_in_reply_to() {
    let mail = fixture("outlook-reply.eml");
    assert_eq!(mail.kind, InboundKind::Normal);
    assert_eq!(
        mail.from,
        addr("charles@engines.example", Some("Charles Babbage"))
    );
    assert_eq!(
        mail.to,
        vec![addr("support@help.example", Some("Helpdesk"))]
    );
    assert_eq!(mail.subject, "Printer on fire");
    assert_eq!(mail.ticket_number, Some(1042));
    assert_eq!(mail.reply_tokens, vec![token()]);
    assert_eq!(
        mail.body,
        "Hello,\n\nthe printer is still smoking. Can someone come over?\n\nKind regards\nCharles Babbage\nDifference Engines Ltd."
    );
}

#[test]
fn apple_mail_reply() {
    let mail = fixture("apple-mail-reply.eml");
    assert_eq!(mail.kind, InboundKind::Normal);
    assert_eq!(mail.from, addr("grace@navy.example", Some("Grace Hopper")));
    assert_eq!(mail.reply_tokens, vec![token()]);
    assert_eq!(
        mail.body,
        "I found a moth in the relay. Removing it fixed the \nprinter."
    );
    assert_eq!(
        mail.message_id.as_deref(),
        Some("8E4C1A2B-3D5F-4A6B-9C7D-1E2F3A4B5C6D@navy.example")
    );
}

#[test]
fn quoted_printable_utf8_new_mail() {
    let mail = fixture("quoted-printable.eml");
    assert_eq!(mail.kind, InboundKind::Normal);
    assert_eq!(
        mail.from,
        addr("juergen.mueller@firma.example", Some("Jürgen Müller"))
    );
    assert_eq!(mail.subject, "Drucker druckt nur Sonderzeichen – dringend");
    assert_eq!(mail.ticket_number, None);
    assert!(mail.reply_tokens.is_empty());
    assert_eq!(
        mail.body,
        "Guten Tag,\n\nseit dem Update druckt der Drucker im zweiten Stock nur noch Sonderzeichen: ÄÖÜ äöü ß € – und das auf jeder einzelnen Seite, egal welches Dokument wir schicken.\n\nKönnen Sie bitte helfen?\n\nMit freundlichen Grüßen"
    );
}

#[test]
fn base64_body_and_attachment() {
    let mail = fixture("base64.eml");
    assert_eq!(mail.kind, InboundKind::Normal);
    assert_eq!(
        mail.body,
        "Hello,\n\nplease find the invoice for March attached. The total is wrong: 1.024,00 € instead of 1.000,00 €.\n\nBest,\nLinus"
    );
    assert_eq!(mail.attachments.len(), 1);
    let pdf = &mail.attachments[0];
    assert_eq!(pdf.filename.as_deref(), Some("Rechnung März.pdf"));
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-1.4\n") && pdf.bytes.ends_with(b"%%EOF\n"));
    assert!(!pdf.inline);
}

#[test]
fn iso_8859_1_french_reply() {
    let mail = fixture("iso-8859-1.eml");
    assert_eq!(
        mail.from,
        addr("helene@exemple.example", Some("Hélène Dupré"))
    );
    assert_eq!(mail.subject, "Imprimante en feu à l'étage");
    assert_eq!(mail.ticket_number, Some(1042));
    assert_eq!(mail.reply_tokens, vec![token()]);
    assert_eq!(
        mail.body,
        "Bonjour,\n\nL'imprimante fonctionne de nouveau. Merci beaucoup pour votre aide rapide, c'était très apprécié !\n\nCordialement,\nHélène"
    );
}

#[test]
fn shift_jis_body_and_iso_2022_jp_headers() {
    let mail = fixture("shift-jis.eml");
    assert_eq!(mail.kind, InboundKind::Normal);
    assert_eq!(
        mail.from,
        addr("taro.yamada@kaisha.example", Some("山田太郎"))
    );
    assert_eq!(mail.subject, "プリンターから煙");
    assert_eq!(
        mail.body,
        "お世話になっております。\n\nプリンターから煙が出ています。至急ご対応をお願いいたします。\n\n山田太郎"
    );
}

#[test]
fn html_only_is_converted_to_text() {
    let mail = fixture("html-only.eml");
    assert!(mail.body_from_html);
    assert_eq!(mail.subject, "Several things broken");
    assert_eq!(
        mail.body,
        "Hi team,\n\nthree things are broken since Monday:\n* the printer & the scanner\n* the coffee machine\n\
         * Wi-Fi on floor 2\n\nDetails are on the wiki page <https://wiki.example/outage>.\nThanks!"
    );
}

#[test]
fn inline_image_and_attachment() {
    let mail = fixture("inline-image.eml");
    assert_eq!(
        mail.body,
        "The printer shows this error:\n\n[screenshot]\n\nThe page counts are attached."
    );
    assert!(!mail.body_from_html);
    assert_eq!(mail.attachments.len(), 2, "{:?}", mail.attachments);
    let image = &mail.attachments[0];
    assert_eq!(image.filename.as_deref(), Some("screenshot.png"));
    assert_eq!(image.content_type, "image/png");
    assert!(image.inline);
    assert_eq!(
        image.content_id.as_deref(),
        Some("part1.screenshot@bletchley.example")
    );
    assert!(image.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let csv = &mail.attachments[1];
    assert_eq!(csv.filename.as_deref(), Some("pages.csv"));
    assert_eq!(csv.content_type, "text/csv");
    assert!(!csv.inline);
    assert_eq!(csv.bytes, b"date,pages\n2025-03-01,12\n2025-03-02,0\n");
}

#[test]
fn dsn_bounce() {
    let mail = fixture("dsn-bounce.eml");
    assert_eq!(mail.kind, InboundKind::Bounce);
    assert_eq!(mail.return_path.as_deref(), Some(""));
    assert_eq!(mail.from.address, "MAILER-DAEMON@mx.help.example");
}

#[test]
fn out_of_office_reply() {
    let mail = fixture("out-of-office.eml");
    assert_eq!(mail.kind, InboundKind::AutoReply);
    // Still parsed in full: the app logs what it drops.
    assert_eq!(mail.reply_tokens, vec![token()]);
    assert_eq!(mail.ticket_number, Some(1042));
}

#[test]
fn vacation_reply_flagged_only_by_precedence_and_x_autoreply() {
    let mail = fixture("vacation-precedence.eml");
    assert_eq!(mail.kind, InboundKind::AutoReply);
    assert_eq!(mail.body, "I am on vacation.");
}

#[test]
fn forged_sender_is_parsed_as_written() {
    let mail = fixture("forged-sender.eml");
    assert_eq!(mail.kind, InboundKind::Normal);
    assert_eq!(
        mail.from,
        addr("ada.lovelace@gmail.example", Some("Ada Lovelace"))
    );
    assert_eq!(
        mail.reply_to,
        vec![addr("mallory@evil.example", Some("Mallory"))]
    );
    assert_eq!(
        mail.return_path.as_deref(),
        Some("bounce-7781@bulk-sender.example")
    );
    assert_eq!(mail.reply_tokens, vec![token()]);
}

#[test]
fn token_in_the_to_address_whatever_its_case() {
    let mail = fixture("token-in-to.eml");
    assert_eq!(
        mail.from,
        addr("ada.lovelace@gmail.example", Some("Lovelace, Ada"))
    );
    assert_eq!(mail.reply_tokens, vec![token()]);
    assert_eq!(mail.to.len(), 2);
    assert_eq!(
        mail.cc,
        vec![addr("charles@engines.example", Some("Charles Babbage"))]
    );
    assert!(mail.in_reply_to.is_empty() && mail.references.is_empty());
    assert_eq!(mail.body, "The paper tray is cracked too.");
}

#[test]
fn forwards_are_kept_whole() {
    let mail = fixture("forward.eml");
    assert_eq!(mail.subject, "Toner order");
    assert!(mail.body.starts_with("Can you order this?"));
    assert!(
        mail.body
            .ends_with("Your toner (4 x black) ships on Friday."),
        "{}",
        mail.body
    );
}

#[test]
fn an_mbox_from_line_is_skipped() {
    let mut input = b"From ada.lovelace@gmail.example  Mon Mar  3 10:15:42 2025\n".to_vec();
    input.extend(raw("gmail-reply.eml"));
    assert_eq!(parse_inbound(&input).unwrap().subject, "Printer on fire");
}

#[test]
fn malformed_input_is_refused() {
    let malformed = |input: &[u8]| matches!(parse_inbound(input), Err(InboundError::Malformed(_)));
    assert!(malformed(&raw("malformed.bin")));
    assert!(malformed(b""));
    assert!(malformed(b"\n\n"));
    assert!(malformed(b"just some text\nthat is not a mail\n"));
    assert!(malformed(b"Subject: no sender\n\nbody\n"));
    assert!(malformed(b"From: not an address\nSubject: x\n\nbody\n"));
    assert!(malformed(
        b"From: a@b.example\nSubject: \x00\x01\x02\n\nbody\n"
    ));
    assert!(!malformed(b"From: a@b.example\n\n"));
}
