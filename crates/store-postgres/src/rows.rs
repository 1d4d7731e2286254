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

/// The UUID of a typed id (stored as native `uuid`).
pub(crate) fn uid(id: impl Into<Uuid>) -> Uuid {
    id.into()
}

/// A time as stored: `timestamptz` keeps microseconds; finer digits are rounded down here (as
/// in the other stores) rather than towards 2000-01-01 as the wire conversion would.
pub(crate) fn db_time(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

fn count(n: i64) -> DbResult<u32> {
    u32::try_from(n).map_err(|e| corrupt("counter", e))
}

fn parsed<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> DbResult<T> {
    r.map_err(|e| corrupt(what, e))
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub(crate) struct UserRow {
    pub id: Uuid,
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
    pub date_joined: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
}

impl UserRow {
    pub fn new(u: &User, password_hash: &str) -> Self {
        Self {
            id: uid(u.id),
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
            date_joined: db_time(u.date_joined),
            last_login: u.last_login.map(db_time),
        }
    }

    pub fn into_domain(self) -> DbResult<User> {
        Ok(User {
            id: self.id.into(),
            username: parsed("username", Username::parse(&self.username))?,
            email: parsed("email", Email::parse(&self.email))?,
            first_name: parsed("first_name", PersonName::parse(&self.first_name))?,
            last_name: parsed("last_name", PersonName::parse(&self.last_name))?,
            role: parsed("role", self.role.parse::<Role>())?,
            is_active: self.is_active,
            token_epoch: self.token_epoch,
            date_joined: self.date_joined,
            last_login: self.last_login,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = tickets, check_for_backend(diesel::pg::Pg))]
pub(crate) struct TicketRow {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub assigned_to_id: Option<Uuid>,
    pub topic: String,
    pub description: String,
    pub status: String,
    pub priority: i16,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub message_count: i64,
    pub internal_note_count: i64,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Every mutable column of a ticket (what `update` and `TicketEffect::Replace` write).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub(crate) struct TicketChanges {
    pub assigned_to_id: Option<Uuid>,
    pub topic: String,
    pub description: String,
    pub status: String,
    pub priority: i16,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub message_count: i64,
    pub internal_note_count: i64,
    pub deleted_at: Option<DateTime<Utc>>,
    pub search_text: String,
}

impl TicketRow {
    pub fn new(t: &Ticket) -> Self {
        Self {
            id: uid(t.id),
            owner_id: uid(t.owner),
            assigned_to_id: t.assigned_to.map(uid),
            topic: t.topic.as_str().to_owned(),
            description: t.description.as_str().to_owned(),
            status: t.status.as_str().to_owned(),
            priority: t.priority.rank(),
            created_at: db_time(t.created_at),
            updated_at: db_time(t.updated_at),
            resolved_at: t.resolved_at.map(db_time),
            closed_at: t.closed_at.map(db_time),
            version: t.version,
            message_count: i64::from(t.message_count),
            internal_note_count: i64::from(t.internal_note_count),
            deleted_at: t.deleted_at.map(db_time),
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
            id: self.id.into(),
            owner: self.owner_id.into(),
            assigned_to: self.assigned_to_id.map(Into::into),
            topic: parsed("topic", Topic::parse(&self.topic))?,
            description: parsed("description", Description::parse(&self.description))?,
            status: parsed("status", self.status.parse::<Status>())?,
            priority: Priority::from_rank(self.priority)
                .ok_or_else(|| corrupt("priority", self.priority))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
            version: self.version,
            message_count: count(self.message_count)?,
            internal_note_count: count(self.internal_note_count)?,
            deleted_at: self.deleted_at,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub(crate) struct MessageRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub is_staff_message: bool,
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

impl MessageRow {
    pub fn new(m: &Message) -> Self {
        Self {
            id: uid(m.id),
            ticket_id: uid(m.ticket_id),
            author_id: uid(m.author),
            body: m.body.as_str().to_owned(),
            is_staff_message: m.is_staff_message,
            internal: m.internal,
            created_at: db_time(m.created_at),
        }
    }

    pub fn into_domain(self) -> DbResult<Message> {
        Ok(Message {
            id: self.id.into(),
            ticket_id: self.ticket_id.into(),
            author: self.author_id.into(),
            body: parsed("body", MessageBody::parse(&self.body))?,
            is_staff_message: self.is_staff_message,
            internal: self.internal,
            created_at: self.created_at,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments, check_for_backend(diesel::pg::Pg))]
pub(crate) struct AttachmentRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub message_id: Option<Uuid>,
    pub storage_key: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub internal: bool,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTime<Utc>,
}

impl AttachmentRow {
    pub fn new(a: &Attachment) -> DbResult<Self> {
        Ok(Self {
            id: uid(a.id),
            ticket_id: uid(a.ticket_id),
            message_id: a.message_id.map(uid),
            storage_key: a.file.storage_key.clone(),
            filename: a.filename.as_str().to_owned(),
            content_type: a.content_type.clone(),
            size: i64::try_from(a.file.size).map_err(|e| corrupt("size", e))?,
            sha256: a.file.sha256.clone(),
            internal: a.internal,
            uploaded_by: uid(a.uploaded_by),
            uploaded_at: db_time(a.uploaded_at),
        })
    }

    pub fn into_domain(self) -> DbResult<Attachment> {
        Ok(Attachment {
            id: self.id.into(),
            ticket_id: self.ticket_id.into(),
            message_id: self.message_id.map(Into::into),
            filename: FileName::from_stored(self.filename),
            content_type: self.content_type,
            file: StoredFile {
                storage_key: self.storage_key,
                size: u64::try_from(self.size).map_err(|e| corrupt("size", e))?,
                sha256: self.sha256,
            },
            uploaded_by: self.uploaded_by.into(),
            uploaded_at: self.uploaded_at,
            internal: self.internal,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = activities, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ActivityRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub action: String,
    pub details: String,
    pub internal: bool,
    pub performed_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl ActivityRow {
    pub fn new(a: &ActivityEntry) -> Self {
        Self {
            id: uid(a.id),
            ticket_id: uid(a.ticket_id),
            action: a.action.as_str().to_owned(),
            details: a.details.clone(),
            internal: a.internal,
            performed_by: uid(a.performed_by),
            created_at: db_time(a.created_at),
        }
    }

    pub fn into_domain(self) -> DbResult<ActivityEntry> {
        Ok(ActivityEntry {
            id: self.id.into(),
            ticket_id: self.ticket_id.into(),
            action: parsed("action", self.action.parse::<Action>())?,
            performed_by: self.performed_by.into(),
            details: self.details,
            internal: self.internal,
            created_at: self.created_at,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_sessions, check_for_backend(diesel::pg::Pg))]
pub(crate) struct SessionRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl SessionRow {
    pub fn new(s: &RefreshSession) -> Self {
        Self {
            id: uid(s.id),
            family_id: uid(s.family),
            user_id: uid(s.user_id),
            token_hash: s.token_hash.clone(),
            created_at: db_time(s.created_at),
            expires_at: db_time(s.expires_at),
            rotated_at: s.rotated_at.map(db_time),
            revoked_at: s.revoked_at.map(db_time),
        }
    }

    pub fn into_domain(self) -> DbResult<RefreshSession> {
        Ok(RefreshSession {
            id: self.id.into(),
            family: self.family_id.into(),
            user_id: self.user_id.into(),
            token_hash: self.token_hash,
            created_at: self.created_at,
            expires_at: self.expires_at,
            rotated_at: self.rotated_at,
            revoked_at: self.revoked_at,
        })
    }
}
