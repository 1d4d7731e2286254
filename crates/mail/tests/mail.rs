//! The one integration-test binary of ticketing-mail: inbound fixtures, composed mails, and
//! sending to a real SMTP server process (`scripts/smtp-sink.py`, needs Python's aiosmtpd).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "mail/sink.rs"]
mod sink;

#[path = "mail/compose.rs"]
mod compose;
#[path = "mail/inbound.rs"]
mod inbound;
#[path = "mail/smtp.rs"]
mod smtp;
