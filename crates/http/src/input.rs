//! Request bodies and their parsing into domain types ("parse, don't validate"): every field
//! error is collected, so one answer lists them all.
//!
//! Enum fields are parsed with `from_wire`, the exact wire names the OpenAPI document lists; the
//! domain's lenient `FromStr` (any case, labels like "In Progress") is for people, not for the
//! API contract.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use ticketing_app::{
    CreateUserInput, LoginInput, NewApiToken, NewTicketInput, PatchInput, ProfileUpdate,
    RegisterInput, UserUpdate,
};
use ticketing_domain::listing::CursorError;
use ticketing_domain::{
    Description, Email, ExpiryDays, LoginName, MessageBody, Password, PersonName, Priority, Role,
    Status, TicketId, TokenName, TokenScope, Topic, UnknownVariant, UserId, Username, ValueError,
};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::problem::ApiError;

/// What a field error says: what is wrong, without the field's name (the field is the key of the
/// `errors` map already).
pub(crate) trait FieldMessage {
    fn message(&self) -> String;
}

impl FieldMessage for ValueError {
    fn message(&self) -> String {
        self.problem().to_string()
    }
}

impl FieldMessage for UnknownVariant {
    fn message(&self) -> String {
        self.to_string()
    }
}

impl FieldMessage for CursorError {
    fn message(&self) -> String {
        self.to_string()
    }
}

impl FieldMessage for &str {
    fn message(&self) -> String {
        (*self).to_owned()
    }
}

/// Collects field errors while parsing.
#[derive(Default)]
pub(crate) struct Fields(BTreeMap<String, Vec<String>>);

impl Fields {
    pub(crate) fn add(&mut self, field: &str, message: impl ToString) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.to_string());
    }

    pub(crate) fn take<T, E: FieldMessage>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.message());
                None
            }
        }
    }

    pub(crate) fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

/// An optional field that, when present, must not be `null` (`null` is a 400, not "unchanged").
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Email address (unique, case-insensitively).
    pub email: String,
    /// At least 8 characters, not entirely numeric, not common, not like the username/email.
    pub password: String,
    /// Must equal `password` when given.
    #[serde(default)]
    pub password_confirmation: Option<String>,
    /// 3..150 letters, digits and `.+-_` (no `@`: a username never looks like an email), not a
    /// look-alike of an existing username; derived from the email when absent.
    #[serde(default)]
    pub username: Option<String>,
    /// Up to 150 characters.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Up to 150 characters.
    #[serde(default)]
    pub last_name: Option<String>,
}

fn person_name(f: &mut Fields, field: &str, v: Option<&str>) -> Option<PersonName> {
    match v {
        None => Some(PersonName::empty()),
        Some(s) => f.take(field, PersonName::parse(s)),
    }
}

impl RegisterRequest {
    /// Parses into the use-case input.
    pub fn try_into_domain(self) -> Result<RegisterInput, ApiError> {
        let mut f = Fields::default();
        let email = f.take("email", Email::parse(&self.email));
        let username = match self.username.as_deref() {
            None | Some("") => Some(None),
            Some(u) => f.take("username", Username::parse_new(u)).map(Some),
        };
        if let Some(c) = &self.password_confirmation {
            if *c != self.password {
                f.add("password_confirmation", "does not match the password");
            }
        }
        if self.password.len() > Password::MAX_BYTES {
            f.add("password", "must be at most 1024 bytes");
        }
        let first_name = person_name(&mut f, "first_name", self.first_name.as_deref());
        let last_name = person_name(&mut f, "last_name", self.last_name.as_deref());
        f.finish()?;
        match (email, username, first_name, last_name) {
            (Some(email), Some(username), Some(first_name), Some(last_name)) => Ok(RegisterInput {
                email,
                username,
                password: Password::new(self.password),
                first_name,
                last_name,
            }),
            _ => Err(ApiError::bad_request("invalid registration")),
        }
    }
}

/// Login with an email or a username.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address (or give `username`).
    #[serde(default)]
    pub email: Option<String>,
    /// Username (or give `email`).
    #[serde(default)]
    pub username: Option<String>,
    /// The password.
    pub password: String,
}

impl LoginRequest {
    /// Parses into the use-case input.
    pub fn try_into_domain(self) -> Result<LoginInput, ApiError> {
        let mut f = Fields::default();
        let login = match (self.email.as_deref(), self.username.as_deref()) {
            (Some(e), _) if !e.trim().is_empty() => f.take("email", LoginName::parse(e)),
            (_, Some(u)) if !u.trim().is_empty() => f.take("username", LoginName::parse(u)),
            _ => {
                f.add("email", "give an email or a username");
                None
            }
        };
        if self.password.is_empty() {
            f.add("password", "this field is required");
        }
        f.finish()?;
        let login = login.ok_or_else(|| ApiError::bad_request("invalid login"))?;
        Ok(LoginInput {
            login,
            password: Password::new(self.password),
        })
    }
}

/// Profile changes; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRequest {
    /// New email (unique).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    /// New first name.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub first_name: Option<String>,
    /// New last name.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub last_name: Option<String>,
}

impl ProfileRequest {
    /// Parses into the use-case input.
    pub fn try_into_domain(self) -> Result<ProfileUpdate, ApiError> {
        let mut f = Fields::default();
        let email = self
            .email
            .as_deref()
            .and_then(|e| f.take("email", Email::parse(e)));
        let first_name = self
            .first_name
            .as_deref()
            .and_then(|n| f.take("first_name", PersonName::parse(n)));
        let last_name = self
            .last_name
            .as_deref()
            .and_then(|n| f.take("last_name", PersonName::parse(n)));
        f.finish()?;
        Ok(ProfileUpdate {
            email,
            first_name,
            last_name,
        })
    }
}

/// A new API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenRequest {
    /// Its name, unique among your tokens: 1..=100 characters, no control characters.
    pub name: String,
    /// `read` (GET and HEAD only) or `write` (everything your role allows).
    #[schema(value_type = crate::dto::TokenScopeDto)]
    pub scope: String,
    /// Days until it expires, 1..=3650; absent or `null`: it never expires.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
}

impl ApiTokenRequest {
    /// Parses into the use-case input.
    pub fn try_into_domain(self) -> Result<NewApiToken, ApiError> {
        let mut f = Fields::default();
        let name = f.take("name", TokenName::parse(&self.name));
        let scope = f.take("scope", TokenScope::from_wire(&self.scope));
        let expires_in = match self.expires_in_days {
            None => Some(None),
            Some(days) => f.take("expires_in_days", ExpiryDays::parse(days)).map(Some),
        };
        f.finish()?;
        match (name, scope, expires_in) {
            (Some(name), Some(scope), Some(expires_in)) => Ok(NewApiToken {
                name,
                scope,
                expires_in,
            }),
            _ => Err(ApiError::bad_request("invalid API token")),
        }
    }
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password.
    pub old_password: String,
    /// The new password (same policy as at registration).
    pub new_password: String,
    /// Must equal `new_password` when given.
    #[serde(default)]
    pub new_password_confirmation: Option<String>,
}

impl ChangePasswordRequest {
    /// Checks the confirmation and returns (old, new).
    pub fn try_into_domain(self) -> Result<(Password, Password), ApiError> {
        let mut f = Fields::default();
        if let Some(c) = &self.new_password_confirmation {
            if *c != self.new_password {
                f.add(
                    "new_password_confirmation",
                    "does not match the new password",
                );
            }
        }
        if self.new_password.len() > Password::MAX_BYTES {
            f.add("new_password", "must be at most 1024 bytes");
        }
        if self.old_password.is_empty() {
            f.add("old_password", "this field is required");
        }
        f.finish()?;
        Ok((
            Password::new(self.old_password),
            Password::new(self.new_password),
        ))
    }
}

/// An admin's change to a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchRequest {
    /// New role.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, value_type = Option<crate::dto::RoleDto>)]
    pub role: Option<String>,
    /// Activate (`true`) or deactivate (`false`).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub is_active: Option<bool>,
}

impl UserPatchRequest {
    /// Parses into the use-case input.
    pub fn try_into_domain(self) -> Result<UserUpdate, ApiError> {
        let mut f = Fields::default();
        let role = self
            .role
            .as_deref()
            .and_then(|r| f.take("role", Role::from_wire(r)));
        f.finish()?;
        Ok(UserUpdate {
            role,
            is_active: self.is_active,
        })
    }
}

/// An account an admin creates.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreateRequest {
    /// 3..150 letters, digits and `.+-_` (no `@`), not taken, not a look-alike of an existing
    /// username.
    pub username: String,
    /// Email address (unique, case-insensitively).
    pub email: String,
    /// `customer`, `agent` or `admin`.
    #[schema(value_type = crate::dto::RoleDto)]
    pub role: String,
    /// The password (same policy as at registration): the admin hands it to the user.
    pub password: String,
    /// A temporary password, to be changed at the first sign-in (default `true`): until then the
    /// user may only read their profile, change the password and sign out.
    #[serde(default = "yes")]
    pub temporary: bool,
    /// Up to 150 characters.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Up to 150 characters.
    #[serde(default)]
    pub last_name: Option<String>,
}

fn yes() -> bool {
    true
}

impl UserCreateRequest {
    /// Parses into the use-case input and the `temporary` flag.
    pub fn try_into_domain(self) -> Result<(CreateUserInput, bool), ApiError> {
        let mut f = Fields::default();
        let username = f.take("username", Username::parse_new(&self.username));
        let email = f.take("email", Email::parse(&self.email));
        let role = f.take("role", Role::from_wire(&self.role));
        if self.password.is_empty() {
            f.add("password", "this field is required");
        }
        if self.password.len() > Password::MAX_BYTES {
            f.add("password", "must be at most 1024 bytes");
        }
        let first_name = person_name(&mut f, "first_name", self.first_name.as_deref());
        let last_name = person_name(&mut f, "last_name", self.last_name.as_deref());
        f.finish()?;
        match (username, email, role, first_name, last_name) {
            (Some(username), Some(email), Some(role), Some(first_name), Some(last_name)) => Ok((
                CreateUserInput {
                    username,
                    email,
                    password: Password::new(self.password),
                    role,
                    first_name,
                    last_name,
                },
                self.temporary,
            )),
            _ => Err(ApiError::bad_request("invalid user")),
        }
    }
}

/// A new ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketCreateRequest {
    /// 1..255 characters.
    pub topic: String,
    /// 1..10000 characters.
    pub description: String,
    /// Defaults to `medium`.
    #[serde(default)]
    #[schema(value_type = Option<crate::dto::PriorityDto>)]
    pub priority: Option<String>,
    /// Staff only: the user id of the person the ticket is for (an active account), who then
    /// owns it; the activity log says who opened it for whom. Defaults to the caller.
    #[serde(default)]
    pub requester: Option<Uuid>,
}

impl TicketCreateRequest {
    /// Parses into the use-case input.
    pub fn try_into_domain(self) -> Result<NewTicketInput, ApiError> {
        let mut f = Fields::default();
        let topic = f.take("topic", Topic::parse(&self.topic));
        let description = f.take("description", Description::parse(&self.description));
        let priority = match self.priority.as_deref() {
            None => Some(None),
            Some(p) => f.take("priority", Priority::from_wire(p)).map(Some),
        };
        f.finish()?;
        match (topic, description, priority) {
            (Some(topic), Some(description), Some(priority)) => Ok(NewTicketInput {
                topic,
                description,
                priority,
                requester: self.requester.map(UserId::from_uuid),
            }),
            _ => Err(ApiError::bad_request("invalid ticket")),
        }
    }
}

/// A partial ticket update; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatchRequest {
    /// New subject.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub topic: Option<String>,
    /// New description.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub description: Option<String>,
    /// New status (an allowed move; customers may only close or reopen).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, value_type = Option<crate::dto::StatusDto>)]
    pub status: Option<String>,
    /// New priority (staff).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, value_type = Option<crate::dto::PriorityDto>)]
    pub priority: Option<String>,
    /// The assignee's user id (staff: agents and admins only), or `null` to unassign.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>, nullable = true)]
    pub assigned_to: Option<Option<Uuid>>,
}

impl TicketPatchRequest {
    /// Parses into the use-case input.
    pub fn try_into_domain(self) -> Result<PatchInput, ApiError> {
        let mut f = Fields::default();
        let topic = self
            .topic
            .as_deref()
            .and_then(|t| f.take("topic", Topic::parse(t)));
        let description = self
            .description
            .as_deref()
            .and_then(|d| f.take("description", Description::parse(d)));
        let changes = ticket_changes(
            &mut f,
            self.status.as_deref(),
            self.priority.as_deref(),
            self.assigned_to,
        );
        f.finish()?;
        Ok(PatchInput {
            topic,
            description,
            ..changes
        })
    }
}

/// The status, priority and assignee of a change, parsed (errors collected in `f`).
fn ticket_changes(
    f: &mut Fields,
    status: Option<&str>,
    priority: Option<&str>,
    assigned_to: Option<Option<Uuid>>,
) -> PatchInput {
    PatchInput {
        status: status.and_then(|s| f.take("status", Status::from_wire(s))),
        priority: priority.and_then(|p| f.take("priority", Priority::from_wire(p))),
        assigned_to: assigned_to.map(|a| a.map(UserId::from_uuid)),
        ..PatchInput::default()
    }
}

/// A new message, and optionally changes to its ticket that are saved with it, all or nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageCreateRequest {
    /// 1..10000 characters.
    pub message: String,
    /// A staff-only internal note (staff only; default false).
    #[serde(default)]
    pub internal: bool,
    /// Move the ticket to this status with the message, as `PATCH` would (an allowed move;
    /// customers may only close or reopen). When given and different from the current status,
    /// it replaces the reopening of a resolved ticket by its owner's reply.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, value_type = Option<crate::dto::StatusDto>)]
    pub status: Option<String>,
    /// New priority (staff).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, value_type = Option<crate::dto::PriorityDto>)]
    pub priority: Option<String>,
    /// The new assignee's user id (staff: agents and admins only), or `null` to unassign.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>, nullable = true)]
    pub assigned_to: Option<Option<Uuid>>,
}

impl MessageCreateRequest {
    /// Parses into (body, internal, the changes that come with it).
    pub fn try_into_domain(self) -> Result<(MessageBody, bool, PatchInput), ApiError> {
        let mut f = Fields::default();
        let body = f.take("message", MessageBody::parse(&self.message));
        let changes = ticket_changes(
            &mut f,
            self.status.as_deref(),
            self.priority.as_deref(),
            self.assigned_to,
        );
        f.finish()?;
        let body = body.ok_or_else(|| ApiError::bad_request("invalid message"))?;
        Ok((body, self.internal, changes))
    }
}

/// The same changes for several tickets.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketBulkRequest {
    /// The tickets to change: 1..200 ids, each at most once. The answer has one result per id,
    /// in this order.
    #[schema(min_items = 1, max_items = 200)]
    pub ids: Vec<Uuid>,
    /// What to set on each of them (at least one field).
    pub changes: TicketChangesRequest,
}

/// Status, priority and assignee to set (at least one); absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketChangesRequest {
    /// New status (an allowed move from each ticket's status).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, value_type = Option<crate::dto::StatusDto>)]
    pub status: Option<String>,
    /// New priority.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, value_type = Option<crate::dto::PriorityDto>)]
    pub priority: Option<String>,
    /// The assignee's user id (agents and admins only), or `null` to unassign.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>, nullable = true)]
    pub assigned_to: Option<Option<Uuid>>,
}

impl TicketBulkRequest {
    /// Parses into the ids and the use-case input (how many ids, and whether any change is
    /// named, is the use case's to check).
    pub fn try_into_domain(self) -> Result<(Vec<TicketId>, PatchInput), ApiError> {
        let mut f = Fields::default();
        let c = self.changes;
        let changes = ticket_changes(
            &mut f,
            c.status.as_deref(),
            c.priority.as_deref(),
            c.assigned_to,
        );
        f.finish()?;
        let ids = self.ids.into_iter().map(TicketId::from_uuid).collect();
        Ok((ids, changes))
    }
}

/// A staff member's presence on a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    /// `viewing` (the ticket is open) or `replying` (typing a reply or a note).
    #[schema(value_type = crate::dto::PresenceStateDto)]
    pub state: String,
}

impl PresenceRequest {
    /// Parses the state.
    pub fn try_into_domain(self) -> Result<ticketing_domain::PresenceState, ApiError> {
        let mut f = Fields::default();
        let state = f.take(
            "state",
            ticketing_domain::PresenceState::from_wire(&self.state),
        );
        f.finish()?;
        state.ok_or_else(|| ApiError::bad_request("invalid presence"))
    }
}
