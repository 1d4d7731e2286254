//! What use cases return: domain data joined with the people it mentions, filtered for the
//! caller (internal notes never reach customers).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ticketing_domain::{ActivityEntry, Attachment, LastPublicMessage, Message, Ticket, User};

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
    /// Who spoke last: the ticket's last public message with its author (internal notes never
    /// count, so customers may see it).
    pub last_public_message: Option<LastMessageView>,
}

/// The last public message of a ticket, with its author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastMessageView {
    /// Who wrote it, whether as staff, and when.
    pub message: LastPublicMessage,
    /// The author.
    pub author: Arc<User>,
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

/// An activity entry with the person who performed it and the people its change names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityView {
    /// The entry.
    pub entry: ActivityEntry,
    /// Who did it.
    pub performer: Arc<User>,
    /// The users its change names ([`ticketing_domain::ActivityChange::people`]: the assignees
    /// before and after, the requester), as far as they exist.
    pub named: Vec<Arc<User>>,
}

impl ActivityView {
    /// The user with this id among [`ActivityView::named`].
    pub fn named(&self, id: ticketing_domain::UserId) -> Option<&User> {
        self.named.iter().map(AsRef::as_ref).find(|u| u.id == id)
    }
}

/// A ticket and the latest of what the caller may see of it: at most
/// [`crate::DETAIL_ITEMS`] messages, attachments and activity entries each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketDetail {
    /// The ticket and its people.
    pub card: TicketCard,
    /// The latest messages, oldest first.
    pub messages: Vec<MessageView>,
    /// The latest attachments, oldest first.
    pub attachments: Vec<AttachmentView>,
    /// The latest activity entries, newest first.
    pub activities: Vec<ActivityView>,
    /// What the caller may do to the ticket now: [`ticketing_domain::policy::allowed`].
    pub allowed: ticketing_domain::policy::Allowed,
    /// Where the earlier items continue, for the lists that hold more.
    pub earlier: Earlier,
}

/// For each list of a ticket detail that holds more than it embeds, the cursor of its
/// newest-first list (`-created_at`) after the oldest item embedded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Earlier {
    /// Messages before the embedded ones.
    pub messages: Option<String>,
    /// Attachments before the embedded ones.
    pub attachments: Option<String>,
    /// Activity entries before the embedded ones.
    pub activities: Option<String>,
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
    /// Whether `total` is exact (`false`: at least that many, see
    /// `ticketing_domain::listing::SEARCH_WALK`).
    pub exact: bool,
}
