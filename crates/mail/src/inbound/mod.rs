//! Reading one inbound RFC 5322 message (what `ticketing mail receive` gets on standard input).

mod classify;
mod html;
mod subject;
mod trim;

use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};

use crate::compose::MailAddress;
use crate::ids::{self, ReplyToken};

pub use classify::InboundKind;

/// What an inbound message says, decoded (any charset and transfer encoding) and trimmed.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// Written by a person, an automatic reply or a bounce.
    pub kind: InboundKind,
    /// The `From` address (the first one if there are several). Anyone can write anything here:
    /// it identifies the sender only together with a reply token that belongs to it.
    pub from: MailAddress,
    /// The `Reply-To` addresses.
    pub reply_to: Vec<MailAddress>,
    /// The envelope sender recorded by the receiving server (`Return-Path`, without angle
    /// brackets; empty for the null sender `<>`), if present.
    pub return_path: Option<String>,
    /// The `To` addresses.
    pub to: Vec<MailAddress>,
    /// The `Cc` addresses.
    pub cc: Vec<MailAddress>,
    /// The envelope recipients recorded by the receiving server (`Delivered-To`,
    /// `X-Original-To`, `Envelope-To`).
    pub delivered_to: Vec<String>,
    /// The subject without `Re:`/`AW:`/`Fwd:`… prefixes and without the `[#1042]` tag.
    pub subject: String,
    /// The number of the `[#1042]` tag in the subject. Only a hint: anyone can write it.
    pub ticket_number: Option<u64>,
    /// The `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// The `In-Reply-To` ids, without angle brackets.
    pub in_reply_to: Vec<String>,
    /// The `References` ids, without angle brackets, oldest first.
    pub references: Vec<String>,
    /// Reply tokens found, most specific first: in the envelope recipients, `To`, `Cc`
    /// (`local+TOKEN@…`), then in `In-Reply-To` and `References` (newest first). No duplicates.
    pub reply_tokens: Vec<ReplyToken>,
    /// The text the sender wrote: HTML-only mail converted to text, quoted history and
    /// signature cut from replies (forwards are kept whole).
    pub body: String,
    /// The body was converted from HTML (the mail had no text part).
    pub body_from_html: bool,
    /// Attached files and inline images, in message order.
    pub attachments: Vec<InboundAttachment>,
}

/// A file attached to an inbound message, decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct InboundAttachment {
    /// The file name given by the sender, if any (never trust it as a path).
    pub filename: Option<String>,
    /// The MIME type, e.g. `image/png`, lowercase.
    pub content_type: String,
    /// The decoded content.
    pub bytes: Vec<u8>,
    /// Shown inside the message (an inline image) rather than attached.
    pub inline: bool,
    /// The `Content-ID` (without angle brackets) HTML refers to as `cid:…`, if any.
    pub content_id: Option<String>,
}

impl std::fmt::Debug for InboundAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .field("inline", &self.inline)
            .field("content_id", &self.content_id)
            .finish()
    }
}

/// The input could not be read as a mail message (sysexits `EX_DATAERR`, 65).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InboundError {
    /// Not a message: empty, binary junk, no header section, or no sender address.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
}

/// Reads one RFC 5322 message. A leading mbox `From ` line (as some delivery agents add) is
/// skipped.
pub fn parse_inbound(raw: &[u8]) -> Result<Inbound, InboundError> {
    let raw = skip_mbox_line(raw);
    check_header_section(raw)?;
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(InboundError::Malformed("not a mail message"))?;
    let from = message
        .from()
        .and_then(|a| a.iter().find_map(mail_address))
        .ok_or(InboundError::Malformed("no sender address (From)"))?;
    let subject = subject::clean(message.subject().unwrap_or_default());
    let to = addresses(message.to());
    let cc = addresses(message.cc());
    let delivered_to: Vec<String> = ["Delivered-To", "X-Original-To", "Envelope-To"]
        .iter()
        .flat_map(|name| raw_headers(&message, name))
        .map(|v| unbracket(v).to_owned())
        .filter(|v| v.contains('@'))
        .collect();
    let in_reply_to = message_ids(message.in_reply_to());
    let references = message_ids(message.references());
    let mut reply_tokens: Vec<ReplyToken> = Vec::new();
    let recipients = delivered_to
        .iter()
        .map(String::as_str)
        .chain(to.iter().chain(&cc).map(|a| a.address.as_str()));
    let candidates = recipients.filter_map(ids::token_in_address).chain(
        in_reply_to
            .iter()
            .chain(references.iter().rev())
            .filter_map(|id| ids::token_in_message_id(id)),
    );
    for token in candidates {
        if !reply_tokens.contains(&token) {
            reply_tokens.push(token);
        }
    }
    let (text, body_from_html) = body_text(&message);
    let body = if subject.forwarded {
        text.trim().to_owned()
    } else {
        trim::trim_reply(&text)
    };
    Ok(Inbound {
        kind: classify::classify(&message, &from.address),
        reply_to: addresses(message.reply_to()),
        return_path: raw_headers(&message, "Return-Path")
            .next()
            .map(|v| unbracket(v).to_owned()),
        from,
        to,
        cc,
        delivered_to,
        subject: subject.text,
        ticket_number: subject.ticket_number,
        message_id: message.message_id().map(str::to_owned),
        in_reply_to,
        references,
        reply_tokens,
        body,
        body_from_html,
        attachments: message.attachments().map(attachment).collect(),
    })
}

fn skip_mbox_line(raw: &[u8]) -> &[u8] {
    if raw.starts_with(b"From ") {
        match raw.iter().position(|&b| b == b'\n') {
            Some(end) => &raw[end + 1..],
            None => &[],
        }
    } else {
        raw
    }
}

/// The message must start with a header field (`Name: value`) and its header section must be
/// text: this refuses binary junk and plain text before the parser, which accepts anything.
fn check_header_section(raw: &[u8]) -> Result<(), InboundError> {
    let end = find_blank_line(raw).unwrap_or(raw.len());
    let headers = &raw[..end];
    let first_line = headers.split(|&b| b == b'\n').next().unwrap_or_default();
    let name_len = first_line
        .iter()
        .take_while(|&&b| b.is_ascii_graphic() && b != b':')
        .count();
    if name_len == 0 || first_line.get(name_len) != Some(&b':') {
        return Err(InboundError::Malformed(
            "the input does not start with a header field",
        ));
    }
    if headers
        .iter()
        .any(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')))
    {
        return Err(InboundError::Malformed("binary data in the header section"));
    }
    Ok(())
}

/// Where the header section ends (the first empty line), if anywhere.
fn find_blank_line(raw: &[u8]) -> Option<usize> {
    let lf = raw.windows(2).position(|w| w == b"\n\n");
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n");
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The raw values of the top-level headers called `name` (case-insensitive).
pub(crate) fn raw_headers<'a, 'n>(
    message: &'a Message<'_>,
    name: &'n str,
) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
    message
        .headers_raw()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}

fn unbracket(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix('<')
        .and_then(|v| v.strip_suffix('>'))
        .unwrap_or(value)
        .trim()
}

fn mail_address(addr: &mail_parser::Addr<'_>) -> Option<MailAddress> {
    let address = addr.address()?.trim();
    address.contains('@').then(|| MailAddress {
        address: address.to_owned(),
        name: addr
            .name()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
    })
}

fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<MailAddress> {
    list.map(|a| a.iter().filter_map(mail_address).collect())
        .unwrap_or_default()
}

fn message_ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.to_string()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// The text of every text body part (HTML converted when a part has no text alternative).
fn body_text(message: &Message<'_>) -> (String, bool) {
    let mut texts = Vec::new();
    let mut from_html = false;
    for part in message.text_bodies() {
        match &part.body {
            PartType::Text(text) => texts.push(text.to_string()),
            PartType::Html(html) => {
                from_html = true;
                texts.push(html::to_text(html));
            }
            _ => {}
        }
    }
    (texts.join("\n"), from_html)
}

fn attachment(part: &MessagePart<'_>) -> InboundAttachment {
    let content_type = part.content_type().map_or_else(
        || "application/octet-stream".to_owned(),
        |ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
    );
    let disposition_inline = part.content_disposition().is_some_and(|d| d.is_inline());
    InboundAttachment {
        filename: part.attachment_name().map(str::to_owned),
        content_type,
        bytes: part.contents().to_vec(),
        inline: disposition_inline || matches!(part.body, PartType::InlineBinary(_)),
        content_id: part.content_id().map(|id| unbracket(id).to_owned()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn html_mail(html: &str) -> Inbound {
        let raw = format!(
            "From: a@b.example\r\nSubject: RE: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}"
        );
        parse_inbound(raw.as_bytes()).unwrap()
    }

    #[test]
    fn html_replies_lose_their_quoted_history_too() {
        let outlook = "<div>Still smoking.</div><div id=\"Signature\">Charles</div>\
            <hr><div id=\"divRplyFwdMsg\"><b>From:</b> Helpdesk &lt;support@help.example&gt;<br>\
            <b>Sent:</b> Monday, March 3, 2025 11:02 AM<br><b>To:</b> Charles<br>\
            <b>Subject:</b> [#1042] Printer on fire</div><div>old</div>";
        let mail = html_mail(outlook);
        assert!(mail.body_from_html);
        assert_eq!(mail.body, "Still smoking.\nCharles");
        let apple = "<div>Fixed.</div><div><br><blockquote type=\"cite\"><div>On 3 Mar 2025, at 12:02, \
            Helpdesk &lt;support@help.example&gt; wrote:</div><div>old</div></blockquote></div>";
        assert_eq!(html_mail(apple).body, "Fixed.");
    }

    #[test]
    fn the_reply_marker_cuts_html_replies() {
        let html = format!(
            "<p>Yes please.</p><blockquote><p>{}</p><p>Grace replied</p></blockquote>",
            crate::REPLY_ABOVE_MARKER
        );
        assert_eq!(html_mail(&html).body, "Yes please.");
    }
}
