//! The rows the generator writes, independent of the database.

use std::borrow::Cow;

use uuid::Uuid;

/// A user account.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub username_key: String,
    pub email: String,
    pub email_key: String,
    pub first_name: String,
    pub last_name: String,
    pub role: &'static str,
    pub date_joined: i64,
    pub last_login: Option<i64>,
}

/// A ticket (times are microseconds since the Unix epoch).
#[derive(Debug, Clone)]
pub struct TicketRow {
    pub id: Uuid,
    pub owner: Uuid,
    pub assignee: Option<Uuid>,
    pub topic: String,
    pub description: String,
    pub status: &'static str,
    pub priority: i16,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub version: i64,
    pub message_count: i64,
    pub internal_note_count: i64,
    pub deleted_at: Option<i64>,
    pub search_text: String,
    /// The words of the public messages and of the internal notes (as the store keeps them).
    pub conversation_text: String,
    pub notes_text: String,
    /// Who spoke last: the author, staff flag and time of the newest public message.
    pub last_public: Option<(Uuid, bool, i64)>,
}

/// A message or internal note.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author: Uuid,
    pub body: String,
    pub is_staff: bool,
    pub internal: bool,
    pub created_at: i64,
}

/// Attachment metadata; the file is a hard link to one of a few shared sample files.
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub message_id: Option<Uuid>,
    pub storage_key: String,
    pub filename: &'static str,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: &'static str,
    pub internal: bool,
    pub uploaded_by: Uuid,
    pub uploaded_at: i64,
    /// Which sample file the stored file links to.
    pub sample: usize,
}

/// An activity-log entry.
#[derive(Debug, Clone)]
pub struct ActivityRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub action: &'static str,
    pub details: Cow<'static, str>,
    pub internal: bool,
    pub performed_by: Uuid,
    pub created_at: i64,
}

/// A batch of tickets with everything that hangs off them.
#[derive(Debug, Default)]
pub struct Chunk {
    pub tickets: Vec<TicketRow>,
    pub messages: Vec<MessageRow>,
    pub attachments: Vec<AttachmentRow>,
    pub activities: Vec<ActivityRow>,
}
