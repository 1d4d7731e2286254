//! Row types and their conversion from and to domain values. Stored rows are rebuilt with the
//! domain parsers; a row they refuse is `RepoError::Unexpected`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ticketing_app::ports::RefreshSession;
use ticketing_domain::{
    Action, ActivityEntry, Attachment, Description, Email, FileName, Message, MessageBody,
    PersonName, Priority, Role, Status, StoredFile, Ticket, Topic, User, Username,
};
use uuid::Uuid;

use crate::error::{DbResult, corrupt};
use crate::schema::{activities, attachments, messages, refresh_sessions, tickets, users};
use crate::search::search_text;

/// A UUID as its 16 big-endian bytes (sorts like the UUID).
pub(crate) fn blob(id: impl Into<Uuid>) -> Vec<u8> {
    id.into().as_bytes().to_vec()
}

pub(crate) fn uuid(bytes: &[u8]) -> DbResult<Uuid> {
    Uuid::from_slice(bytes).map_err(|e| corrupt("uuid", e))
}

fn opt_uuid(bytes: Option<&[u8]>) -> DbResult<Option<Uuid>> {
    bytes.map(uuid).transpose()
}

/// A time as integer microseconds since the Unix epoch (UTC).
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn opt_micros(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(micros)
}

pub(crate) fn time(m: i64) -> DbResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(m).ok_or_else(|| corrupt("timestamp", m))
}

fn opt_time(m: Option<i64>) -> DbResult<Option<DateTime<Utc>>> {
    m.map(time).transpose()
}

fn count(n: i64) -> DbResult<u32> {
    u32::try_from(n).map_err(|e| corrupt("counter", e))
}

fn parsed<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> DbResult<T> {
    r.map_err(|e| corrupt(what, e))
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct UserRow {
    pub id: Vec<u8>,
    pub username: String,
    pub username_key: String,
    pub email: String,
    pub email_key: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub is_active: bool,
    pub password_hash: String,
    pub token_epoch: i64,
    pub date_joined: i64,
    pub last_login: Option<i64>,
}

impl UserRow {
    pub fn new(u: &User, password_hash: &str) -> Self {
        Self {
            id: blob(u.id),
            username: u.username.as_str().to_owned(),
            username_key: u.username.key(),
            email: u.email.as_str().to_owned(),
            email_key: u.email.key(),
            first_name: u.first_name.as_str().to_owned(),
            last_name: u.last_name.as_str().to_owned(),
            role: u.role.as_str().to_owned(),
            is_active: u.is_active,
            password_hash: password_hash.to_owned(),
            token_epoch: u.token_epoch,
            date_joined: micros(u.date_joined),
            last_login: opt_micros(u.last_login),
        }
    }

    pub fn into_domain(self) -> DbResult<User> {
        Ok(User {
            id: uuid(&self.id)?.into(),
            username: parsed("username", Username::parse(&self.username))?,
            email: parsed("email", Email::parse(&self.email))?,
            first_name: parsed("first_name", PersonName::parse(&self.first_name))?,
            last_name: parsed("last_name", PersonName::parse(&self.last_name))?,
            role: parsed("role", self.role.parse::<Role>())?,
            is_active: self.is_active,
            token_epoch: self.token_epoch,
            date_joined: time(self.date_joined)?,
            last_login: opt_time(self.last_login)?,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = tickets, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct TicketRow {
    pub id: Vec<u8>,
    pub owner_id: Vec<u8>,
    pub assigned_to_id: Option<Vec<u8>>,
    pub topic: String,
    pub description: String,
    pub status: String,
    pub priority: i16,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub version: i64,
    pub message_count: i64,
    pub internal_note_count: i64,
    pub deleted_at: Option<i64>,
}

/// Every mutable column of a ticket (what `update` and `TicketEffect::Replace` write).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub(crate) struct TicketChanges {
    pub assigned_to_id: Option<Vec<u8>>,
    pub topic: String,
    pub description: String,
    pub status: String,
    pub priority: i16,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub version: i64,
    pub message_count: i64,
    pub internal_note_count: i64,
    pub deleted_at: Option<i64>,
    pub search_text: String,
}

impl TicketRow {
    pub fn new(t: &Ticket) -> Self {
        Self {
            id: blob(t.id),
            owner_id: blob(t.owner),
            assigned_to_id: t.assigned_to.map(blob),
            topic: t.topic.as_str().to_owned(),
            description: t.description.as_str().to_owned(),
            status: t.status.as_str().to_owned(),
            priority: t.priority.rank(),
            created_at: micros(t.created_at),
            updated_at: micros(t.updated_at),
            resolved_at: opt_micros(t.resolved_at),
            closed_at: opt_micros(t.closed_at),
            version: t.version,
            message_count: i64::from(t.message_count),
            internal_note_count: i64::from(t.internal_note_count),
            deleted_at: opt_micros(t.deleted_at),
        }
    }

    pub fn changes(t: &Ticket) -> TicketChanges {
        let row = Self::new(t);
        TicketChanges {
            assigned_to_id: row.assigned_to_id,
            topic: row.topic,
            description: row.description,
            status: row.status,
            priority: row.priority,
            updated_at: row.updated_at,
            resolved_at: row.resolved_at,
            closed_at: row.closed_at,
            version: row.version,
            message_count: row.message_count,
            internal_note_count: row.internal_note_count,
            deleted_at: row.deleted_at,
            search_text: search_text(t.topic.as_str(), t.description.as_str()),
        }
    }

    pub fn into_domain(self) -> DbResult<Ticket> {
        Ok(Ticket {
            id: uuid(&self.id)?.into(),
            owner: uuid(&self.owner_id)?.into(),
            assigned_to: opt_uuid(self.assigned_to_id.as_deref())?.map(Into::into),
            topic: parsed("topic", Topic::parse(&self.topic))?,
            description: parsed("description", Description::parse(&self.description))?,
            status: parsed("status", self.status.parse::<Status>())?,
            priority: Priority::from_rank(self.priority)
                .ok_or_else(|| corrupt("priority", self.priority))?,
            created_at: time(self.created_at)?,
            updated_at: time(self.updated_at)?,
            resolved_at: opt_time(self.resolved_at)?,
            closed_at: opt_time(self.closed_at)?,
            version: self.version,
            message_count: count(self.message_count)?,
            internal_note_count: count(self.internal_note_count)?,
            deleted_at: opt_time(self.deleted_at)?,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = messages, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct MessageRow {
    pub id: Vec<u8>,
    pub ticket_id: Vec<u8>,
    pub author_id: Vec<u8>,
    pub body: String,
    pub is_staff_message: bool,
    pub internal: bool,
    pub created_at: i64,
}

impl MessageRow {
    pub fn new(m: &Message) -> Self {
        Self {
            id: blob(m.id),
            ticket_id: blob(m.ticket_id),
            author_id: blob(m.author),
            body: m.body.as_str().to_owned(),
            is_staff_message: m.is_staff_message,
            internal: m.internal,
            created_at: micros(m.created_at),
        }
    }

    pub fn into_domain(self) -> DbResult<Message> {
        Ok(Message {
            id: uuid(&self.id)?.into(),
            ticket_id: uuid(&self.ticket_id)?.into(),
            author: uuid(&self.author_id)?.into(),
            body: parsed("body", MessageBody::parse(&self.body))?,
            is_staff_message: self.is_staff_message,
            internal: self.internal,
            created_at: time(self.created_at)?,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct AttachmentRow {
    pub id: Vec<u8>,
    pub ticket_id: Vec<u8>,
    pub message_id: Option<Vec<u8>>,
    pub storage_key: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub internal: bool,
    pub uploaded_by: Vec<u8>,
    pub uploaded_at: i64,
}

impl AttachmentRow {
    pub fn new(a: &Attachment) -> DbResult<Self> {
        Ok(Self {
            id: blob(a.id),
            ticket_id: blob(a.ticket_id),
            message_id: a.message_id.map(blob),
            storage_key: a.file.storage_key.clone(),
            filename: a.filename.as_str().to_owned(),
            content_type: a.content_type.clone(),
            size: i64::try_from(a.file.size).map_err(|e| corrupt("size", e))?,
            sha256: a.file.sha256.clone(),
            internal: a.internal,
            uploaded_by: blob(a.uploaded_by),
            uploaded_at: micros(a.uploaded_at),
        })
    }

    pub fn into_domain(self) -> DbResult<Attachment> {
        Ok(Attachment {
            id: uuid(&self.id)?.into(),
            ticket_id: uuid(&self.ticket_id)?.into(),
            message_id: opt_uuid(self.message_id.as_deref())?.map(Into::into),
            filename: FileName::from_stored(self.filename),
            content_type: self.content_type,
            file: StoredFile {
                storage_key: self.storage_key,
                size: u64::try_from(self.size).map_err(|e| corrupt("size", e))?,
                sha256: self.sha256,
            },
            uploaded_by: uuid(&self.uploaded_by)?.into(),
            uploaded_at: time(self.uploaded_at)?,
            internal: self.internal,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = activities, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct ActivityRow {
    pub id: Vec<u8>,
    pub ticket_id: Vec<u8>,
    pub action: String,
    pub details: String,
    pub internal: bool,
    pub performed_by: Vec<u8>,
    pub created_at: i64,
}

impl ActivityRow {
    pub fn new(a: &ActivityEntry) -> Self {
        Self {
            id: blob(a.id),
            ticket_id: blob(a.ticket_id),
            action: a.action.as_str().to_owned(),
            details: a.details.clone(),
            internal: a.internal,
            performed_by: blob(a.performed_by),
            created_at: micros(a.created_at),
        }
    }

    pub fn into_domain(self) -> DbResult<ActivityEntry> {
        Ok(ActivityEntry {
            id: uuid(&self.id)?.into(),
            ticket_id: uuid(&self.ticket_id)?.into(),
            action: parsed("action", self.action.parse::<Action>())?,
            performed_by: uuid(&self.performed_by)?.into(),
            details: self.details,
            internal: self.internal,
            created_at: time(self.created_at)?,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_sessions, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct SessionRow {
    pub id: Vec<u8>,
    pub family_id: Vec<u8>,
    pub user_id: Vec<u8>,
    pub token_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub rotated_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl SessionRow {
    pub fn new(s: &RefreshSession) -> Self {
        Self {
            id: blob(s.id),
            family_id: blob(s.family),
            user_id: blob(s.user_id),
            token_hash: s.token_hash.clone(),
            created_at: micros(s.created_at),
            expires_at: micros(s.expires_at),
            rotated_at: opt_micros(s.rotated_at),
            revoked_at: opt_micros(s.revoked_at),
        }
    }

    pub fn into_domain(self) -> DbResult<RefreshSession> {
        Ok(RefreshSession {
            id: uuid(&self.id)?.into(),
            family: uuid(&self.family_id)?.into(),
            user_id: uuid(&self.user_id)?.into(),
            token_hash: self.token_hash,
            created_at: time(self.created_at)?,
            expires_at: time(self.expires_at)?,
            rotated_at: opt_time(self.rotated_at)?,
            revoked_at: opt_time(self.revoked_at)?,
        })
    }
}
