//! Building notification mails (RFC 5322, text and HTML parts) from neutral view models.

use std::str::FromStr;

use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use minijinja::Value;
use uuid::Uuid;

use crate::ids::{self, ReplyToken};
use crate::render::Templates;

/// The line above which a reply is kept: written at the top of notifications that can be
/// answered, and where [`crate::parse_inbound`] cuts the quoted history.
pub const REPLY_ABOVE_MARKER: &str = "##- Please type your reply above this line -##";

/// What happened to the ticket a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// A ticket was opened (to staff).
    NewTicket,
    /// A public message was added (to the other side: customer or assignee).
    PublicReply,
    /// The ticket was assigned (to the new assignee).
    Assigned,
    /// The ticket was resolved (to the customer).
    Resolved,
    /// The ticket was closed (to the customer).
    Closed,
}

/// A mail address with its display name: a recipient of outgoing mail, or a sender or
/// recipient of inbound mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAddress {
    /// The address, e.g. `ada@example.com`.
    pub address: String,
    /// The display name, if known, e.g. `Ada Lovelace`.
    pub name: Option<String>,
}

/// A mail about one ticket event to one recipient. The caller has already decided that this
/// recipient may see everything in it (never an internal note to a customer).
#[derive(Debug, Clone)]
pub struct TicketNotification {
    /// The event's id: with the recipient, it makes the `Message-ID`, the same on every retry.
    pub event_id: Uuid,
    /// What happened.
    pub kind: NotificationKind,
    /// Who receives it.
    pub to: MailAddress,
    /// The ticket's id: every mail about it refers to `<ticket-ID@domain>`, so clients thread them.
    pub ticket_id: Uuid,
    /// The ticket's number, shown as `[#1042]` in the subject.
    pub ticket_number: u64,
    /// The ticket's topic.
    pub ticket_topic: String,
    /// The link to the ticket in the web UI.
    pub ticket_url: String,
    /// Who caused the event, by display name.
    pub actor_name: String,
    /// The new public message, quoted in the mail.
    pub message: Option<String>,
    /// The recipient's notification preferences page (`List-Unsubscribe`).
    pub preferences_url: String,
    /// The token a reply must carry to land on this ticket: puts `Reply-To: local+TOKEN@domain`
    /// and the token into the `Message-ID`. `None`: the mail cannot be answered by mail.
    pub reply_token: Option<ReplyToken>,
}

/// A password reset link to one user.
#[derive(Debug, Clone)]
pub struct PasswordResetMail {
    /// The reset request's id (makes the `Message-ID`).
    pub request_id: Uuid,
    /// Who receives it.
    pub to: MailAddress,
    /// The link to the reset page, with its single-use token.
    pub reset_url: String,
    /// How long the link is valid, in minutes.
    pub valid_minutes: u32,
}

/// A composed mail, ready for [`crate::Mailer::send`].
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    message: Message,
    message_id: String,
}

impl OutgoingMail {
    /// The `Message-ID`, with angle brackets.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// The message as built by lettre.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The message as RFC 5322 bytes (CRLF line ends).
    pub fn formatted(&self) -> Vec<u8> {
        self.message.formatted()
    }
}

/// A mail could not be composed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// The From address (`TICKETING_MAIL_FROM`) is not a valid mailbox with a domain.
    #[error("invalid sender address `{0}` (expected e.g. `Helpdesk <support@example.com>`)")]
    InvalidFrom(String),
    /// A recipient address is not valid.
    #[error("invalid recipient address `{0}`")]
    InvalidRecipient(String),
    /// A template failed to render (a bug: the templates are compiled in).
    #[error("mail template error: {0}")]
    Template(String),
    /// lettre refused to build the message.
    #[error("mail could not be built: {0}")]
    Build(String),
}

/// Composes every mail the helpdesk sends, from one sender address.
#[derive(Debug)]
pub struct Composer {
    from: Mailbox,
    domain: String,
    site_name: String,
    templates: Templates,
}

impl Composer {
    /// A composer sending as `from` (`Helpdesk <support@example.com>` or `support@example.com`).
    /// Its display name (default `Helpdesk`) names the site in the mails; its domain ends every
    /// `Message-ID`; its local part is the base of the `Reply-To` plus-addresses.
    pub fn new(from: &str) -> Result<Self, ComposeError> {
        let from = Mailbox::from_str(from.trim())
            .map_err(|_| ComposeError::InvalidFrom(from.to_owned()))?;
        let domain = from.email.domain().to_owned();
        let site_name = from
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "Helpdesk".to_owned());
        Ok(Self {
            from,
            domain,
            site_name,
            templates: Templates::new()?,
        })
    }

    /// The mail about a ticket event.
    pub fn ticket(&self, n: &TicketNotification) -> Result<OutgoingMail, ComposeError> {
        let quoted = n.message.as_deref().map(quote).unwrap_or_default();
        let reply_marker = if n.reply_token.is_some() {
            REPLY_ABOVE_MARKER
        } else {
            ""
        };
        let subject = format!("[#{}] {}", n.ticket_number, one_line(&n.ticket_topic));
        let context = Value::from_pairs([
            ("subject", Value::from(subject.as_str())),
            ("site_name", Value::from(self.site_name.as_str())),
            ("headline", Value::from(headline(n))),
            ("number", Value::from(n.ticket_number)),
            ("ticket_url", Value::from(n.ticket_url.as_str())),
            ("preferences_url", Value::from(n.preferences_url.as_str())),
            (
                "message",
                Value::from(n.message.as_deref().unwrap_or_default()),
            ),
            ("quoted", Value::from(quoted)),
            ("reply_marker", Value::from(reply_marker)),
        ]);
        let root = format!("<{}>", ids::thread_root(n.ticket_id, &self.domain));
        let message_id = format!(
            "<{}>",
            ids::message_id(
                n.event_id,
                &n.to.address,
                n.reply_token.as_ref(),
                &self.domain
            )
        );
        let mut builder = self
            .builder(&n.to, &subject, &message_id)?
            .in_reply_to(root.clone())
            .references(root)
            .raw_header(header(
                LIST_UNSUBSCRIBE,
                format!("<{}>", bare_url(&n.preferences_url)),
            ));
        if let Some(token) = &n.reply_token {
            let address = ids::plus_address(self.from.email.as_ref(), token)
                .and_then(|a| a.parse().ok())
                .ok_or_else(|| ComposeError::InvalidFrom(self.from.to_string()))?;
            builder = builder.reply_to(Mailbox::new(self.from.name.clone(), address));
        }
        self.finish(builder, "ticket", context, message_id)
    }

    /// The password reset mail. It has no `List-Unsubscribe`: nobody can opt out of it.
    pub fn password_reset(&self, m: &PasswordResetMail) -> Result<OutgoingMail, ComposeError> {
        let subject = format!("Reset your password at {}", self.site_name);
        let context = Value::from_pairs([
            ("subject", Value::from(subject.as_str())),
            ("site_name", Value::from(self.site_name.as_str())),
            ("reset_url", Value::from(m.reset_url.as_str())),
            ("valid_minutes", Value::from(m.valid_minutes)),
            ("reply_marker", Value::from("")),
        ]);
        let message_id = format!(
            "<{}>",
            ids::message_id(m.request_id, &m.to.address, None, &self.domain)
        );
        let builder = self.builder(&m.to, &subject, &message_id)?;
        self.finish(builder, "password_reset", context, message_id)
    }

    fn builder(
        &self,
        to: &MailAddress,
        subject: &str,
        message_id: &str,
    ) -> Result<lettre::message::MessageBuilder, ComposeError> {
        let address = to
            .address
            .trim()
            .parse()
            .map_err(|_| ComposeError::InvalidRecipient(to.address.clone()))?;
        Ok(Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(to.name.as_deref().map(one_line), address))
            .subject(subject)
            .message_id(Some(message_id.to_owned()))
            .raw_header(header(AUTO_SUBMITTED, "auto-generated".to_owned()))
            // Asks Exchange/Outlook not to answer with out-of-office or other automatic replies.
            .raw_header(header(AUTO_RESPONSE_SUPPRESS, "OOF, AutoReply".to_owned())))
    }

    fn finish(
        &self,
        builder: lettre::message::MessageBuilder,
        template: &str,
        context: Value,
        message_id: String,
    ) -> Result<OutgoingMail, ComposeError> {
        let parts = self.templates.render(template, context)?;
        let message = builder
            .multipart(MultiPart::alternative_plain_html(parts.text, parts.html))
            .map_err(|e| ComposeError::Build(e.to_string()))?;
        Ok(OutgoingMail {
            message,
            message_id,
        })
    }
}

const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");
const AUTO_RESPONSE_SUPPRESS: HeaderName =
    HeaderName::new_from_ascii_str("X-Auto-Response-Suppress");
const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");

fn header(name: HeaderName, value: String) -> HeaderValue {
    HeaderValue::new(name, value)
}

/// The first sentence of a ticket mail.
fn headline(n: &TicketNotification) -> String {
    let (actor, number, topic) = (
        one_line(&n.actor_name),
        n.ticket_number,
        one_line(&n.ticket_topic),
    );
    match n.kind {
        NotificationKind::NewTicket => {
            format!("{actor} opened ticket #{number} \u{201c}{topic}\u{201d}.")
        }
        NotificationKind::PublicReply => {
            format!("{actor} replied on ticket #{number} \u{201c}{topic}\u{201d}:")
        }
        NotificationKind::Assigned => {
            format!("{actor} assigned ticket #{number} \u{201c}{topic}\u{201d} to you.")
        }
        NotificationKind::Resolved => {
            format!("{actor} resolved ticket #{number} \u{201c}{topic}\u{201d}.")
        }
        NotificationKind::Closed => {
            format!("{actor} closed ticket #{number} \u{201c}{topic}\u{201d}.")
        }
    }
}

/// A URL for a header: without white space, control characters and angle brackets.
fn bare_url(url: &str) -> String {
    url.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>'))
        .collect()
}

/// Collapses line breaks and runs of white space (a header or a headline is one line).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The message quoted for the text part: each line behind `> `.
fn quote(message: &str) -> String {
    message
        .trim_end()
        .lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_owned()
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
