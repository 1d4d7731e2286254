//! Messages (public replies and internal notes) and attachment metadata.

use chrono::{DateTime, Utc};

use crate::ids::{AttachmentId, MessageId, TicketId, UserId};
use crate::text::{FileName, MessageBody};

/// A message on a ticket: a public reply, or an internal note only staff see.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Message {
    /// The message's id.
    pub id: MessageId,
    /// The ticket it belongs to.
    pub ticket_id: TicketId,
    /// Who wrote it.
    pub author: UserId,
    /// The text.
    pub body: MessageBody,
    /// Written by staff (agent or admin) at the time.
    pub is_staff_message: bool,
    /// An internal note: hidden from customers everywhere.
    pub internal: bool,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl Message {
    /// What this message makes of its ticket's [`Ticket::last_public_message`]: itself when it
    /// is public, nothing (the last public message stays) when it is an internal note. The one
    /// rule stores and the domain follow.
    ///
    /// [`Ticket::last_public_message`]: crate::Ticket::last_public_message
    pub fn as_last_public(&self) -> Option<LastPublicMessage> {
        (!self.internal).then_some(LastPublicMessage {
            author: self.author,
            is_staff_message: self.is_staff_message,
            created_at: self.created_at,
        })
    }
}

/// The last public message of a ticket, as lists show it ("who spoke last"): its author, whether
/// the author wrote as staff, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LastPublicMessage {
    /// Who wrote it.
    pub author: UserId,
    /// Written by staff: when false, the ticket waits on staff.
    pub is_staff_message: bool,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// The stored bytes of an attachment, as the attachment store reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StoredFile {
    /// Where the store keeps the bytes; chosen by the server, never by the client.
    pub storage_key: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
}

/// Metadata of a file attached to a ticket (and optionally to one of its messages).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Attachment {
    /// The attachment's id.
    pub id: AttachmentId,
    /// The ticket it belongs to.
    pub ticket_id: TicketId,
    /// The message it belongs to, if any (a message of the same ticket).
    pub message_id: Option<MessageId>,
    /// The client's file name, sanitized; for display and downloads only.
    pub filename: FileName,
    /// The content type the client declared (served only when harmless).
    pub content_type: String,
    /// The stored bytes.
    pub file: StoredFile,
    /// Who uploaded it.
    pub uploaded_by: UserId,
    /// When.
    pub uploaded_at: DateTime<Utc>,
    /// Attached to an internal note: hidden from customers.
    pub internal: bool,
}
