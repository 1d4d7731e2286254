//! Row types and their conversion from and to domain values. Stored rows are rebuilt with the
//! domain parsers; a row they refuse is `RepoError::Unexpected`.

use diesel::prelude::*;
use ticketing_app::ports::{RefreshSession, StoredEvent};
use ticketing_app::{AuditAction, AuditActor, AuditEntry};
use ticketing_domain::{
    Action, ActivityChange, ActivityEntry, ApiToken, Attachment, Description, Email, Event,
    EventKind, FileName, LastPublicMessage, Message, MessageBody, PersonName, Priority, Role,
    Status, StoredFile, Ticket, TokenName, TokenScope, Topic, User, Username, Visibility,
};

use crate::error::{DbResult, corrupt};
use crate::schema::{
    activities, api_tokens, attachments, audit_log, events, messages, refresh_sessions, tickets,
    users,
};
use crate::sql_types::{DbId, DbTime};
use crate::words::search_text;

fn count(n: i64) -> DbResult<u32> {
    u32::try_from(n).map_err(|e| corrupt("counter", e))
}

fn parsed<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> DbResult<T> {
    r.map_err(|e| corrupt(what, e))
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    pub id: DbId,
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
    pub date_joined: DbTime,
    pub last_login: Option<DbTime>,
    pub username_skeleton: Option<String>,
    pub search_key: String,
    pub must_change_password: bool,
}

impl UserRow {
    pub fn new(u: &User, password_hash: &str) -> Self {
        Self {
            id: u.id.into(),
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
            date_joined: u.date_joined.into(),
            last_login: u.last_login.map(DbTime::from),
            username_skeleton: Some(u.username.skeleton()),
            search_key: u.search_key(),
            must_change_password: u.must_change_password,
        }
    }

    pub fn into_domain(self) -> DbResult<User> {
        Ok(User {
            id: self.id.get(),
            username: parsed("username", Username::parse(&self.username))?,
            email: parsed("email", Email::parse(&self.email))?,
            first_name: parsed("first_name", PersonName::parse(&self.first_name))?,
            last_name: parsed("last_name", PersonName::parse(&self.last_name))?,
            role: parsed("role", self.role.parse::<Role>())?,
            is_active: self.is_active,
            must_change_password: self.must_change_password,
            token_epoch: self.token_epoch,
            date_joined: self.date_joined.get(),
            last_login: self.last_login.map(DbTime::get),
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = tickets)]
pub(crate) struct TicketRow {
    pub id: DbId,
    pub owner_id: DbId,
    pub assigned_to_id: Option<DbId>,
    pub topic: String,
    pub description: String,
    pub status: String,
    pub priority: i16,
    pub created_at: DbTime,
    pub updated_at: DbTime,
    pub resolved_at: Option<DbTime>,
    pub closed_at: Option<DbTime>,
    pub version: i64,
    pub message_count: i64,
    pub internal_note_count: i64,
    pub deleted_at: Option<DbTime>,
    pub public_version: i64,
    pub public_updated_at: DbTime,
    /// Assigned by the database on INSERT (never written by the store).
    #[diesel(skip_insertion)]
    pub number: i64,
    /// The last public message: written only with a message (`messages::add`), never from a
    /// `Ticket`, so that a ticket update computed before a reply cannot undo it.
    #[diesel(skip_insertion)]
    pub last_public_author_id: Option<DbId>,
    #[diesel(skip_insertion)]
    pub last_public_by_staff: Option<bool>,
    #[diesel(skip_insertion)]
    pub last_public_at: Option<DbTime>,
}

/// Every mutable column of a ticket (what `update` and `TicketEffect::Replace` write).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub(crate) struct TicketChanges {
    pub assigned_to_id: Option<DbId>,
    pub topic: String,
    pub description: String,
    pub status: String,
    pub priority: i16,
    pub updated_at: DbTime,
    pub resolved_at: Option<DbTime>,
    pub closed_at: Option<DbTime>,
    pub version: i64,
    pub message_count: i64,
    pub internal_note_count: i64,
    pub deleted_at: Option<DbTime>,
    pub search_text: String,
    pub public_version: i64,
    pub public_updated_at: DbTime,
}

impl TicketRow {
    pub fn new(t: &Ticket) -> Self {
        Self {
            id: t.id.into(),
            owner_id: t.owner.into(),
            assigned_to_id: t.assigned_to.map(DbId::from),
            topic: t.topic.as_str().to_owned(),
            description: t.description.as_str().to_owned(),
            status: t.status.as_str().to_owned(),
            priority: t.priority.rank(),
            created_at: t.created_at.into(),
            updated_at: t.updated_at.into(),
            resolved_at: t.resolved_at.map(DbTime::from),
            closed_at: t.closed_at.map(DbTime::from),
            version: t.version,
            message_count: i64::from(t.message_count),
            internal_note_count: i64::from(t.internal_note_count),
            deleted_at: t.deleted_at.map(DbTime::from),
            public_version: t.public_version,
            public_updated_at: t.public_updated_at.into(),
            number: 0,
            last_public_author_id: None,
            last_public_by_staff: None,
            last_public_at: None,
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
            public_version: row.public_version,
            public_updated_at: row.public_updated_at,
        }
    }

    pub fn into_domain(self) -> DbResult<Ticket> {
        let last_public_message = match (
            self.last_public_author_id,
            self.last_public_by_staff,
            self.last_public_at,
        ) {
            (Some(author), Some(is_staff_message), Some(at)) => Some(LastPublicMessage {
                author: author.get(),
                is_staff_message,
                created_at: at.get(),
            }),
            (None, None, None) => None,
            _ => return Err(corrupt("last_public_at", "partly set")),
        };
        Ok(Ticket {
            id: self.id.get(),
            number: u64::try_from(self.number).map_err(|e| corrupt("number", e))?,
            owner: self.owner_id.get(),
            assigned_to: self.assigned_to_id.map(DbId::get),
            topic: parsed("topic", Topic::parse(&self.topic))?,
            description: parsed("description", Description::parse(&self.description))?,
            status: parsed("status", self.status.parse::<Status>())?,
            priority: Priority::from_rank(self.priority)
                .ok_or_else(|| corrupt("priority", self.priority))?,
            created_at: self.created_at.get(),
            updated_at: self.updated_at.get(),
            resolved_at: self.resolved_at.map(DbTime::get),
            closed_at: self.closed_at.map(DbTime::get),
            version: self.version,
            message_count: count(self.message_count)?,
            internal_note_count: count(self.internal_note_count)?,
            last_public_message,
            deleted_at: self.deleted_at.map(DbTime::get),
            public_version: self.public_version,
            public_updated_at: self.public_updated_at.get(),
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = messages)]
pub(crate) struct MessageRow {
    pub id: DbId,
    pub ticket_id: DbId,
    pub author_id: DbId,
    pub body: String,
    pub is_staff_message: bool,
    pub internal: bool,
    pub created_at: DbTime,
}

impl MessageRow {
    pub fn new(m: &Message) -> Self {
        Self {
            id: m.id.into(),
            ticket_id: m.ticket_id.into(),
            author_id: m.author.into(),
            body: m.body.as_str().to_owned(),
            is_staff_message: m.is_staff_message,
            internal: m.internal,
            created_at: m.created_at.into(),
        }
    }

    pub fn into_domain(self) -> DbResult<Message> {
        Ok(Message {
            id: self.id.get(),
            ticket_id: self.ticket_id.get(),
            author: self.author_id.get(),
            body: parsed("body", MessageBody::parse(&self.body))?,
            is_staff_message: self.is_staff_message,
            internal: self.internal,
            created_at: self.created_at.get(),
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
pub(crate) struct AttachmentRow {
    pub id: DbId,
    pub ticket_id: DbId,
    pub message_id: Option<DbId>,
    pub storage_key: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub internal: bool,
    pub uploaded_by: DbId,
    pub uploaded_at: DbTime,
}

impl AttachmentRow {
    pub fn new(a: &Attachment) -> DbResult<Self> {
        Ok(Self {
            id: a.id.into(),
            ticket_id: a.ticket_id.into(),
            message_id: a.message_id.map(DbId::from),
            storage_key: a.file.storage_key.clone(),
            filename: a.filename.as_str().to_owned(),
            content_type: a.content_type.clone(),
            size: i64::try_from(a.file.size).map_err(|e| corrupt("size", e))?,
            sha256: a.file.sha256.clone(),
            internal: a.internal,
            uploaded_by: a.uploaded_by.into(),
            uploaded_at: a.uploaded_at.into(),
        })
    }

    pub fn into_domain(self) -> DbResult<Attachment> {
        Ok(Attachment {
            id: self.id.get(),
            ticket_id: self.ticket_id.get(),
            message_id: self.message_id.map(DbId::get),
            filename: FileName::from_stored(self.filename),
            content_type: self.content_type,
            file: StoredFile {
                storage_key: self.storage_key,
                size: u64::try_from(self.size).map_err(|e| corrupt("size", e))?,
                sha256: self.sha256,
            },
            uploaded_by: self.uploaded_by.get(),
            uploaded_at: self.uploaded_at.get(),
            internal: self.internal,
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = activities)]
pub(crate) struct ActivityRow {
    pub id: DbId,
    pub ticket_id: DbId,
    pub action: String,
    pub details: String,
    pub internal: bool,
    pub performed_by: DbId,
    pub created_at: DbTime,
    pub change_field: Option<String>,
    pub change_from: Option<String>,
    pub change_to: Option<String>,
}

impl ActivityRow {
    pub fn new(a: &ActivityEntry) -> Self {
        let (field, from, to) = match a.change.as_ref().map(ActivityChange::parts) {
            Some((field, from, to)) => (Some(field.to_owned()), from, to),
            None => (None, None, None),
        };
        Self {
            id: a.id.into(),
            ticket_id: a.ticket_id.into(),
            action: a.action.as_str().to_owned(),
            details: a.details.clone(),
            internal: a.internal,
            performed_by: a.performed_by.into(),
            created_at: a.created_at.into(),
            change_field: field,
            change_from: from,
            change_to: to,
        }
    }

    pub fn into_domain(self) -> DbResult<ActivityEntry> {
        let change = match &self.change_field {
            None => None,
            Some(field) => Some(
                ActivityChange::from_parts(
                    field,
                    self.change_from.as_deref(),
                    self.change_to.as_deref(),
                )
                .ok_or_else(|| corrupt("change", format!("{field} of an activity")))?,
            ),
        };
        Ok(ActivityEntry {
            id: self.id.get(),
            ticket_id: self.ticket_id.get(),
            action: parsed("action", self.action.parse::<Action>())?,
            performed_by: self.performed_by.get(),
            details: self.details,
            change,
            internal: self.internal,
            created_at: self.created_at.get(),
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_sessions)]
pub(crate) struct SessionRow {
    pub id: DbId,
    pub family_id: DbId,
    pub user_id: DbId,
    pub token_hash: String,
    pub created_at: DbTime,
    pub expires_at: DbTime,
    pub rotated_at: Option<DbTime>,
    pub revoked_at: Option<DbTime>,
}

impl SessionRow {
    pub fn new(s: &RefreshSession) -> Self {
        Self {
            id: s.id.into(),
            family_id: s.family.into(),
            user_id: s.user_id.into(),
            token_hash: s.token_hash.clone(),
            created_at: s.created_at.into(),
            expires_at: s.expires_at.into(),
            rotated_at: s.rotated_at.map(DbTime::from),
            revoked_at: s.revoked_at.map(DbTime::from),
        }
    }

    pub fn into_domain(self) -> DbResult<RefreshSession> {
        Ok(RefreshSession {
            id: self.id.get(),
            family: self.family_id.get(),
            user_id: self.user_id.get(),
            token_hash: self.token_hash,
            created_at: self.created_at.get(),
            expires_at: self.expires_at.get(),
            rotated_at: self.rotated_at.map(DbTime::get),
            revoked_at: self.revoked_at.map(DbTime::get),
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
pub(crate) struct ApiTokenRow {
    pub id: DbId,
    pub user_id: DbId,
    pub name: String,
    pub token_hash: String,
    pub scope: String,
    pub role: String,
    pub token_epoch: i64,
    pub created_at: DbTime,
    pub expires_at: Option<DbTime>,
    pub last_used_at: Option<DbTime>,
}

impl ApiTokenRow {
    pub fn new(t: &ApiToken, token_hash: &str) -> Self {
        Self {
            id: t.id.into(),
            user_id: t.user_id.into(),
            name: t.name.as_str().to_owned(),
            token_hash: token_hash.to_owned(),
            scope: t.scope.as_str().to_owned(),
            role: t.role.as_str().to_owned(),
            token_epoch: t.token_epoch,
            created_at: t.created_at.into(),
            expires_at: t.expires_at.map(DbTime::from),
            last_used_at: t.last_used_at.map(DbTime::from),
        }
    }

    pub fn into_domain(self) -> DbResult<ApiToken> {
        Ok(ApiToken {
            id: self.id.get(),
            user_id: self.user_id.get(),
            name: parsed("api token name", TokenName::parse(&self.name))?,
            scope: parsed("api token scope", TokenScope::from_wire(&self.scope))?,
            role: parsed("api token role", Role::from_wire(&self.role))?,
            token_epoch: self.token_epoch,
            created_at: self.created_at.get(),
            expires_at: self.expires_at.map(DbTime::get),
            last_used_at: self.last_used_at.map(DbTime::get),
        })
    }
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub(crate) struct AuditRow {
    pub id: DbId,
    pub at: DbTime,
    pub actor_id: Option<DbId>,
    pub actor: String,
    pub action: String,
    pub target_id: Option<DbId>,
    pub target: String,
    pub details: String,
    pub address: Option<String>,
}

impl AuditRow {
    pub fn new(e: &AuditEntry) -> Self {
        Self {
            id: e.id.into(),
            at: e.at.into(),
            actor_id: e.actor.id().map(DbId::from),
            actor: e.actor.name().to_owned(),
            action: e.action.as_str().to_owned(),
            target_id: e.target_id.map(DbId::from),
            target: e.target.clone(),
            details: e.details.clone(),
            address: e.address.clone(),
        }
    }

    pub fn into_domain(self) -> DbResult<AuditEntry> {
        let actor = match self.actor_id {
            Some(id) => AuditActor::User {
                id: id.get(),
                username: self.actor,
            },
            None => AuditActor::Cli,
        };
        Ok(AuditEntry {
            id: self.id.get(),
            at: self.at.get(),
            actor,
            action: AuditAction::from_wire(&self.action).ok_or_else(|| {
                corrupt("action", format!("unknown audit action {}", self.action))
            })?,
            target_id: self.target_id.map(DbId::get),
            target: self.target,
            details: self.details,
            address: self.address,
        })
    }
}

/// An outbox row. Built before the write transaction with id 0 ([`EventRow::new`]); the
/// transaction gives it its id (`queries/events.rs`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
pub(crate) struct EventRow {
    pub id: i64,
    pub kind: String,
    pub ticket_id: Option<DbId>,
    pub owner_id: Option<DbId>,
    pub actor_id: Option<DbId>,
    pub at: DbTime,
    pub visibility: String,
    pub payload: String,
}

impl EventRow {
    /// The row of `event`, id still to be given; its payload is the JSON of its kind (`type`
    /// and `changes`, the domain's wire shape).
    pub fn new(event: &Event) -> DbResult<Self> {
        Ok(Self {
            id: 0,
            kind: event.type_name().to_owned(),
            ticket_id: event.ticket_id.map(DbId::from),
            owner_id: event.owner.map(DbId::from),
            actor_id: event.actor.map(DbId::from),
            at: event.at.into(),
            visibility: event.visibility.as_str().to_owned(),
            payload: serde_json::to_string(&event.kind).map_err(|e| corrupt("event payload", e))?,
        })
    }

    /// The stored event, with its ticket's number (`None` for events without a ticket).
    pub fn into_domain(self, ticket_number: Option<i64>) -> DbResult<StoredEvent> {
        let ticket_number = ticket_number
            .map(u64::try_from)
            .transpose()
            .map_err(|e| corrupt("ticket number", e))?;
        let kind: EventKind = parsed("event payload", serde_json::from_str(&self.payload))?;
        if kind.type_name() != self.kind {
            return Err(corrupt(
                "event type",
                format!("{} with a payload of {}", self.kind, kind.type_name()),
            ));
        }
        let visibility = Visibility::from_wire(&self.visibility)
            .ok_or_else(|| corrupt("event visibility", &self.visibility))?;
        Ok(StoredEvent {
            id: self.id,
            event: Event {
                kind,
                ticket_id: self.ticket_id.map(DbId::get),
                owner: self.owner_id.map(DbId::get),
                actor: self.actor_id.map(DbId::get),
                at: self.at.get(),
                visibility,
            },
            ticket_number,
        })
    }
}

/// A staged outbox row (PostgreSQL: see `queries/events.rs`): an [`EventRow`] without its id
/// (the key and the transaction id are given by the database).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::events_staged)]
pub(crate) struct StagedEventRow {
    pub kind: String,
    pub ticket_id: Option<DbId>,
    pub owner_id: Option<DbId>,
    pub actor_id: Option<DbId>,
    pub at: DbTime,
    pub visibility: String,
    pub payload: String,
}

impl From<&EventRow> for StagedEventRow {
    fn from(row: &EventRow) -> Self {
        Self {
            kind: row.kind.clone(),
            ticket_id: row.ticket_id,
            owner_id: row.owner_id,
            actor_id: row.actor_id,
            at: row.at,
            visibility: row.visibility.clone(),
            payload: row.payload.clone(),
        }
    }
}

/// A presence row (`queries/presence.rs`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::presence)]
pub(crate) struct PresenceRow {
    pub ticket_id: DbId,
    pub user_id: DbId,
    pub ticket_number: i64,
    pub state: String,
    pub at: DbTime,
    pub expires_at: DbTime,
}

impl PresenceRow {
    /// The row of `p`.
    pub fn new(p: &ticketing_domain::Presence) -> DbResult<Self> {
        Ok(Self {
            ticket_id: p.ticket_id.into(),
            user_id: p.user_id.into(),
            ticket_number: i64::try_from(p.ticket_number)
                .map_err(|e| corrupt("ticket number", e))?,
            state: p.state.as_str().to_owned(),
            at: p.at.into(),
            expires_at: p.expires_at.into(),
        })
    }

    /// The stored presence.
    pub fn into_domain(self) -> DbResult<ticketing_domain::Presence> {
        Ok(ticketing_domain::Presence {
            ticket_id: self.ticket_id.get(),
            user_id: self.user_id.get(),
            ticket_number: u64::try_from(self.ticket_number)
                .map_err(|e| corrupt("ticket number", e))?,
            state: parsed(
                "presence state",
                ticketing_domain::PresenceState::from_wire(&self.state),
            )?,
            at: self.at.get(),
            expires_at: self.expires_at.get(),
        })
    }
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::webhook_endpoints)]
pub(crate) struct WebhookEndpointRow {
    pub id: DbId,
    pub url: String,
    pub event_types: String,
    pub include_staff_events: bool,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DbTime>,
    pub failing_since: Option<DbTime>,
    pub after_event_id: i64,
    pub created_at: DbTime,
    pub updated_at: DbTime,
}

impl std::fmt::Debug for WebhookEndpointRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpointRow")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl WebhookEndpointRow {
    pub fn new(e: &ticketing_app::webhooks::WebhookEndpoint) -> Self {
        Self {
            id: e.id.into(),
            url: e.url.clone(),
            event_types: e.event_types.join(","),
            include_staff_events: e.include_staff_events,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone(),
            secret: e.secret.clone(),
            previous_secret: e.previous_secret.clone(),
            previous_secret_until: e.previous_secret_until.map(DbTime::from),
            failing_since: e.failing_since.map(DbTime::from),
            after_event_id: e.after_event_id,
            created_at: e.created_at.into(),
            updated_at: e.updated_at.into(),
        }
    }

    pub fn into_domain(self) -> ticketing_app::webhooks::WebhookEndpoint {
        ticketing_app::webhooks::WebhookEndpoint {
            id: self.id.get(),
            url: self.url,
            event_types: self
                .event_types
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            include_staff_events: self.include_staff_events,
            enabled: self.enabled,
            disabled_reason: self.disabled_reason,
            secret: self.secret,
            previous_secret: self.previous_secret,
            previous_secret_until: self.previous_secret_until.map(DbTime::get),
            failing_since: self.failing_since.map(DbTime::get),
            after_event_id: self.after_event_id,
            created_at: self.created_at.get(),
            updated_at: self.updated_at.get(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::webhook_deliveries)]
pub(crate) struct WebhookDeliveryRow {
    pub id: DbId,
    pub endpoint_id: DbId,
    pub event_id: i64,
    pub event_type: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DbTime,
    pub created_at: DbTime,
    pub last_attempt_at: Option<DbTime>,
    pub last_status: Option<i32>,
    pub last_latency_ms: Option<i64>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
}

impl WebhookDeliveryRow {
    pub fn into_domain(self) -> DbResult<ticketing_app::webhooks::WebhookDelivery> {
        use ticketing_app::webhooks::{DeliveryState, WebhookDelivery};
        Ok(WebhookDelivery {
            id: self.id.get(),
            endpoint_id: self.endpoint_id.get(),
            event_id: self.event_id,
            event_type: self.event_type,
            state: parsed(
                "webhook delivery state",
                DeliveryState::from_wire(&self.state).ok_or("unknown state"),
            )?,
            attempts: u32::try_from(self.attempts).map_err(|e| corrupt("attempts", e))?,
            next_attempt_at: self.next_attempt_at.get(),
            created_at: self.created_at.get(),
            last_attempt_at: self.last_attempt_at.map(DbTime::get),
            last_status: self.last_status.and_then(|s| u16::try_from(s).ok()),
            last_latency_ms: self.last_latency_ms.and_then(|l| u64::try_from(l).ok()),
            last_error: self.last_error,
            last_response: self.last_response,
        })
    }
}
