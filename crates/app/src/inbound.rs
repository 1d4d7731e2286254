//! Inbound mail, the application half (docs/email.md, "Email to ticket"): what one received
//! message writes. Reading the message (decoding, trimming quoted history, telling auto-replies
//! apart) is the mail adapter's job (`ticketing-mail`); the command line (`ticketing mail
//! receive`) hands the result here as an [`InboundMail`].
//!
//! The decision, for a message written by a person:
//!
//! - a **reply token** (from the `Reply-To` plus-address or the `Message-ID` of a notification)
//!   that is known and younger than [`REPLY_TOKEN_VALID_DAYS`] names a ticket and a participant.
//!   The message becomes a **public** message on that ticket only if the `From` address is that
//!   participant's, or belongs to another active user who may reply on the ticket
//!   ([`policy::may`] with [`Intent::Reply`]); it is then written as that user. Anyone else is
//!   refused ([`ReceiveError::Refused`]): a forged `From` alone never writes into a ticket. A
//!   staff member answering a notification by mail writes a public reply, as the notification's
//!   "reply above this line" invites (internal notes are written in the web UI only). A reply to
//!   a closed ticket opens a new ticket instead (closed tickets take no messages);
//! - no token, or an unknown or expired one: **new mail**. The `[#1042]` of a subject is never
//!   used to find a ticket (anyone can write it). A known active user opens a ticket (subject as
//!   topic, text as description); an unknown sender is refused or gets a customer account,
//!   following [`UnknownSender`]; a deactivated account is refused;
//! - attachments are stored like uploads (size limit, the author's quota); one over a limit is
//!   left out and the message says so, the rest of the mail is kept;
//! - the same `Message-ID` from the same sender is written once (the mail server may deliver a
//!   message twice after a temporary failure): a second delivery is [`Received::Duplicate`].
//!
//! Everything a message makes (an account, the ticket or the message, the attachments, their
//! activity entries and events, the record of the `Message-ID`) is one store transaction
//! ([`MailRepository::store_inbound`]); the attachment files are stored first and removed again
//! when that transaction fails, so nothing is left half-written.

use chrono::{DateTime, Duration, Utc};
use ticketing_domain::{
    ActivityEntry, Actor, Attachment, AttachmentId, Description, Email, Event, FileName, Intent,
    LoginName, Message, MessageBody, MessageId, NewAttachment, NewMessage, NewTicket, Password,
    Role, Status, StoredFile, Ticket, TicketId, Topic, User, UserId, Username, change, policy,
};

use crate::app::App;
use crate::audit::{AuditAction, AuditEntry, AuditSource};
use crate::error::{AppError, RepoError};
use crate::mail::MailPort;
use crate::ports::TicketEffect;
use crate::tickets::effect;

/// How long the reply token of a notification leads a reply to its ticket.
pub const REPLY_TOKEN_VALID_DAYS: i64 = 180;

/// The most attachments kept from one message; the others are left out with a note.
pub const MAX_INBOUND_ATTACHMENTS: usize = 20;

/// The topic of a mail without a subject (and without a first line of text to use instead).
pub const NO_SUBJECT: &str = "(no subject)";

/// The text of a message or ticket from a mail without any text.
pub const NO_TEXT: &str = "(no text)";

/// How many tries a derived username of a new account gets before the mail is refused.
const USERNAME_ATTEMPTS: u32 = 5;

/// Who wrote a message, as the mail adapter classified it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOrigin {
    /// A person.
    Person,
    /// An automatic reply (out of office, `Auto-Submitted`, `Precedence: bulk`…).
    AutoReply,
    /// A delivery failure report.
    Bounce,
}

/// What to do with mail from an address no account has (`TICKETING_MAIL_UNKNOWN_SENDER`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnknownSender {
    /// Refuse it (the default).
    #[default]
    Refuse,
    /// Create a customer account for the address (no usable password: its owner sets one by
    /// password reset), then the ticket.
    Create,
}

/// A received message, decoded by the mail adapter.
#[derive(Clone, PartialEq, Eq)]
pub struct InboundMail {
    /// Person, auto-reply or bounce.
    pub origin: MailOrigin,
    /// The `From` address.
    pub from: String,
    /// The `From` display name, if any (for a new account's names).
    pub from_name: Option<String>,
    /// The `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// The subject, without `Re:` prefixes and `[#N]` tag.
    pub subject: String,
    /// The text written (quoted history and signature trimmed).
    pub body: String,
    /// Reply tokens found in the message, most specific first.
    pub reply_tokens: Vec<String>,
    /// The attached files.
    pub attachments: Vec<InboundFile>,
}

impl std::fmt::Debug for InboundMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the text nor the tokens (credentials) are shown.
        f.debug_struct("InboundMail")
            .field("origin", &self.origin)
            .field("reply_tokens", &self.reply_tokens.len())
            .field("attachments", &self.attachments)
            .finish_non_exhaustive()
    }
}

/// A file attached to a received message.
#[derive(Clone, PartialEq, Eq)]
pub struct InboundFile {
    /// The sender's file name, if any.
    pub filename: Option<String>,
    /// The MIME type.
    pub content_type: String,
    /// The content.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for InboundFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundFile")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// What a received message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// An auto-reply or a bounce: nothing written.
    Dropped(MailOrigin),
    /// The same message was received before: nothing written.
    Duplicate,
    /// A public message on an existing ticket.
    Replied {
        /// The ticket's number.
        ticket_number: u64,
        /// Files attached.
        files: usize,
        /// Files left out (over a limit).
        left_out: usize,
    },
    /// A new ticket.
    Opened {
        /// The ticket's number.
        ticket_number: u64,
        /// A customer account was created for the sender.
        account_created: bool,
        /// Files attached.
        files: usize,
        /// Files left out (over a limit).
        left_out: usize,
    },
}

/// Why a received message wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// The sender may not write this (unknown, deactivated, not a participant of the ticket of
    /// the reply token): sysexits `EX_NOUSER`.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// Anything else (the database unreachable, a race lost too often…): nothing was written, the
    /// mail server should try again later (`EX_TEMPFAIL`).
    #[error(transparent)]
    Failed(#[from] AppError),
}

impl From<RepoError> for ReceiveError {
    fn from(e: RepoError) -> Self {
        ReceiveError::Failed(e.into())
    }
}

/// The ticket and participant a reply token was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyTokenOwner {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The recipient of the notification that carried it.
    pub user_id: UserId,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Everything one received message writes, in one transaction
/// ([`MailRepository::store_inbound`]).
///
/// [`MailRepository::store_inbound`]: crate::MailRepository::store_inbound
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundWrite {
    /// SHA-256 hex of the sender and the `Message-ID` (see the migration `inbound_mail`).
    pub key_hash: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// A new account for the sender, its password hash and its audit entry.
    pub new_user: Option<(User, String, AuditEntry)>,
    /// The ticket or the message.
    pub target: InboundTarget,
    /// The attachments, in order, each with its effect on the ticket.
    pub files: Vec<InboundFileWrite>,
}

/// A new ticket or a message on one.
#[derive(Debug, Clone, PartialEq, Eq)]
// One value per write.
#[allow(clippy::large_enum_variant)]
pub enum InboundTarget {
    /// A new ticket ([`crate::ports::TicketRepository::create`]'s arguments).
    Ticket {
        /// The ticket.
        ticket: Ticket,
        /// Its `created` entry.
        created: ActivityEntry,
        /// Its events.
        events: Vec<Event>,
    },
    /// A message ([`crate::ports::MessageRepository::add`]'s arguments).
    Message {
        /// The message.
        message: Message,
        /// Its effect on the ticket.
        effect: TicketEffect,
        /// Its entries.
        activities: Vec<ActivityEntry>,
        /// Its events.
        events: Vec<Event>,
        /// The ticket's number.
        ticket_number: u64,
    },
}

/// An attachment ([`crate::ports::AttachmentRepository::add`]'s arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundFileWrite {
    /// The attachment.
    pub attachment: Attachment,
    /// Its effect on the ticket.
    pub effect: TicketEffect,
    /// Its entries.
    pub activities: Vec<ActivityEntry>,
    /// Its events.
    pub events: Vec<Event>,
}

/// Where a message goes, once the sender is known (one value per message).
#[allow(clippy::large_enum_variant)]
enum Plan {
    Reply { author: User, ticket: Ticket },
    Open { author: User, new_account: bool },
}

/// Files stored in the blob store for one message, and the notes about those left out.
struct Files {
    stored: Vec<(FileName, String, StoredFile)>,
    notes: Vec<String>,
}

impl App {
    /// Receives one message (see the module): writes a ticket, a message or nothing.
    pub async fn receive_mail(
        &self,
        mut mail: InboundMail,
        unknown: UnknownSender,
    ) -> Result<Received, ReceiveError> {
        if mail.origin != MailOrigin::Person {
            tracing::info!(origin = ?mail.origin, "inbound mail dropped: automatic, not written");
            return Ok(Received::Dropped(mail.origin));
        }
        let port = self.mail.as_deref().ok_or_else(|| {
            ReceiveError::Failed(AppError::Unavailable("mail is not wired".to_owned()))
        })?;
        let Ok(from) = Email::parse(&mail.from) else {
            return Err(ReceiveError::Refused("the sender address is not valid"));
        };
        let key_hash = self.inbound_key(&from, &mail);
        if port.repo.inbound_seen(&key_hash).await? {
            tracing::info!("inbound mail already received: not written again");
            return Ok(Received::Duplicate);
        }
        let sender = self
            .ports
            .store
            .users
            .find_credentials(&LoginName::Email(from.clone()))
            .await?
            .map(|(user, _)| user);
        if sender.as_ref().is_some_and(|u| !u.is_active) {
            return Err(ReceiveError::Refused("the sender's account is deactivated"));
        }
        let plan = match self.token_ticket(port, &mail.reply_tokens).await? {
            Some((owner, ticket)) => {
                let Some(sender) = sender else {
                    return Err(ReceiveError::Refused(
                        "the sender is not a participant of the ticket the reply is about",
                    ));
                };
                // The token's participant, or another user who may reply there (the check
                // of a closed ticket is the next step's: it opens a new ticket).
                let allowed = sender.id == owner
                    || policy::may(&sender.actor(), &ticket, Intent::View).is_ok()
                        && (ticket.status == Status::Closed
                            || policy::may(&sender.actor(), &ticket, Intent::Reply).is_ok());
                if !allowed {
                    return Err(ReceiveError::Refused(
                        "the sender is not a participant of the ticket the reply is about",
                    ));
                }
                if ticket.status == Status::Closed {
                    // Closed tickets take no messages: the reply opens a new ticket that
                    // names the old one.
                    mail.body = format!(
                        "[Follow-up to #{}, which is closed.]\n\n{}",
                        ticket.number, mail.body
                    );
                    Plan::Open {
                        author: sender,
                        new_account: false,
                    }
                } else {
                    Plan::Reply {
                        author: sender,
                        ticket,
                    }
                }
            }
            None => match sender {
                Some(author) => Plan::Open {
                    author,
                    new_account: false,
                },
                None if unknown == UnknownSender::Create => Plan::Open {
                    author: self.account_for(&from, mail.from_name.as_deref())?,
                    new_account: true,
                },
                None => return Err(ReceiveError::Refused("no account has the sender address")),
            },
        };
        let author = match &plan {
            Plan::Reply { author, .. } | Plan::Open { author, .. } => author.clone(),
        };
        let files = self.store_files(&author, &mail.attachments).await?;
        let keys: Vec<String> = files
            .stored
            .iter()
            .map(|(_, _, f)| f.storage_key.clone())
            .collect();
        let result = self.write_inbound(key_hash, &mail, plan, &files).await;
        if result.is_err() || matches!(result, Ok(Received::Duplicate)) {
            for key in keys {
                if let Err(e) = self.ports.blobs.delete(&key).await {
                    tracing::error!(error = %e, storage_key = %key, "could not remove the file of a mail not written; the start-up sweep will");
                }
            }
        }
        match &result {
            Ok(Received::Replied {
                ticket_number,
                files,
                left_out,
            }) => tracing::info!(
                ticket = ticket_number,
                files,
                left_out,
                "inbound mail added to a ticket"
            ),
            Ok(Received::Opened {
                ticket_number,
                account_created,
                files,
                left_out,
            }) => tracing::info!(
                ticket = ticket_number,
                account_created,
                files,
                left_out,
                "inbound mail opened a ticket"
            ),
            _ => {}
        }
        result
    }

    /// The key that makes a second delivery of the same message a duplicate: the sender and the
    /// `Message-ID` (without one, the subject, text and attachment sizes), hashed.
    fn inbound_key(&self, from: &Email, mail: &InboundMail) -> String {
        let id = match &mail.message_id {
            Some(id) if !id.trim().is_empty() => format!("id\n{}", id.trim()),
            _ => {
                let sizes: Vec<String> = mail
                    .attachments
                    .iter()
                    .map(|a| a.bytes.len().to_string())
                    .collect();
                format!(
                    "content\n{}\n{}\n{}",
                    mail.subject,
                    mail.body,
                    sizes.join(",")
                )
            }
        };
        self.ports
            .tokens
            .hash_refresh_token(&format!("inbound\n{}\n{id}", from.as_str().to_lowercase()))
    }

    /// The ticket of the first known, unexpired reply token, with the token's participant. A
    /// deleted ticket counts as no token.
    async fn token_ticket(
        &self,
        port: &MailPort,
        tokens: &[String],
    ) -> Result<Option<(UserId, Ticket)>, ReceiveError> {
        let oldest = self.ports.clock.now() - Duration::days(REPLY_TOKEN_VALID_DAYS);
        for token in tokens.iter().take(8) {
            let hash = self.ports.tokens.hash_refresh_token(token);
            let Some(owner) = port.repo.reply_token(&hash).await? else {
                continue;
            };
            if owner.created_at < oldest {
                continue;
            }
            match self.ports.store.tickets.get(owner.ticket_id).await {
                Ok(ticket) => return Ok(Some((owner.user_id, ticket))),
                Err(RepoError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(None)
    }

    /// A new customer account for an unknown sender (not stored yet).
    fn account_for(&self, email: &Email, name: Option<&str>) -> Result<User, AppError> {
        let (first, last) = split_name(name.unwrap_or_default())?;
        Ok(User {
            id: UserId::from_uuid(self.ports.ids.new_id()),
            username: Username::derive_from_email(email),
            email: email.clone(),
            first_name: first,
            last_name: last,
            role: Role::Customer,
            is_active: true,
            must_change_password: false,
            token_epoch: 0,
            date_joined: self.ports.clock.now(),
            last_login: None,
        })
    }

    /// Stores the attachments that fit the limits of uploads (size, count, the author's
    /// quota) in the blob store; notes the others. A failure removes what was stored.
    async fn store_files(&self, author: &User, files: &[InboundFile]) -> Result<Files, AppError> {
        let mut out = Files {
            stored: Vec::new(),
            notes: Vec::new(),
        };
        if files.is_empty() {
            return Ok(out);
        }
        let max = self.settings.max_upload_bytes;
        let quota = self.settings.upload_quota_bytes;
        let mut used = self
            .ports
            .store
            .attachments
            .bytes_uploaded_by(author.id)
            .await?;
        for (index, file) in files.iter().enumerate() {
            let name = FileName::sanitize(file.filename.as_deref().unwrap_or_default());
            let size = file.bytes.len() as u64;
            let reason = if index >= MAX_INBOUND_ATTACHMENTS {
                Some(format!(
                    "more than {MAX_INBOUND_ATTACHMENTS} files in one mail"
                ))
            } else if size > max {
                Some(format!("larger than the limit of {max} bytes"))
            } else if used.saturating_add(size.max(1)) > quota {
                Some("the sender's upload quota is full".to_owned())
            } else {
                None
            };
            if let Some(reason) = reason {
                out.notes.push(format!(
                    "[Attachment \"{}\" ({size} bytes) not kept: {reason}.]",
                    name.as_str()
                ));
                continue;
            }
            match self.store_one(&file.bytes, max).await {
                Ok(stored) => {
                    used = used.saturating_add(stored.size);
                    out.stored.push((name, file.content_type.clone(), stored));
                }
                Err(e) => {
                    for (_, _, f) in &out.stored {
                        if let Err(err) = self.ports.blobs.delete(&f.storage_key).await {
                            tracing::error!(error = %err, storage_key = %f.storage_key, "could not remove the file of a mail not written; the start-up sweep will");
                        }
                    }
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    async fn store_one(&self, bytes: &[u8], max: u64) -> Result<StoredFile, AppError> {
        let mut writer = self.ports.blobs.begin(max).await?;
        for chunk in bytes.chunks(64 * 1024) {
            writer.write(chunk).await?;
        }
        Ok(writer.finish().await?)
    }

    /// Builds the write of `plan` and stores it; a lost race is recomputed on the fresh ticket,
    /// a derived username already taken gets a number.
    async fn write_inbound(
        &self,
        key_hash: String,
        mail: &InboundMail,
        plan: Plan,
        files: &Files,
    ) -> Result<Received, ReceiveError> {
        let policy = self.settings.retry;
        let mut ticket_id = match &plan {
            Plan::Reply { ticket, .. } => ticket.id,
            Plan::Open { .. } => TicketId::from_uuid(self.ports.ids.new_id()),
        };
        let message_id = MessageId::from_uuid(self.ports.ids.new_id());
        let file_ids: Vec<AttachmentId> = files
            .stored
            .iter()
            .map(|_| AttachmentId::from_uuid(self.ports.ids.new_id()))
            .collect();
        let mut new_user = match &plan {
            Plan::Open {
                author,
                new_account: true,
            } => {
                let hash = self.unusable_password_hash().await?;
                Some((author.clone(), hash))
            }
            _ => None,
        };
        let base_username = new_user.as_ref().map(|(u, _)| u.username.clone());
        let mut retries = 0u32;
        let mut renames = 0u32;
        loop {
            let (author, ticket) = match &plan {
                Plan::Reply { author, ticket } => {
                    let fresh = if retries == 0 {
                        ticket.clone()
                    } else {
                        self.ports.store.tickets.get(ticket.id).await?
                    };
                    if fresh.status == Status::Closed {
                        // Closed meanwhile: the next delivery opens a follow-up (see above).
                        return Err(AppError::Unavailable(
                            "the ticket was closed meanwhile; try again".to_owned(),
                        )
                        .into());
                    }
                    (author, Some(fresh))
                }
                Plan::Open { author, .. } => (author, None),
            };
            let author = match &new_user {
                Some((u, _)) => u.clone(),
                None => author.clone(),
            };
            let write = self.inbound_write(
                &key_hash,
                mail,
                &author,
                ticket.as_ref(),
                ticket_id,
                message_id,
                &file_ids,
                files,
                new_user.as_ref(),
            )?;
            let opened = matches!(write.target, InboundTarget::Ticket { .. });
            let port = self.mail.as_deref().ok_or_else(|| {
                ReceiveError::Failed(AppError::Unavailable("mail is not wired".to_owned()))
            })?;
            match port.repo.store_inbound(&write).await {
                Ok(ticket_number) => {
                    let kept = files.stored.len();
                    let left_out = files.notes.len();
                    return Ok(if opened {
                        Received::Opened {
                            ticket_number,
                            account_created: new_user.is_some(),
                            files: kept,
                            left_out,
                        }
                    } else {
                        Received::Replied {
                            ticket_number,
                            files: kept,
                            left_out,
                        }
                    });
                }
                Err(RepoError::Conflict {
                    field: "message_id",
                }) => {
                    return Ok(Received::Duplicate);
                }
                Err(RepoError::Conflict {
                    field: "username" | "username_skeleton",
                }) if renames < USERNAME_ATTEMPTS && new_user.is_some() => {
                    renames += 1;
                    let n = (self.ports.ids.new_id().as_u128() % 9000 + 1000) as u32;
                    if let (Some((user, _)), Some(base)) = (new_user.as_mut(), &base_username) {
                        user.username = base.with_suffix(n);
                    }
                }
                Err(RepoError::Stale) if retries < policy.retries => {
                    retries += 1;
                    if matches!(plan, Plan::Open { .. }) {
                        ticket_id = TicketId::from_uuid(self.ports.ids.new_id());
                    }
                    tokio::time::sleep(policy.pause(retries - 1)).await;
                }
                Err(RepoError::Stale) => {
                    return Err(AppError::Conflict {
                        field: None,
                        message: "the ticket kept changing; try again".to_owned(),
                    }
                    .into());
                }
                Err(RepoError::Conflict { field: "email" }) => {
                    // Someone registered the address meanwhile: the next delivery finds them.
                    return Err(AppError::Unavailable(
                        "the sender's account was created meanwhile; try again".to_owned(),
                    )
                    .into());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The hash of a random password nobody knows: the account can only be used after a
    /// password reset.
    async fn unusable_password_hash(&self) -> Result<String, AppError> {
        let (secret, _) = self.ports.tokens.new_refresh_token();
        Ok(self.ports.hasher.hash(&Password::new(secret)).await?)
    }

    /// The domain's changes for one message, as one write.
    #[allow(clippy::too_many_arguments)]
    fn inbound_write(
        &self,
        key_hash: &str,
        mail: &InboundMail,
        author: &User,
        ticket: Option<&Ticket>,
        ticket_id: TicketId,
        message_id: MessageId,
        file_ids: &[AttachmentId],
        files: &Files,
        new_user: Option<&(User, String)>,
    ) -> Result<InboundWrite, ReceiveError> {
        let actor: Actor = author.actor();
        let text = compose_text(&mail.body, &files.notes);
        let now = match ticket {
            Some(t) => self.now_for(t),
            None => self.ports.clock.now(),
        };
        let (target, mut current, message) = match ticket {
            Some(ticket) => {
                let body = MessageBody::parse(&text).map_err(|e| {
                    AppError::Internal(anyhow::anyhow!("inbound text not a message: {e}"))
                })?;
                let applied = change::add_message(
                    &actor,
                    ticket,
                    NewMessage {
                        id: message_id,
                        body,
                        internal: false,
                    },
                    now,
                    self.next_activity_id(),
                )
                .map_err(refusal)?;
                let target = InboundTarget::Message {
                    message: applied.created.clone(),
                    effect: effect(ticket, &applied.ticket),
                    activities: applied.activities,
                    events: applied.events,
                    ticket_number: ticket.number,
                };
                (target, applied.ticket, Some(applied.created))
            }
            None => {
                let description = Description::parse(&text).map_err(|e| {
                    AppError::Internal(anyhow::anyhow!("inbound text not a description: {e}"))
                })?;
                let new = NewTicket {
                    id: ticket_id,
                    topic: topic_of(&mail.subject, &mail.body)
                        .map_err(|e| AppError::Internal(anyhow::anyhow!("inbound topic: {e}")))?,
                    description,
                    priority: Default::default(),
                };
                let opened = change::open_ticket(&actor, new, now, self.next_activity_id());
                let created = opened.activities.first().cloned().ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("opening a ticket logged no entry"))
                })?;
                let target = InboundTarget::Ticket {
                    ticket: opened.ticket.clone(),
                    created,
                    events: opened.events,
                };
                (target, opened.ticket, None)
            }
        };
        let mut writes = Vec::with_capacity(files.stored.len());
        for ((name, content_type, stored), id) in files.stored.iter().zip(file_ids) {
            let applied = change::add_attachment(
                &actor,
                &current,
                NewAttachment {
                    id: *id,
                    filename: name.clone(),
                    content_type: content_type.clone(),
                    file: stored.clone(),
                },
                message.as_ref(),
                now,
                self.next_activity_id(),
            )
            .map_err(refusal)?;
            writes.push(InboundFileWrite {
                attachment: applied.created,
                effect: effect(&current, &applied.ticket),
                activities: applied.activities,
                events: applied.events,
            });
            current = applied.ticket;
        }
        let new_user = new_user.map(|(user, hash)| {
            let audit = self.audit_entry(
                &AuditSource::cli(),
                AuditAction::UserCreated,
                user,
                "role customer, from an inbound mail (no password until reset)",
            );
            (user.clone(), hash.clone(), audit)
        });
        Ok(InboundWrite {
            key_hash: key_hash.to_owned(),
            received_at: now,
            new_user,
            target,
            files: writes,
        })
    }
}

/// A domain refusal of a message the sender was allowed to send: the ticket moved (closed
/// meanwhile, or the sender lost access). Nothing is written.
fn refusal(e: ticketing_domain::ChangeError) -> ReceiveError {
    tracing::info!(error = %e, "inbound mail refused by the ticket's rules");
    ReceiveError::Refused("the ticket does not accept this message")
}

/// The text of the message or ticket: the mail's text (or [`NO_TEXT`]) with the notes about
/// attachments left out, within the limit of messages (cut with a note when longer).
pub fn compose_text(body: &str, notes: &[String]) -> String {
    let cleaned = clean_text(body);
    let notes_text: String = notes.iter().map(|n| format!("\n\n{n}")).collect();
    let mut text = if cleaned.is_empty() {
        NO_TEXT.to_owned()
    } else {
        cleaned
    };
    const CUT: &str = "\n\n[The mail was longer; the rest was cut.]";
    let room = MessageBody::MAX_CHARS
        .min(Description::MAX_CHARS)
        .saturating_sub(notes_text.chars().count());
    if text.chars().count() > room {
        let keep = room.saturating_sub(CUT.chars().count());
        text = text
            .chars()
            .take(keep)
            .collect::<String>()
            .trim_end()
            .to_owned();
        text.push_str(CUT);
    }
    text.push_str(&notes_text);
    text
}

/// Text without the control characters the domain refuses (newlines and tabs stay; `\r\n`
/// becomes `\n`), trimmed.
fn clean_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The topic of a new ticket: the subject, or else the first line of the text, or else
/// [`NO_SUBJECT`]; on one line, within the topic's limit.
pub fn topic_of(subject: &str, body: &str) -> Result<Topic, ticketing_domain::ValueError> {
    let one_line = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let subject = one_line(subject);
    let candidate = if subject.is_empty() {
        let first = clean_text(body)
            .lines()
            .map(one_line)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        if first.chars().count() > 80 {
            format!("{}…", first.chars().take(79).collect::<String>().trim_end())
        } else {
            first
        }
    } else {
        subject
    };
    let cut: String = if candidate.chars().count() > Topic::MAX_CHARS {
        format!(
            "{}…",
            candidate
                .chars()
                .take(Topic::MAX_CHARS - 1)
                .collect::<String>()
                .trim_end()
        )
    } else {
        candidate
    };
    Topic::parse(&cut).or_else(|_| Topic::parse(NO_SUBJECT))
}

/// First and last name from a display name ("Ada Lovelace"; "Lovelace, Ada"), within the limits
/// of names; empty when it does not parse.
fn split_name(
    name: &str,
) -> Result<(ticketing_domain::PersonName, ticketing_domain::PersonName), AppError> {
    use ticketing_domain::PersonName;
    let name = name.trim().trim_matches('"').trim();
    let (first, last) = match name.split_once(',') {
        Some((last, first)) => (first.trim(), last.trim()),
        None => match name.rsplit_once(' ') {
            Some((first, last)) => (first.trim(), last.trim()),
            None => (name, ""),
        },
    };
    let parse = |s: &str| {
        PersonName::parse(s)
            .or_else(|_| PersonName::parse(""))
            .map_err(|e| AppError::Internal(anyhow::anyhow!("empty name: {e}")))
    };
    Ok((parse(first)?, parse(last)?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_default_topic_is_valid() {
        assert!(Topic::parse(NO_SUBJECT).is_ok());
        assert!(MessageBody::parse(NO_TEXT).is_ok());
    }

    #[test]
    fn topics_come_from_the_subject_or_the_first_line() {
        assert_eq!(
            topic_of(" Printer\ton fire ", "x").unwrap().as_str(),
            "Printer on fire"
        );
        assert_eq!(
            topic_of("", "\n\nHello there\nmore").unwrap().as_str(),
            "Hello there"
        );
        assert_eq!(topic_of("", "").unwrap().as_str(), NO_SUBJECT);
        let long = "a".repeat(400);
        assert_eq!(
            topic_of(&long, "").unwrap().as_str().chars().count(),
            Topic::MAX_CHARS
        );
    }

    #[test]
    fn text_is_kept_within_the_limit_with_its_notes() {
        assert_eq!(compose_text("  hi\r\nthere\u{7} ", &[]), "hi\nthere");
        assert_eq!(compose_text("", &[]), NO_TEXT);
        let notes = vec!["[Attachment \"a\" (1 bytes) not kept: x.]".to_owned()];
        let text = compose_text(&"b".repeat(20_000), &notes);
        assert_eq!(text.chars().count(), MessageBody::MAX_CHARS);
        assert!(MessageBody::parse(&text).is_ok());
        assert!(text.ends_with(&notes[0]));
        assert!(text.contains("the rest was cut"));
    }

    #[test]
    fn names_split() {
        let (f, l) = split_name("\"Lovelace, Ada\"").unwrap();
        assert_eq!((f.as_str(), l.as_str()), ("Ada", "Lovelace"));
        let (f, l) = split_name("Grace Brewster Hopper").unwrap();
        assert_eq!((f.as_str(), l.as_str()), ("Grace Brewster", "Hopper"));
    }
}
