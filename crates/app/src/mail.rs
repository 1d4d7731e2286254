//! Outgoing mail, the application half (docs/email.md): who is told what, the durable queue and
//! its retries, notification preferences and password reset by mail. Composing and sending over
//! SMTP is the mail adapter's job (`ticketing-mail`, driven by the server).
//!
//! - **Planning** ([`App::mail_plan`]): the mail consumer reads the event outbox after its cursor
//!   (the row `mail` of `outbox_state`), decides the recipients of each event and hands the jobs
//!   with the cursor it read to [`MailRepository::commit_mail_batch`], which inserts them and
//!   advances the cursor in one transaction only if the cursor is still where it was read: each
//!   event is planned once, across restarts and replicas.
//! - **Who**: a new ticket to every active agent and admin (while unassigned); a public reply to
//!   the other side (the customer for a staff reply, the assignee for the customer's); an
//!   assignment to the new assignee; resolved and closed to the customer. Never to the actor
//!   themself, never to an inactive account, only when the recipient's preferences allow it, and
//!   only when [`policy::sees_event`] says the recipient may learn of the event: an internal note
//!   or anything staff-only never reaches a customer.
//! - **Delivery** ([`App::mail_claim`], [`App::mail_finish`]): due jobs are claimed (a lease,
//!   then the send outside any transaction); a transient failure retries with exponential
//!   backoff up to 24 hours after the job was made; a permanent one (5xx) stops with its reason
//!   and is listed for admins ([`App::mail_failures`]).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use ticketing_domain::event::{EventKind, Visibility};
use ticketing_domain::{Actor, LoginName, Password, Role, Status, TicketId, User, UserId, policy};
use uuid::Uuid;

use crate::app::App;
use crate::error::{AppError, RepoError};
use crate::events::Delivery;
use crate::inbound::{InboundWrite, ReplyTokenOwner};

/// The name of the mail consumer's cursor row in `outbox_state`.
pub const MAIL_CONSUMER: &str = "mail";

/// How long a mail is retried after it was queued before it is given up.
pub const MAIL_GIVE_UP_AFTER: Duration = Duration::hours(24);

/// How long a claimed job stays reserved for the sender that claimed it: if that process dies
/// while sending, another sends it after this.
pub const MAIL_LEASE: Duration = Duration::minutes(5);

/// How long a password reset link works.
pub const RESET_VALID_MINUTES: u32 = 30;

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    /// A ticket was opened (to staff).
    NewTicket,
    /// A public reply (to the other side).
    PublicReply,
    /// A ticket was assigned (to the new assignee).
    Assigned,
    /// A ticket was resolved (to the customer).
    Resolved,
    /// A ticket was closed (to the customer).
    Closed,
    /// A password reset link.
    PasswordReset,
}

impl MailKind {
    /// Every kind.
    pub const ALL: [MailKind; 6] = [
        MailKind::NewTicket,
        MailKind::PublicReply,
        MailKind::Assigned,
        MailKind::Resolved,
        MailKind::Closed,
        MailKind::PasswordReset,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::NewTicket => "new_ticket",
            MailKind::PublicReply => "public_reply",
            MailKind::Assigned => "assigned",
            MailKind::Resolved => "resolved",
            MailKind::Closed => "closed",
            MailKind::PasswordReset => "password_reset",
        }
    }

    /// The kind of a stored name.
    pub fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Which notifications a user wants (no stored row: all of them). Password reset mails are
/// always sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailPreferences {
    /// New tickets (staff).
    pub new_ticket: bool,
    /// Public replies on the user's tickets (or the tickets assigned to them).
    pub public_reply: bool,
    /// Tickets assigned to the user (staff).
    pub assigned: bool,
    /// The user's tickets resolved or closed.
    pub status: bool,
}

impl Default for MailPreferences {
    fn default() -> Self {
        Self {
            new_ticket: true,
            public_reply: true,
            assigned: true,
            status: true,
        }
    }
}

impl MailPreferences {
    /// Whether a mail of `kind` may be sent.
    pub fn wants(&self, kind: MailKind) -> bool {
        match kind {
            MailKind::NewTicket => self.new_ticket,
            MailKind::PublicReply => self.public_reply,
            MailKind::Assigned => self.assigned,
            MailKind::Resolved | MailKind::Closed => self.status,
            MailKind::PasswordReset => true,
        }
    }
}

/// A change of preferences (absent fields stay).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreferencesUpdate {
    /// New tickets.
    pub new_ticket: Option<bool>,
    /// Public replies.
    pub public_reply: Option<bool>,
    /// Assignments.
    pub assigned: Option<bool>,
    /// Resolved and closed.
    pub status: Option<bool>,
}

/// One mail to send (a row of the queue).
#[derive(Clone, PartialEq, Eq)]
pub struct MailJob {
    /// The job's id.
    pub id: Uuid,
    /// The outbox event it is about (`None`: a password reset).
    pub event_id: Option<i64>,
    /// What it is about.
    pub kind: MailKind,
    /// The recipient's account.
    pub recipient: UserId,
    /// The recipient's address as it was when the job was made.
    pub to_address: String,
    /// The recipient's display name.
    pub to_name: String,
    /// The ticket.
    pub ticket_id: Option<TicketId>,
    /// The ticket's number.
    pub ticket_number: Option<u64>,
    /// The ticket's topic (empty for a password reset).
    pub topic: String,
    /// Who caused it.
    pub actor_name: String,
    /// The text quoted in the mail (a new ticket's description, a public reply).
    pub body: Option<String>,
    /// The reply token (ticket mails) or the reset token (password reset) the mail carries;
    /// cleared once the job is finished. Never in `Debug`.
    pub secret: Option<String>,
    /// Hash of the reply token (stored with the ticket and recipient when the job is made).
    pub reply_token_hash: Option<String>,
    /// Sending attempts so far (this one included once claimed).
    pub attempts: u32,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for MailJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailJob")
            .field("id", &self.id)
            .field("event_id", &self.event_id)
            .field("kind", &self.kind)
            .field("recipient", &self.recipient)
            .field("ticket_number", &self.ticket_number)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutcome {
    /// Accepted by the SMTP server.
    Sent,
    /// Try again at `at`.
    Retry {
        /// When.
        at: DateTime<Utc>,
        /// Why the attempt failed.
        reason: String,
    },
    /// Given up (a permanent failure, or 24 hours of transient ones).
    Failed {
        /// Why.
        reason: String,
    },
}

/// A mail that was given up, for admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFailure {
    /// The job's id.
    pub id: Uuid,
    /// What it was about.
    pub kind: MailKind,
    /// The recipient's account.
    pub recipient: UserId,
    /// The address it was sent to.
    pub to_address: String,
    /// The ticket's number, for ticket mails.
    pub ticket_number: Option<u64>,
    /// The reason given by the SMTP server (or the last transient one).
    pub reason: String,
    /// Attempts made.
    pub attempts: u32,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it was given up.
    pub failed_at: DateTime<Utc>,
}

/// The mail queue and what goes with it. Each method is one transaction.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait MailRepository: Send + Sync {
    /// The outbox id the consumer `name` has planned up to.
    async fn mail_cursor(&self, name: &str) -> Result<i64, RepoError>;

    /// In one transaction: locks the cursor row `name` (inserted at `expected` when missing);
    /// when it no longer holds `expected` (another process planned these events), writes nothing
    /// and answers `false`; else inserts `jobs` (a job whose (event, recipient) exists already
    /// is skipped) with their reply token hashes, sets the cursor to `to` and answers `true`.
    async fn commit_mail_batch(
        &self,
        name: &str,
        expected: i64,
        to: i64,
        jobs: &[MailJob],
    ) -> Result<bool, RepoError>;

    /// Claims up to `limit` pending jobs due at `now` (skipping those another transaction holds
    /// on PostgreSQL): counts an attempt and moves each one's next attempt to `lease_until`, in
    /// one transaction, and returns them.
    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MailJob>, RepoError>;

    /// Records how an attempt ended (sent and failed jobs lose their secret).
    async fn finish_mail(
        &self,
        id: Uuid,
        outcome: &MailOutcome,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// The newest `limit` failed jobs, newest first.
    async fn mail_failures(&self, limit: u32) -> Result<Vec<MailFailure>, RepoError>;

    /// Every active agent and admin.
    async fn mail_staff(&self) -> Result<Vec<User>, RepoError>;

    /// The stored preferences of these users (missing: defaults).
    async fn mail_preferences(
        &self,
        users: &[UserId],
    ) -> Result<HashMap<UserId, MailPreferences>, RepoError>;

    /// Stores a user's preferences.
    async fn set_mail_preferences(
        &self,
        user: UserId,
        preferences: &MailPreferences,
    ) -> Result<(), RepoError>;

    /// Stores a reset request (the hash of its token) and its mail job, in one transaction.
    async fn create_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
        job: &MailJob,
    ) -> Result<(), RepoError>;

    /// The user of the unused, unexpired request with this hash; with `consume`, marks it used
    /// at `now` too (once: a second call finds nothing). `None` when there is none (unknown,
    /// used or expired).
    async fn password_reset_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        consume: bool,
    ) -> Result<Option<UserId>, RepoError>;

    /// The ticket and participant of the reply token with this hash (see `mail_reply_tokens`),
    /// `None` when no token has it.
    async fn reply_token(&self, token_hash: &str) -> Result<Option<ReplyTokenOwner>, RepoError>;

    /// Whether an inbound message with this key was stored ([`MailRepository::store_inbound`]).
    async fn inbound_seen(&self, key_hash: &str) -> Result<bool, RepoError>;

    /// Stores what one inbound message makes, all or nothing, in this order: the record of its
    /// key, the new account (with its audit entry; the checks and `Conflict`s of
    /// `UserRepository::insert`), the ticket (as `TicketRepository::create`, its number
    /// assigned) or the message (as `MessageRepository::add`, `Stale` as described by
    /// `TicketEffect`), then each attachment (as `AttachmentRepository::add`). Answers the
    /// ticket's number. `Conflict { field: "message_id" }` when the key is stored already.
    async fn store_inbound(&self, write: &InboundWrite) -> Result<u64, RepoError>;
}

/// The mail side of the application: the queue, and whether mail is sent at all.
#[derive(Clone)]
pub struct MailPort {
    /// The queue.
    pub repo: Arc<dyn MailRepository>,
    /// An SMTP server is configured: notifications are planned and resets possible.
    pub enabled: bool,
    /// The first pause after a transient failure (doubling each time, at most an hour).
    pub retry_base: StdDuration,
}

impl fmt::Debug for MailPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailPort")
            .field("enabled", &self.enabled)
            .field("retry_base", &self.retry_base)
            .finish_non_exhaustive()
    }
}

/// A fresh reply token: 128 random bits as 26 lowercase base32 characters (the format of
/// `ticketing_mail::ReplyToken`).
fn reply_token() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let mut out = String::with_capacity(26);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The pause before attempt `attempts + 1`: `base` doubled per attempt made, at most an hour.
pub fn backoff(base: StdDuration, attempts: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    let pause = base
        .saturating_mul(factor)
        .min(StdDuration::from_secs(3600));
    Duration::from_std(pause).unwrap_or(Duration::hours(1))
}

/// One recipient of an event and what the mail says.
struct Planned {
    kind: MailKind,
    recipient: UserId,
    body: Option<String>,
}

/// The recipients of one event, before preferences and the visibility check.
fn recipients(d: &Delivery, ticket_assignee: Option<UserId>, staff: &[User]) -> Vec<Planned> {
    let event = &d.event;
    let owner = event.owner;
    match &event.kind {
        EventKind::TicketCreated(opened) if ticket_assignee.is_none() => staff
            .iter()
            .map(|u| Planned {
                kind: MailKind::NewTicket,
                recipient: u.id,
                body: Some(opened.description.as_str().to_owned()),
            })
            .collect(),
        EventKind::MessageCreated(m) if !m.internal && event.visibility == Visibility::Public => {
            let other = if m.is_staff_message {
                owner
            } else {
                ticket_assignee
            };
            other
                .filter(|u| *u != m.author)
                .map(|u| Planned {
                    kind: MailKind::PublicReply,
                    recipient: u,
                    body: Some(m.body.as_str().to_owned()),
                })
                .into_iter()
                .collect()
        }
        EventKind::TicketUpdated(changes) => {
            let mut out = Vec::new();
            if let Some(Some(assignee)) = changes.assigned_to.as_ref().map(|c| c.to) {
                out.push(Planned {
                    kind: MailKind::Assigned,
                    recipient: assignee,
                    body: None,
                });
            }
            let status_kind = match changes.status.as_ref().map(|c| c.to) {
                Some(Status::Resolved) => Some(MailKind::Resolved),
                Some(Status::Closed) => Some(MailKind::Closed),
                _ => None,
            };
            if let (Some(kind), Some(owner)) = (status_kind, owner) {
                out.push(Planned {
                    kind,
                    recipient: owner,
                    body: None,
                });
            }
            out
        }
        _ => Vec::new(),
    }
}

impl App {
    /// Adds the mail side: the queue, whether mail is sent, and the retry pause.
    pub fn with_mail(mut self, mail: MailPort) -> Self {
        self.mail = Some(Arc::new(mail));
        self
    }

    /// Whether mail is sent (an SMTP server is configured).
    pub fn mail_enabled(&self) -> bool {
        self.mail.as_ref().is_some_and(|m| m.enabled)
    }

    fn mail_port(&self) -> Result<&MailPort, AppError> {
        self.mail
            .as_deref()
            .ok_or_else(|| AppError::Unavailable("mail is not configured".to_owned()))
    }

    fn sending_mail_port(&self) -> Result<&MailPort, AppError> {
        match self.mail.as_deref() {
            Some(m) if m.enabled => Ok(m),
            _ => Err(AppError::Unavailable(
                "mail is not configured on this server (TICKETING_SMTP_URL); ask an \
                 administrator to reset your password"
                    .to_owned(),
            )),
        }
    }

    /// Plans the mails of up to `limit` events after the consumer's cursor and commits them with
    /// the cursor (see the module). Answers how many events were consumed (0: none new, or
    /// another process planned them first).
    pub async fn mail_plan(&self, limit: u32) -> Result<usize, AppError> {
        let port = self.sending_mail_port()?;
        let repo = &port.repo;
        let cursor = repo.mail_cursor(MAIL_CONSUMER).await?;
        if let Ok(head) = self.ports.store.events.last_event_id().await {
            crate::metrics::set_outbox_lag(
                MAIL_CONSUMER,
                u64::try_from(head - cursor).unwrap_or(0),
            );
        }
        let deliveries = self.events_after(cursor, limit).await?;
        let Some(last) = deliveries.last().map(|d| d.id) else {
            return Ok(0);
        };
        let now = self.ports.clock.now();
        let oldest = now - MAIL_GIVE_UP_AFTER;
        let mut staff: Option<Vec<User>> = None;
        let mut planned: Vec<(usize, Planned)> = Vec::new();
        let mut tickets = HashMap::new();
        for (index, d) in deliveries.iter().enumerate() {
            // An event older than a day (mail was off, or the consumer was stopped) is news
            // to nobody any more.
            if d.event.at < oldest {
                continue;
            }
            let Some(ticket_id) = d.event.ticket_id else {
                continue;
            };
            if !matches!(
                d.event.kind,
                EventKind::TicketCreated(_)
                    | EventKind::MessageCreated(_)
                    | EventKind::TicketUpdated(_)
            ) {
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = tickets.entry(ticket_id) {
                slot.insert(match self.ports.store.tickets.get(ticket_id).await {
                    Ok(t) => Some(t),
                    Err(RepoError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                });
            }
            let Some(Some(ticket)) = tickets.get(&ticket_id) else {
                continue; // deleted since: nothing to tell
            };
            if matches!(d.event.kind, EventKind::TicketCreated(_)) && staff.is_none() {
                staff = Some(repo.mail_staff().await?);
            }
            let assignee = match &d.event.kind {
                // The assignee when the ticket was created: none unless made so at once.
                EventKind::TicketCreated(_) => None,
                _ => ticket.assigned_to,
            };
            for p in recipients(d, assignee, staff.as_deref().unwrap_or_default()) {
                planned.push((index, p));
            }
        }
        let people: HashSet<UserId> = planned.iter().map(|(_, p)| p.recipient).collect();
        let users = self.people(people.iter().copied()).await?;
        let ids: Vec<UserId> = people.into_iter().collect();
        let preferences = if ids.is_empty() {
            HashMap::new()
        } else {
            repo.mail_preferences(&ids).await?
        };
        let mut jobs: Vec<MailJob> = Vec::new();
        let mut seen: HashSet<(i64, UserId)> = HashSet::new();
        for (index, p) in planned {
            let d = &deliveries[index];
            let user = users.get(p.recipient)?;
            let actor = Actor {
                id: user.id,
                role: user.role,
            };
            let wants = preferences
                .get(&user.id)
                .copied()
                .unwrap_or_default()
                .wants(p.kind);
            // Never the actor themself, never an inactive account, never an event the
            // recipient may not learn of (an internal note to a customer), never twice.
            if !user.is_active
                || d.event.actor == Some(user.id)
                || !wants
                || !policy::sees_event(&actor, &d.event)
                || (p.kind == MailKind::Assigned && user.role == Role::Customer)
                || !seen.insert((d.id, user.id))
            {
                continue;
            }
            let Some(Some(ticket)) = d.event.ticket_id.and_then(|t| tickets.get(&t)) else {
                continue;
            };
            let token = reply_token();
            jobs.push(MailJob {
                id: self.ports.ids.new_id(),
                event_id: Some(d.id),
                kind: p.kind,
                recipient: user.id,
                to_address: user.email.as_str().to_owned(),
                to_name: user.display_name(),
                ticket_id: Some(ticket.id),
                ticket_number: d.ticket_number.or(Some(ticket.number)),
                topic: ticket.topic.as_str().to_owned(),
                actor_name: d.actor_name.clone(),
                body: p.body,
                reply_token_hash: Some(self.ports.tokens.hash_refresh_token(&token)),
                secret: Some(token),
                attempts: 0,
                created_at: now,
            });
        }
        let committed = repo
            .commit_mail_batch(MAIL_CONSUMER, cursor, last, &jobs)
            .await?;
        if !committed {
            return Ok(0);
        }
        if !jobs.is_empty() {
            tracing::debug!(
                events = deliveries.len(),
                mails = jobs.len(),
                "mail planned"
            );
        }
        Ok(deliveries.len())
    }

    /// Claims up to `limit` due mail jobs for sending (see [`MailRepository::claim_mail`]).
    pub async fn mail_claim(&self, limit: u32) -> Result<Vec<MailJob>, AppError> {
        let port = self.sending_mail_port()?;
        let now = self.ports.clock.now();
        Ok(port.repo.claim_mail(now, now + MAIL_LEASE, limit).await?)
    }

    /// Records the result of sending `job`: `Ok` sent; `Err((permanent, reason))` failed. A
    /// transient failure is retried after [`backoff`] unless that would pass 24 hours since the
    /// job was queued.
    pub async fn mail_finish(
        &self,
        job: &MailJob,
        result: Result<(), (bool, String)>,
    ) -> Result<MailOutcome, AppError> {
        let port = self.mail_port()?;
        let now = self.ports.clock.now();
        let outcome = match result {
            Ok(()) => MailOutcome::Sent,
            Err((true, reason)) => MailOutcome::Failed { reason },
            Err((false, reason)) => {
                let at = now + backoff(port.retry_base, job.attempts);
                if at > job.created_at + MAIL_GIVE_UP_AFTER {
                    MailOutcome::Failed {
                        reason: format!("gave up after 24 hours: {reason}"),
                    }
                } else {
                    MailOutcome::Retry { at, reason }
                }
            }
        };
        port.repo.finish_mail(job.id, &outcome, now).await?;
        crate::metrics::delivery(
            crate::metrics::Channel::Mail,
            match &outcome {
                MailOutcome::Sent => crate::metrics::Outcome::Success,
                MailOutcome::Retry { .. } => crate::metrics::Outcome::Retry,
                MailOutcome::Failed { .. } => crate::metrics::Outcome::Failed,
            },
        );
        match &outcome {
            MailOutcome::Failed { reason } => {
                tracing::warn!(job = %job.id, kind = job.kind.as_str(), %reason, "mail given up");
            }
            MailOutcome::Retry { at, reason } => {
                tracing::info!(job = %job.id, attempts = job.attempts, retry_at = %at, %reason, "mail will be retried");
            }
            MailOutcome::Sent => {}
        }
        Ok(outcome)
    }

    /// The mails given up, newest first (admins).
    pub async fn mail_failures(
        &self,
        actor: &Actor,
        limit: u32,
    ) -> Result<Vec<MailFailure>, AppError> {
        policy::manage_users(actor)?;
        let port = self.mail_port()?;
        Ok(port.repo.mail_failures(limit).await?)
    }

    /// The caller's notification preferences.
    pub async fn mail_preferences(&self, actor: &Actor) -> Result<MailPreferences, AppError> {
        let port = self.mail_port()?;
        Ok(port
            .repo
            .mail_preferences(&[actor.id])
            .await?
            .remove(&actor.id)
            .unwrap_or_default())
    }

    /// Changes the caller's notification preferences.
    pub async fn update_mail_preferences(
        &self,
        actor: &Actor,
        update: PreferencesUpdate,
    ) -> Result<MailPreferences, AppError> {
        let port = self.mail_port()?;
        let mut current = port
            .repo
            .mail_preferences(&[actor.id])
            .await?
            .remove(&actor.id)
            .unwrap_or_default();
        if let Some(v) = update.new_ticket {
            current.new_ticket = v;
        }
        if let Some(v) = update.public_reply {
            current.public_reply = v;
        }
        if let Some(v) = update.assigned {
            current.assigned = v;
        }
        if let Some(v) = update.status {
            current.status = v;
        }
        port.repo.set_mail_preferences(actor.id, &current).await?;
        Ok(current)
    }

    /// Checks that a password reset can be asked for (mail is configured): 503 `unavailable`
    /// otherwise. Call before answering, then [`App::request_password_reset`] in the
    /// background.
    pub fn password_reset_available(&self) -> Result<(), AppError> {
        self.sending_mail_port().map(|_| ())
    }

    /// A password reset for the account whose email is `email`: when there is an active one,
    /// stores a single-use token (its hash) valid 30 minutes and queues the mail that carries
    /// it. An unknown address does the same work (a token made and hashed, a lookup) and stores
    /// nothing. Answers the account that was sent a link (for the per-account limit), if any.
    /// `allow` is asked before anything is stored for a found account (the per-account limit):
    /// `false` sends nothing.
    pub async fn request_password_reset(
        &self,
        email: &str,
        allow: &(dyn Fn(UserId) -> bool + Send + Sync),
    ) -> Result<Option<UserId>, AppError> {
        let port = self.sending_mail_port()?;
        let (token, token_hash) = self.ports.tokens.new_refresh_token();
        let user = match LoginName::parse(email) {
            Ok(login @ LoginName::Email(_)) => self
                .ports
                .store
                .users
                .find_credentials(&login)
                .await?
                .map(|(user, _)| user),
            _ => None,
        };
        let Some(user) = user.filter(|u| u.is_active) else {
            return Ok(None);
        };
        if !allow(user.id) {
            tracing::info!(user = %user.id, "password reset not sent: too many for this account");
            return Ok(None);
        }
        let now = self.ports.clock.now();
        let job = MailJob {
            id: self.ports.ids.new_id(),
            event_id: None,
            kind: MailKind::PasswordReset,
            recipient: user.id,
            to_address: user.email.as_str().to_owned(),
            to_name: user.display_name(),
            ticket_id: None,
            ticket_number: None,
            topic: String::new(),
            actor_name: String::new(),
            body: None,
            secret: Some(token),
            reply_token_hash: None,
            attempts: 0,
            created_at: now,
        };
        let expires_at = now + Duration::minutes(i64::from(RESET_VALID_MINUTES));
        port.repo
            .create_password_reset(&token_hash, user.id, expires_at, &job)
            .await?;
        Ok(Some(user.id))
    }

    /// Sets a new password with a reset token: the token must be unused and not expired; it is
    /// used up, the password policy applies, and every session, access token and API token of
    /// the user ends. `Validation` on `token` (unknown, used or expired) or `new_password`.
    pub async fn confirm_password_reset(
        &self,
        token: &str,
        new_password: Password,
    ) -> Result<(), AppError> {
        let port = self.mail_port()?;
        let invalid = || {
            AppError::field(
                "token",
                "this reset link is invalid, used or expired; ask for a new one",
            )
        };
        if token.is_empty() || token.len() > 200 {
            return Err(invalid());
        }
        let hash = self.ports.tokens.hash_refresh_token(token);
        let now = self.ports.clock.now();
        // The policy is checked before the token is used up, so a refused password keeps the
        // link working: that needs the user, found by the hash without consuming it.
        let Some(user_id) = port.repo.password_reset_user(&hash, now, false).await? else {
            return Err(invalid());
        };
        let user = self.ports.store.users.get(user_id).await?;
        let new =
            match ticketing_domain::NewPassword::parse(new_password, &user.username, &user.email) {
                Ok(new) => new,
                Err(e) => {
                    let mut errors = crate::error::FieldErrors::new();
                    errors.insert(
                        "new_password".to_owned(),
                        e.0.iter().map(ToString::to_string).collect(),
                    );
                    return Err(AppError::Validation(errors));
                }
            };
        let password_hash = self.ports.hasher.hash(new.password()).await?;
        // Used up now, once: of two requests with the same link only one gets here.
        if port.repo.password_reset_user(&hash, now, true).await? != Some(user.id) {
            return Err(invalid());
        }
        self.ports
            .store
            .users
            .set_password(user.id, &password_hash, &[])
            .await?;
        self.ports
            .store
            .sessions
            .revoke_user(user.id, None, now)
            .await?;
        tracing::info!(user = %user.id, "password reset by mail");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = StdDuration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::seconds(30));
        assert_eq!(backoff(base, 2), Duration::seconds(60));
        assert_eq!(backoff(base, 3), Duration::seconds(120));
        assert_eq!(backoff(base, 40), Duration::hours(1));
    }

    #[test]
    fn reply_tokens_have_the_mail_format() {
        let t = reply_token();
        assert_eq!(t.len(), 26);
        assert!(
            t.bytes()
                .all(|b| b"abcdefghijklmnopqrstuvwxyz234567".contains(&b))
        );
        assert_ne!(t, reply_token());
    }

    #[test]
    fn kinds_round_trip() {
        for k in MailKind::ALL {
            assert_eq!(MailKind::from_wire(k.as_str()), Some(k));
        }
    }
}
