//! Response bodies: the only types that derive `Serialize` and `ToSchema` for responses.

use crate::listing::earlier_url;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use ticketing_app::views::{ActivityView, AttachmentView, MessageView, TicketCard, TicketDetail};
use ticketing_domain::{ActivityChange, User, UserId};
use utoipa::ToSchema;
use uuid::Uuid;

fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Micros, true))
}

fn rfc3339_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

/// A user, wherever a person appears.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    /// The user's id.
    pub id: Uuid,
    /// Login name.
    pub username: String,
    /// Email address.
    pub email: String,
    /// First name (may be empty).
    pub first_name: String,
    /// Last name (may be empty).
    pub last_name: String,
    /// The name to show: first and last name, or the username when both are empty.
    pub display_name: String,
    /// `customer`, `agent` or `admin`.
    #[schema(value_type = RoleDto)]
    pub role: &'static str,
    /// Agents and admins are staff.
    pub is_staff: bool,
    /// Deactivated users cannot log in.
    pub is_active: bool,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.as_uuid(),
            username: u.username.as_str().to_owned(),
            email: u.email.as_str().to_owned(),
            first_name: u.first_name.as_str().to_owned(),
            last_name: u.last_name.as_str().to_owned(),
            display_name: u.display_name(),
            role: u.role.as_str(),
            is_staff: u.role.is_staff(),
            is_active: u.is_active,
        }
    }
}

/// A user account as its owner and the staff's user list see it: the user, and whether their
/// password is a temporary one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountDto {
    /// The user.
    #[serde(flatten)]
    pub user: UserDto,
    /// The password is a temporary one an admin set: until it is changed
    /// (`POST /api/v1/users/profile/change-password/`), every call but reading the profile,
    /// changing the password, refreshing and signing out answers 403 `password_change_required`.
    pub must_change_password: bool,
}

impl From<&User> for AccountDto {
    fn from(u: &User) -> Self {
        Self {
            user: UserDto::from(u),
            must_change_password: u.must_change_password,
        }
    }
}

/// A role.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum RoleDto {
    /// Creates tickets, sees their own.
    Customer,
    /// Staff.
    Agent,
    /// Staff with user management.
    Admin,
}

/// A ticket status.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum StatusDto {
    /// New or reopened.
    Open,
    /// Being worked on.
    InProgress,
    /// Solved; may be reopened.
    Resolved,
    /// Final.
    Closed,
}

/// A ticket priority.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum PriorityDto {
    /// Lowest.
    Low,
    /// Default.
    Medium,
    /// Urgent.
    High,
    /// Most urgent.
    Critical,
}

/// An activity action.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum ActionDto {
    /// Opened.
    Created,
    /// Topic or description edited.
    Updated,
    /// Status moved.
    StatusChanged,
    /// Priority changed.
    PriorityChanged,
    /// (Un)assigned.
    AssignedToChanged,
    /// Public message.
    MessageAdded,
    /// Staff-only note.
    InternalNoteAdded,
    /// File attached.
    AttachmentAdded,
    /// File removed.
    AttachmentRemoved,
    /// Resolved.
    Resolved,
    /// Reopened.
    Reopened,
    /// Closed.
    Closed,
    /// Deleted.
    Deleted,
}

/// A ticket as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketDto {
    /// The ticket's id.
    pub id: Uuid,
    /// Who opened it.
    pub user: UserDto,
    /// The staff member working on it.
    pub assigned_to: Option<UserDto>,
    /// One-line subject.
    pub topic: String,
    /// The problem.
    pub description: String,
    /// Lifecycle status.
    #[schema(value_type = StatusDto)]
    pub status: &'static str,
    /// Human label of the status.
    pub status_display: &'static str,
    /// Priority.
    #[schema(value_type = PriorityDto)]
    pub priority: &'static str,
    /// Human label of the priority.
    pub priority_display: &'static str,
    /// Opened at.
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Last change the caller can see: of any kind for staff; for customers, the last change
    /// customers can see (internal notes and their files do not count).
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// Set while resolved (and kept when closed after resolving).
    #[serde(serialize_with = "rfc3339_opt")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Set when closed.
    #[serde(serialize_with = "rfc3339_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Messages the caller can see.
    pub message_count: u32,
    /// Grows with every change the caller can see (for customers: not with internal notes and
    /// their files); the `ETag`.
    pub version: i64,
}

impl From<&TicketCard> for TicketDto {
    fn from(c: &TicketCard) -> Self {
        let t = &c.ticket;
        Self {
            id: t.id.as_uuid(),
            user: UserDto::from(c.owner.as_ref()),
            assigned_to: c.assignee.as_deref().map(UserDto::from),
            topic: t.topic.as_str().to_owned(),
            description: t.description.as_str().to_owned(),
            status: t.status.as_str(),
            status_display: t.status.display(),
            priority: t.priority.as_str(),
            priority_display: t.priority.display(),
            created_at: t.created_at,
            updated_at: c.updated_at,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            message_count: c.message_count,
            version: c.version,
        }
    }
}

/// An attached file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentDto {
    /// The attachment's id.
    pub id: Uuid,
    /// Its ticket.
    pub ticket: Uuid,
    /// Its message, if any.
    pub message: Option<Uuid>,
    /// The original file name.
    pub filename: String,
    /// Size in bytes.
    pub filesize: u64,
    /// The declared content type.
    pub content_type: String,
    /// Who uploaded it.
    pub uploaded_by: UserDto,
    /// When.
    #[serde(serialize_with = "rfc3339")]
    pub uploaded_at: DateTime<Utc>,
    /// A short-lived signed download link (works without an Authorization header).
    pub file_url: String,
}

impl From<&AttachmentView> for AttachmentDto {
    fn from(v: &AttachmentView) -> Self {
        let a = &v.attachment;
        Self {
            id: a.id.as_uuid(),
            ticket: a.ticket_id.as_uuid(),
            message: a.message_id.map(|m| m.as_uuid()),
            filename: a.filename.as_str().to_owned(),
            filesize: a.file.size,
            content_type: a.content_type.clone(),
            uploaded_by: UserDto::from(v.uploader.as_ref()),
            uploaded_at: a.uploaded_at,
            file_url: format!(
                "/api/v1/tickets/{}/attachments/{}/download/?token={}",
                a.ticket_id, a.id, v.download_token
            ),
        }
    }
}

/// A message on a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageDto {
    /// The message's id.
    pub id: Uuid,
    /// Its ticket.
    pub ticket: Uuid,
    /// The author.
    pub user: UserDto,
    /// The text.
    pub message: String,
    /// Written by staff.
    pub is_staff_message: bool,
    /// A staff-only internal note.
    pub internal: bool,
    /// When.
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Files attached to this message.
    pub attachments: Vec<AttachmentDto>,
}

impl From<&MessageView> for MessageDto {
    fn from(v: &MessageView) -> Self {
        let m = &v.message;
        Self {
            id: m.id.as_uuid(),
            ticket: m.ticket_id.as_uuid(),
            user: UserDto::from(v.author.as_ref()),
            message: m.body.as_str().to_owned(),
            is_staff_message: m.is_staff_message,
            internal: m.internal,
            created_at: m.created_at,
            attachments: v.attachments.iter().map(AttachmentDto::from).collect(),
        }
    }
}

/// A field an activity entry changed.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum ChangedFieldDto {
    /// The status (`status_changed`, `resolved`, `reopened`, `closed`): values are statuses.
    Status,
    /// The priority: values are priorities.
    Priority,
    /// The assignee: values are user ids (`null`: nobody).
    AssignedTo,
    /// The ticket was opened for this user (`created` by staff): `to` is the requester.
    Requester,
}

/// A value before or after a change: the wire value and what to show for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeValueDto {
    /// The wire value: a status or priority name, or a user id.
    pub value: String,
    /// The label of the status or priority (`In Progress`), or the user's display name.
    pub display: String,
}

/// An entry of the activity log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityDto {
    /// The entry's id.
    pub id: Uuid,
    /// Its ticket.
    pub ticket: Uuid,
    /// What happened.
    #[schema(value_type = ActionDto)]
    pub action: &'static str,
    /// Human label of the action.
    pub action_display: &'static str,
    /// Who did it (with their `display_name`).
    pub performed_by: UserDto,
    /// A sentence, e.g. `Status changed from open to in_progress`.
    pub details: String,
    /// The field the entry changed, when it changed one as values (`status`, `priority`,
    /// `assigned_to`, `requester`); `null` for the other entries (messages, files, edits,
    /// deletion) and for assignments logged before the values were kept.
    #[schema(value_type = Option<ChangedFieldDto>)]
    pub field: Option<&'static str>,
    /// The value before (`null`: none, e.g. unassigned, or no field).
    pub from: Option<ChangeValueDto>,
    /// The value after (`null`: none, e.g. unassigned, or no field).
    pub to: Option<ChangeValueDto>,
    /// When.
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
}

impl From<&ActivityView> for ActivityDto {
    fn from(v: &ActivityView) -> Self {
        let e = &v.entry;
        let user = |id: Option<UserId>| {
            id.map(|id| ChangeValueDto {
                value: id.to_string(),
                display: v
                    .named(id)
                    .map_or_else(|| id.to_string(), User::display_name),
            })
        };
        let (from, to) = match e.change {
            None => (None, None),
            Some(ActivityChange::Status { from, to }) => (
                Some(ChangeValueDto::of(from.as_str(), from.display())),
                Some(ChangeValueDto::of(to.as_str(), to.display())),
            ),
            Some(ActivityChange::Priority { from, to }) => (
                Some(ChangeValueDto::of(from.as_str(), from.display())),
                Some(ChangeValueDto::of(to.as_str(), to.display())),
            ),
            Some(ActivityChange::Assignee { from, to }) => (user(from), user(to)),
            Some(ActivityChange::Requester { requester }) => (None, user(Some(requester))),
        };
        Self {
            id: e.id.as_uuid(),
            ticket: e.ticket_id.as_uuid(),
            action: e.action.as_str(),
            action_display: e.action.display(),
            performed_by: UserDto::from(v.performer.as_ref()),
            details: e.details.clone(),
            field: e.change.as_ref().map(ActivityChange::field),
            from,
            to,
            created_at: e.created_at,
        }
    }
}

impl ChangeValueDto {
    fn of(value: &str, display: &str) -> Self {
        Self {
            value: value.to_owned(),
            display: display.to_owned(),
        }
    }
}

/// A ticket with its thread, files and log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketDetailDto {
    /// The ticket fields.
    #[serde(flatten)]
    pub ticket: TicketDto,
    /// The latest 50 messages, oldest first.
    pub messages: Vec<MessageDto>,
    /// Whether earlier messages exist (then see `messages_next`).
    pub messages_more: bool,
    /// The URL of the earlier messages, newest first (`GET`, paged; null when none).
    pub messages_next: Option<String>,
    /// The latest 50 attachments of the ticket, oldest first.
    pub attachments: Vec<AttachmentDto>,
    /// Whether earlier attachments exist (then see `attachments_next`).
    pub attachments_more: bool,
    /// The URL of the earlier attachments, newest first (`GET`, paged; null when none).
    pub attachments_next: Option<String>,
    /// The latest 50 entries of the activity log, newest first.
    pub activities: Vec<ActivityDto>,
    /// Whether earlier entries exist (then see `activities_next`).
    pub activities_more: bool,
    /// The URL of the earlier entries, newest first (`GET`, paged; null when none).
    pub activities_next: Option<String>,
    /// What the caller may do to the ticket now (the domain's `policy::allowed`): the web UI
    /// shows only these controls, and the server refuses the rest.
    pub allowed: AllowedDto,
}

/// What the caller may do to a ticket now, answered by the same rule that refuses changes
/// (`ticketing_domain::policy::may`), so a control shown is a change that will be accepted
/// (unless the ticket changes in between).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllowedDto {
    /// Edit the topic or the description.
    pub edit: bool,
    /// Post a public message.
    pub reply: bool,
    /// Post an internal note (staff only).
    pub internal_note: bool,
    /// The statuses the caller may move the ticket to, in lifecycle order (never the current).
    #[schema(value_type = Vec<StatusDto>)]
    pub transitions: Vec<&'static str>,
    /// Change the priority.
    pub set_priority: bool,
    /// Assign or unassign.
    pub assign: bool,
    /// Delete the ticket.
    pub delete: bool,
    /// Upload attachments.
    pub attach: bool,
}

impl From<&ticketing_domain::policy::Allowed> for AllowedDto {
    fn from(a: &ticketing_domain::policy::Allowed) -> Self {
        Self {
            edit: a.edit,
            reply: a.reply,
            internal_note: a.internal_note,
            transitions: a.transitions.iter().map(|s| s.as_str()).collect(),
            set_priority: a.set_priority,
            assign: a.assign,
            delete: a.delete,
            attach: a.attach,
        }
    }
}

impl From<&TicketDetail> for TicketDetailDto {
    fn from(d: &TicketDetail) -> Self {
        let id = d.card.ticket.id;
        let next = |list: &str, cursor: &Option<String>| {
            cursor
                .as_deref()
                .map(|c| earlier_url(&format!("/api/v1/tickets/{id}/{list}/"), c))
        };
        Self {
            ticket: TicketDto::from(&d.card),
            messages: d.messages.iter().map(MessageDto::from).collect(),
            messages_more: d.earlier.messages.is_some(),
            messages_next: next("messages", &d.earlier.messages),
            attachments: d.attachments.iter().map(AttachmentDto::from).collect(),
            attachments_more: d.earlier.attachments.is_some(),
            attachments_next: next("attachments", &d.earlier.attachments),
            activities: d.activities.iter().map(ActivityDto::from).collect(),
            activities_more: d.earlier.activities.is_some(),
            activities_next: next("activities", &d.earlier.activities),
            allowed: AllowedDto::from(&d.allowed),
        }
    }
}

/// A signed-in session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthDto {
    /// The user (with `must_change_password`: then send them to change it first).
    pub user: AccountDto,
    /// The access token (JWT, `Authorization: Bearer`).
    pub access: String,
}

/// A fresh access token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessDto {
    /// The access token (JWT).
    pub access: String,
}

/// The answer to a password change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PasswordChangedDto {
    /// A sentence.
    pub detail: String,
    /// A fresh access token (older ones stopped working).
    pub access: String,
}

/// Health.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthDto {
    /// `ok` or `unavailable`.
    pub status: &'static str,
}
