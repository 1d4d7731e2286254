//! Telling automatic mail (auto-replies, bounces) from mail a person wrote.

use mail_parser::{Message, MimeHeaders};

/// What kind of mail arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundKind {
    /// Written by a person: may become a ticket or a message.
    Normal,
    /// Sent automatically (out-of-office, `Auto-Submitted`, `Precedence: bulk`, read receipts…):
    /// to be dropped, so two systems never answer each other forever.
    AutoReply,
    /// A delivery failure report (DSN, `MAILER-DAEMON`, empty return path): to be dropped.
    Bounce,
}

/// Subject starts of automatic replies (lowercase).
const AUTO_SUBJECTS: [&str; 13] = [
    "out of office",
    "out of the office",
    "automatic reply",
    "auto-reply",
    "autoreply",
    "auto reply",
    "auto response",
    "auto-response",
    "abwesenheitsnotiz",
    "automatische antwort",
    "réponse automatique",
    "respuesta automática",
    "risposta automatica",
];

pub(crate) fn classify(message: &Message<'_>, from: &str) -> InboundKind {
    let report_type = message
        .content_type()
        .filter(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        })
        .and_then(|ct| ct.attribute("report-type"))
        .map(str::to_ascii_lowercase);
    let from_local = from.rsplit_once('@').map_or(from, |(local, _)| local);
    if report_type.as_deref() == Some("delivery-status")
        || from_local.eq_ignore_ascii_case("mailer-daemon")
    {
        return InboundKind::Bounce;
    }
    if report_type.is_some() || is_auto_reply(message) {
        return InboundKind::AutoReply;
    }
    let return_path = raw(message, "Return-Path").unwrap_or_default();
    if return_path.split_whitespace().collect::<String>() == "<>" {
        return InboundKind::Bounce;
    }
    InboundKind::Normal
}

fn is_auto_reply(message: &Message<'_>) -> bool {
    let value = |name: &str| raw(message, name).map(|v| v.trim().to_ascii_lowercase());
    let auto_submitted = value("Auto-Submitted").is_some_and(|v| {
        v.split(';')
            .next()
            .is_some_and(|token| !token.trim().is_empty() && token.trim() != "no")
    });
    let precedence = value("Precedence")
        .is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply"));
    let flagged = ["X-Autoreply", "X-Autorespond", "X-Autoresponder"]
        .iter()
        .any(|name| value(name).is_some_and(|v| v != "no" && v != "false"));
    let subject = message.subject().unwrap_or_default().trim().to_lowercase();
    auto_submitted || precedence || flagged || AUTO_SUBJECTS.iter().any(|s| subject.starts_with(s))
}

/// The raw value of the first top-level header called `name`.
fn raw<'a>(message: &'a Message<'_>, name: &str) -> Option<&'a str> {
    super::raw_headers(message, name).next()
}
