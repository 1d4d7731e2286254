//! `ticketing mail receive`: one RFC 5322 message on standard input becomes a ticket, a message
//! or nothing (docs/email.md, "Email to ticket"). The interface of Postfix's pipe transport,
//! procmail, fetchmail and getmail: the exit status follows sysexits, so the mail server knows
//! whether to keep the message and retry (75), bounce it (65, 67) or consider it delivered (0).

use std::io::Read;

use ticketing_app::{InboundFile, InboundMail, MailOrigin, ReceiveError, Received};
use ticketing_mail::{Inbound, InboundKind, parse_inbound};

use crate::settings::Settings;
use crate::wiring;

/// Delivered (also: an auto-reply or bounce dropped, a message received twice).
pub const EX_OK: u8 = 0;
/// Not a mail message, or larger than the limit.
pub const EX_DATAERR: u8 = 65;
/// The sender is unknown, deactivated, or not a participant of the ticket of its reply token.
pub const EX_NOUSER: u8 = 67;
/// Nothing was written and the mail server should try again later (database unreachable…).
pub const EX_TEMPFAIL: u8 = 75;

/// A command's exit status other than success, with the line said on standard error.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    /// The process's exit status.
    pub code: u8,
    /// What happened (no secret, no text of the mail).
    pub message: String,
}

impl Exit {
    /// An exit status with its line.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The largest message read: twice the attachment limit (base64 takes a third more) plus 1 MiB
/// for the text and headers.
pub fn max_message_bytes(settings: &Settings) -> u64 {
    settings
        .attachments
        .max_upload
        .0
        .saturating_mul(2)
        .saturating_add(1 << 20)
}

/// Reads at most `limit` bytes of `input`; `None` when there is more.
fn read_capped(input: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut raw = Vec::new();
    input.take(limit.saturating_add(1)).read_to_end(&mut raw)?;
    Ok((raw.len() as u64 <= limit).then_some(raw))
}

/// The decoded message as the use case takes it.
pub fn to_inbound_mail(mail: Inbound) -> InboundMail {
    InboundMail {
        origin: match mail.kind {
            InboundKind::Normal => MailOrigin::Person,
            InboundKind::AutoReply => MailOrigin::AutoReply,
            InboundKind::Bounce => MailOrigin::Bounce,
        },
        from: mail.from.address,
        from_name: mail.from.name,
        message_id: mail.message_id,
        subject: mail.subject,
        body: mail.body,
        reply_tokens: mail
            .reply_tokens
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect(),
        attachments: mail
            .attachments
            .into_iter()
            .map(|a| InboundFile {
                filename: a.filename,
                content_type: a.content_type,
                bytes: a.bytes,
            })
            .collect(),
    }
}

/// Runs `ticketing mail receive` on standard input. `Ok` is exit status 0 (the line is said
/// here); every other outcome is an [`Exit`].
pub fn run(settings: &Settings) -> anyhow::Result<()> {
    let limit = max_message_bytes(settings);
    let raw = read_capped(std::io::stdin().lock(), limit)
        .map_err(|e| Exit::new(EX_TEMPFAIL, format!("cannot read standard input: {e}")))?
        .ok_or_else(|| {
            Exit::new(
                EX_DATAERR,
                format!("refused: the message is larger than {limit} bytes"),
            )
        })?;
    let mail = parse_inbound(&raw).map_err(|e| Exit::new(EX_DATAERR, format!("refused: {e}")))?;
    let mail = to_inbound_mail(mail);
    drop(raw);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Exit::new(EX_TEMPFAIL, format!("cannot start: {e}")))?;
    let unknown = settings.mail.unknown_sender;
    let received = runtime.block_on(async move {
        let repos = wiring::open_store(settings, true).map_err(|e| {
            tracing::warn!(error = %format!("{e:#}"), "mail not received: the database cannot be used");
            Exit::new(
                EX_TEMPFAIL,
                "not received: the database cannot be reached; try again later",
            )
        })?;
        let app = wiring::build_app(settings, repos, wiring::Purpose::Command)
            .map_err(|e| Exit::new(EX_TEMPFAIL, format!("not received: {e:#}")))?;
        app.receive_mail(mail, unknown).await.map_err(|e| match e {
            ReceiveError::Refused(why) => Exit::new(EX_NOUSER, format!("refused: {why}")),
            ReceiveError::Failed(e) => {
                tracing::warn!(error = %e, "mail not received");
                Exit::new(
                    EX_TEMPFAIL,
                    "not received: nothing was written; try again later",
                )
            }
        })
    })?;
    eprintln!(
        "{}",
        match received {
            Received::Dropped(MailOrigin::Bounce) =>
                "dropped: a delivery failure report; nothing written".to_owned(),
            Received::Dropped(_) => "dropped: an automatic reply; nothing written".to_owned(),
            Received::Duplicate => "already received; nothing written".to_owned(),
            Received::Replied {
                ticket_number,
                files,
                left_out,
            } => format!(
                "added a message to ticket #{ticket_number} ({files} files, {left_out} left out)"
            ),
            Received::Opened {
                ticket_number,
                account_created,
                files,
                left_out,
            } => format!(
                "opened ticket #{ticket_number}{} ({files} files, {left_out} left out)",
                if account_created {
                    " for a new customer account"
                } else {
                    ""
                }
            ),
        }
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn input_is_capped() {
        assert_eq!(read_capped(&b"abc"[..], 3).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_capped(&b"abcd"[..], 3).unwrap(), None);
    }
}
