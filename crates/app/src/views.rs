//! What use cases return: domain data joined with the people it mentions, filtered for the
//! caller (internal notes never reach customers).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ticketing_domain::{ActivityEntry, Attachment, Message, Ticket, User};

/// A ticket as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketCard {
    /// The ticket.
    pub ticket: Ticket,
    /// Who opened it.
    pub owner: Arc<User>,
    /// Who works on it.
    pub assignee: Option<Arc<User>>,
    /// Messages the caller sees (public ones; plus internal notes for staff).
    pub message_count: u32,
    /// The version the caller sees (and sends back in `If-Match`): every change for staff, the
    /// changes customers can see for customers.
    pub version: i64,
    /// The last change the caller sees, like `version`.
    pub updated_at: DateTime<Utc>,
}

/// An attachment with its uploader and a signed download token for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentView {
    /// The metadata.
    pub attachment: Attachment,
    /// Who uploaded it.
    pub uploader: Arc<User>,
    /// A short-lived token that lets the caller download it without a header.
    pub download_token: String,
    /// When the token expires.
    pub download_expires_at: DateTime<Utc>,
}

/// A message with its author and attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    /// The message.
    pub message: Message,
    /// Who wrote it.
    pub author: Arc<User>,
    /// Its attachments.
    pub attachments: Vec<AttachmentView>,
}

/// An activity entry with the person who performed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityView {
    /// The entry.
    pub entry: ActivityEntry,
    /// Who did it.
    pub performer: Arc<User>,
}

/// Everything about one ticket the caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketDetail {
    /// The ticket and its people.
    pub card: TicketCard,
    /// Messages, oldest first.
    pub messages: Vec<MessageView>,
    /// All its attachments, oldest first.
    pub attachments: Vec<AttachmentView>,
    /// The activity log, newest first.
    pub activities: Vec<ActivityView>,
    /// What the caller may do to the ticket now: [`ticketing_domain::policy::allowed`].
    pub allowed: ticketing_domain::policy::Allowed,
}

/// One page of tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketPage {
    /// The tickets.
    pub items: Vec<TicketCard>,
    /// How many match in all pages.
    pub total: u64,
    /// The cursor of the next page.
    pub next: Option<String>,
}
