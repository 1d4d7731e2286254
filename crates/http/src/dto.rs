//! Response bodies: the only types that derive `Serialize` and `ToSchema` for responses.

use crate::listing::earlier_url;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use ticketing_app::CreatedApiToken;
use ticketing_app::views::{
    ActivityView, AttachmentView, LastMessageView, MessageView, TicketCard, TicketDetail,
};
use ticketing_domain::{ActivityChange, ApiToken, User, UserId};
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
    /// The short number people quote (`#1042`): sequential from 1, unique in this helpdesk and
    /// never reused. Search with `q=#1042` (or `q=1042`) to find the ticket by it.
    #[schema(minimum = 1, example = 1042)]
    pub number: u64,
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
    /// Who spoke last: the ticket's last public message (internal notes never count), or null
    /// before the first one. When its author is not staff, the ticket waits on staff.
    pub last_public_message: Option<LastMessageDto>,
}

/// The last public message of a ticket: who wrote it, whether as staff, and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LastMessageDto {
    /// The author.
    pub user: UserDto,
    /// Written by staff.
    pub is_staff_message: bool,
    /// When.
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
}

impl From<&LastMessageView> for LastMessageDto {
    fn from(v: &LastMessageView) -> Self {
        Self {
            user: UserDto::from(v.author.as_ref()),
            is_staff_message: v.message.is_staff_message,
            created_at: v.message.created_at,
        }
    }
}

impl From<&TicketCard> for TicketDto {
    fn from(c: &TicketCard) -> Self {
        let t = &c.ticket;
        Self {
            id: t.id.as_uuid(),
            number: t.number,
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
            last_public_message: c.last_public_message.as_ref().map(LastMessageDto::from),
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

/// What an API token may be used for.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum TokenScopeDto {
    /// GET and HEAD requests only.
    Read,
    /// Everything the owner's role allows (but managing tokens and changing the password).
    Write,
}

/// One of the caller's API tokens (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiTokenDto {
    /// The token's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// What it may be used for.
    #[schema(value_type = TokenScopeDto)]
    pub scope: &'static str,
    /// Created at.
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// When it stops working; `null`: never.
    #[serde(serialize_with = "rfc3339_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used (to the minute); `null`: never.
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// Past `expires_at` (it no longer works; delete it to free its place and its name).
    pub expired: bool,
}

impl ApiTokenDto {
    /// The DTO of `t` as of `now`.
    pub fn of(t: &ApiToken, now: DateTime<Utc>) -> Self {
        Self {
            id: t.id.as_uuid(),
            name: t.name.as_str().to_owned(),
            scope: t.scope.as_str(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            expired: t.is_expired(now),
        }
    }
}

/// A token just created: its fields and, this once, its secret.
#[derive(Clone, Serialize, ToSchema)]
pub struct CreatedApiTokenDto {
    /// The token's fields.
    #[serde(flatten)]
    pub token_info: ApiTokenDto,
    /// The secret (`tkt_…`), for `Authorization: Bearer`. Shown this once: only a hash is
    /// stored.
    #[schema(pattern = "^tkt_[A-Za-z0-9_-]{43}$")]
    pub token: String,
}

impl std::fmt::Debug for CreatedApiTokenDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiTokenDto")
            .field("id", &self.token_info.id)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl CreatedApiTokenDto {
    /// The DTO of a token just created at `now`.
    pub fn of(created: CreatedApiToken, now: DateTime<Utc>) -> Self {
        Self {
            token_info: ApiTokenDto::of(&created.token, now),
            token: created.secret,
        }
    }
}

/// Health.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthDto {
    /// `ok` or `unavailable`.
    pub status: &'static str,
}

/// What a bulk change did to one ticket: `{"id", "ticket"}` or `{"id", "problem"}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BulkResultDto {
    /// Changed (or already as asked).
    Ticket {
        /// The ticket's id, as named in the request.
        id: Uuid,
        /// The ticket as listed, after the change.
        ticket: Box<TicketDto>,
    },
    /// Not changed.
    Problem {
        /// The ticket's id, as named in the request.
        id: Uuid,
        /// Why: the problem `PATCH /api/v1/tickets/{id}/` would have answered for this ticket
        /// (404 not visible, 409 `ticket_closed`, 409 `conflict` for a move the lifecycle does
        /// not allow, 400 for an assignee who is not active staff...).
        problem: crate::problem::Problem,
    },
}

impl BulkResultDto {
    /// The results of a bulk change, in order. The cause of the first server error is logged
    /// (the tickets after it were not tried and fail the same way: one line is enough).
    pub fn all_of(outcomes: Vec<ticketing_app::BulkOutcome>) -> Vec<Self> {
        let mut logged = false;
        outcomes
            .into_iter()
            .map(|o| {
                let id = o.id.as_uuid();
                match o.result {
                    Ok(card) => BulkResultDto::Ticket {
                        id,
                        ticket: Box::new(TicketDto::from(&card)),
                    },
                    Err(e) => {
                        let e = crate::problem::ApiError::from(e);
                        let problem = if logged {
                            e.problem()
                        } else {
                            logged = e.status().is_server_error();
                            e.logged_problem()
                        };
                        BulkResultDto::Problem { id, problem }
                    }
                }
            })
            .collect()
    }
}

/// Viewing or replying.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum PresenceStateDto {
    /// Has the ticket open.
    Viewing,
    /// Is typing a reply or a note.
    Replying,
}

/// A staff member viewing or replying to a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresenceEntryDto {
    /// Their user id.
    pub user_id: Uuid,
    /// Their display name.
    pub name: String,
    /// `viewing` or `replying`.
    #[schema(value_type = PresenceStateDto)]
    pub state: &'static str,
    /// When it ends unless refreshed.
    #[serde(serialize_with = "rfc3339")]
    pub expires_at: DateTime<Utc>,
}

/// The caller's presence on a ticket, and who else is there now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresenceDto {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its number.
    pub ticket_number: u64,
    /// `viewing` or `replying`.
    #[schema(value_type = PresenceStateDto)]
    pub state: &'static str,
    /// When the caller's presence ends unless refreshed (30 s from now).
    #[serde(serialize_with = "rfc3339")]
    pub expires_at: DateTime<Utc>,
    /// Refresh within this many seconds (15) to stay present.
    pub refresh_in_seconds: i64,
    /// The other staff viewing or replying to the ticket now.
    pub others: Vec<PresenceEntryDto>,
}

impl From<&ticketing_app::PresenceShown> for PresenceDto {
    fn from(s: &ticketing_app::PresenceShown) -> Self {
        Self {
            ticket_id: s.mine.ticket_id.as_uuid(),
            ticket_number: s.mine.ticket_number,
            state: s.mine.state.as_str(),
            expires_at: s.mine.expires_at,
            refresh_in_seconds: ticketing_domain::presence::PRESENCE_REFRESH.num_seconds(),
            others: s
                .others
                .iter()
                .map(|o| PresenceEntryDto {
                    user_id: o.presence.user_id.as_uuid(),
                    name: o.name.clone(),
                    state: o.presence.state.as_str(),
                    expires_at: o.presence.expires_at,
                })
                .collect(),
        }
    }
}
