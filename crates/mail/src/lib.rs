//! # ticketing-mail
//!
//! The email adapter of the ticketing helpdesk, without storage:
//!
//! - **Out**: [`SmtpConfig`] parses `TICKETING_SMTP_URL` (STARTTLS required unless `?tls=none` is
//!   written out; `smtps://` for implicit TLS), [`Mailer`] sends over SMTP with lettre and rustls
//!   and sorts failures into [`SendError::Transient`] (retry) and [`SendError::Permanent`] (5xx:
//!   give up, keep the reason). [`Composer`] builds notification mails ([`TicketNotification`],
//!   [`PasswordResetMail`]) with text and HTML parts from the templates in `templates/`,
//!   a deterministic `Message-ID`, per-ticket threading, `Auto-Submitted`, `List-Unsubscribe`
//!   and a `Reply-To` carrying a [`ReplyToken`].
//! - **In**: [`parse_inbound`] reads one RFC 5322 message into an [`Inbound`]: addresses,
//!   cleaned subject and ticket number, reply tokens, the reply text without quoted history and
//!   signature, attachments, and whether it is an auto-reply or a bounce ([`InboundKind`]).
//!
//! Who may receive what, and what a reply may change, are decided by the application, never here.
//! Passwords never appear in `Debug`, `Display` or logs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod compose;
mod config;
mod ids;
mod inbound;
mod mailer;
mod render;

pub use compose::{
    ComposeError, Composer, MailAddress, NotificationKind, OutgoingMail, PasswordResetMail,
    REPLY_ABOVE_MARKER, TicketNotification,
};
pub use config::{DEFAULT_TIMEOUT, Security, SmtpConfig, SmtpConfigError};
pub use ids::{InvalidReplyToken, ReplyToken};
pub use inbound::{Inbound, InboundAttachment, InboundError, InboundKind, parse_inbound};
pub use mailer::{Mailer, SendError};
