//! The audit log of account administration: who did what to which account, when and from
//! where (API tokens created and revoked included). Append-only; never holds a secret.
//!
//! Each entry is written by the store in the same transaction as the change it records: the
//! repository methods that make an audited change take the entries to append
//! (`UserRepository::insert`, `update_access`, `set_password`, `rename`), the way ticket writes
//! take their activity entries. A future admin action does the same: it builds its entry with
//! [`App::audit_entry`] (a new [`AuditAction`] variant) and hands it to the write that makes the
//! change; an action that writes nothing else appends it alone with
//! [`AuditRepository::append`](crate::ports::AuditRepository::append).
//!
//! Every entry is an event of the outbox too ([`AuditEntry::event`], admins only): the store
//! appends it with the entry, in the same transaction.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Datelike, Utc};
use ticketing_domain::event::{AccountChange, Event, EventKind};
use ticketing_domain::listing::{Limit, Page};
use ticketing_domain::{Actor, User, UserId, policy};
use uuid::Uuid;

use crate::app::{App, not_found};
use crate::error::AppError;

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// An account was created by the operator (`ticketing user create`) or an admin
    /// (`POST /api/v1/users/`).
    UserCreated,
    /// An account's username was changed.
    UserRenamed,
    /// An account's role was changed.
    RoleChanged,
    /// An account was deactivated (its sessions ended).
    UserDeactivated,
    /// An account was reactivated.
    UserReactivated,
    /// An account's password was set by the operator (its sessions ended).
    PasswordReset,
    /// An API token was created (by its owner, or by the operator for them).
    TokenCreated,
    /// An API token was revoked by its owner.
    TokenRevoked,
    /// An admin registered a webhook endpoint.
    WebhookCreated,
    /// An admin deleted a webhook endpoint.
    WebhookDeleted,
    /// An admin rotated a webhook endpoint's signing secret.
    WebhookSecretRotated,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [AuditAction; 11] = [
        AuditAction::UserCreated,
        AuditAction::UserRenamed,
        AuditAction::RoleChanged,
        AuditAction::UserDeactivated,
        AuditAction::UserReactivated,
        AuditAction::PasswordReset,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::WebhookCreated,
        AuditAction::WebhookDeleted,
        AuditAction::WebhookSecretRotated,
    ];

    /// The wire and storage name (`user.role_changed`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::UserCreated => "user.created",
            AuditAction::UserRenamed => "user.renamed",
            AuditAction::RoleChanged => "user.role_changed",
            AuditAction::UserDeactivated => "user.deactivated",
            AuditAction::UserReactivated => "user.reactivated",
            AuditAction::PasswordReset => "user.password_reset",
            AuditAction::TokenCreated => "token.created",
            AuditAction::TokenRevoked => "token.revoked",
            AuditAction::WebhookCreated => "webhook.created",
            AuditAction::WebhookDeleted => "webhook.deleted",
            AuditAction::WebhookSecretRotated => "webhook.secret_rotated",
        }
    }

    /// The action of a wire name; `None` for anything else.
    pub fn from_wire(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name recorded as the actor of the operator's command line.
pub const CLI_ACTOR: &str = "cli";

/// Who made an audited change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditActor {
    /// A signed-in user (an admin, or a token's owner), with the username they had then.
    User {
        /// Their id.
        id: UserId,
        /// Their username at the time.
        username: String,
    },
    /// The operator, on the command line (`ticketing user …`).
    Cli,
}

impl AuditActor {
    /// The actor of `user`.
    pub fn of(user: &User) -> Self {
        AuditActor::User {
            id: user.id,
            username: user.username.as_str().to_owned(),
        }
    }

    /// The user's id; `None` for the command line.
    pub fn id(&self) -> Option<UserId> {
        match self {
            AuditActor::User { id, .. } => Some(*id),
            AuditActor::Cli => None,
        }
    }

    /// The recorded name: the username, or `cli`.
    pub fn name(&self) -> &str {
        match self {
            AuditActor::User { username, .. } => username,
            AuditActor::Cli => CLI_ACTOR,
        }
    }
}

/// Who asks for an audited change and from where (the client address of the request; none on
/// the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSource {
    /// Who.
    pub actor: AuditActor,
    /// The client address, when there is a request.
    pub address: Option<IpAddr>,
}

impl AuditSource {
    /// The operator's command line.
    pub fn cli() -> Self {
        Self {
            actor: AuditActor::Cli,
            address: None,
        }
    }
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its id.
    pub id: Uuid,
    /// When (microsecond precision).
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: AuditActor,
    /// What.
    pub action: AuditAction,
    /// The account concerned.
    pub target_id: Option<UserId>,
    /// Its username at the time.
    pub target: String,
    /// What changed, for people (`agent → admin`); never a secret.
    pub details: String,
    /// The client address of the request (none on the command line).
    pub address: Option<String>,
}

impl AuditEntry {
    /// The outbox event of this entry (`user.role_changed`, …; for admins only, never with the
    /// client address). The stores append it wherever they append the entry.
    pub fn event(&self) -> Event {
        let change = AccountChange {
            user_id: self.target_id,
            username: self.target.clone(),
            details: self.details.clone(),
        };
        let kind = match self.action {
            AuditAction::UserCreated => EventKind::UserCreated(change),
            AuditAction::UserRenamed => EventKind::UserRenamed(change),
            AuditAction::RoleChanged => EventKind::UserRoleChanged(change),
            AuditAction::UserDeactivated => EventKind::UserDeactivated(change),
            AuditAction::UserReactivated => EventKind::UserReactivated(change),
            AuditAction::PasswordReset => EventKind::UserPasswordReset(change),
            AuditAction::TokenCreated => EventKind::TokenCreated(change),
            AuditAction::TokenRevoked => EventKind::TokenRevoked(change),
            AuditAction::WebhookCreated => EventKind::WebhookCreated(change),
            AuditAction::WebhookDeleted => EventKind::WebhookDeleted(change),
            AuditAction::WebhookSecretRotated => EventKind::WebhookSecretRotated(change),
        };
        Event::about_account(kind, self.actor.id(), self.at)
    }
}

/// Only the entries of this actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorFilter {
    /// The command line.
    Cli,
    /// This user.
    User(UserId),
}

/// Where a page of the audit log starts: after the entry at `at` with id `id` (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditCursor {
    /// The time of the last entry of the previous page.
    pub at: DateTime<Utc>,
    /// Its id.
    pub id: Uuid,
}

impl AuditCursor {
    /// The opaque text form.
    pub fn encode(&self) -> String {
        format!("a1.{}.{}", self.at.timestamp_micros(), self.id.simple())
    }

    /// Parses [`AuditCursor::encode`]'s form; `None` for anything else, a time outside the
    /// years 1..=9999 included (what every store can hold). Never panics.
    pub fn decode(text: &str) -> Option<Self> {
        if text.len() > 100 {
            return None;
        }
        let mut parts = text.split('.');
        let (Some("a1"), Some(micros), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let at = DateTime::from_timestamp_micros(micros.parse::<i64>().ok()?)?;
        if !(1..=9999).contains(&at.year()) {
            return None;
        }
        let id = Uuid::try_parse(id).ok()?;
        Some(Self { at, id })
    }
}

/// A page of the audit log: newest first (by time, then id), filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this actor.
    pub actor: Option<ActorFilter>,
    /// Only entries about this account.
    pub target: Option<UserId>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Start after this entry.
    pub after: Option<AuditCursor>,
    /// Page size.
    pub limit: Limit,
}

impl AuditQuery {
    /// Whether `entry` passes the filters (not the cursor).
    pub fn selects(&self, entry: &AuditEntry) -> bool {
        let actor_ok = match self.actor {
            None => true,
            Some(ActorFilter::Cli) => entry.actor == AuditActor::Cli,
            Some(ActorFilter::User(id)) => entry.actor.id() == Some(id),
        };
        actor_ok
            && self.target.is_none_or(|t| entry.target_id == Some(t))
            && self.action.is_none_or(|a| entry.action == a)
    }
}

impl App {
    /// A new audit entry by `source` about `target`, stamped now. Hand it to the write that
    /// makes the change (the hook for every admin action).
    pub fn audit_entry(
        &self,
        source: &AuditSource,
        action: AuditAction,
        target: &User,
        details: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            id: self.ports.ids.new_id(),
            at: self.ports.clock.now(),
            actor: source.actor.clone(),
            action,
            target_id: Some(target.id),
            target: target.username.as_str().to_owned(),
            details: details.into(),
            address: source.address.map(|a| a.to_string()),
        }
    }

    /// A new audit entry by `source` about something that is not an account (a webhook
    /// endpoint), named `target`, stamped now.
    pub fn audit_entry_about(
        &self,
        source: &AuditSource,
        action: AuditAction,
        target: impl Into<String>,
        details: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            id: self.ports.ids.new_id(),
            at: self.ports.clock.now(),
            actor: source.actor.clone(),
            action,
            target_id: None,
            target: target.into(),
            details: details.into(),
            address: source.address.map(|a| a.to_string()),
        }
    }

    /// The audit source of a signed-in caller (their current username) at `address`.
    pub(crate) async fn audit_source(
        &self,
        actor: &Actor,
        address: Option<IpAddr>,
    ) -> Result<AuditSource, AppError> {
        let user = self
            .ports
            .store
            .users
            .get(actor.id)
            .await
            .map_err(|e| not_found(e, "user"))?;
        Ok(AuditSource {
            actor: AuditActor::of(&user),
            address,
        })
    }

    /// A page of the audit log (admins only).
    pub async fn audit_log(
        &self,
        actor: &Actor,
        query: AuditQuery,
    ) -> Result<Page<AuditEntry>, AppError> {
        policy::manage_users(actor)?;
        Ok(self.ports.store.audit.list(&query).await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_no_store_holds() {
        let c = AuditCursor {
            at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            id: Uuid::from_u128(42),
        };
        assert_eq!(AuditCursor::decode(&c.encode()), Some(c));
        for bad in [
            "",
            "a1",
            "a1.x.y",
            "a2.0.00000000000000000000000000000000",
            "a1.9223372036854775807.00000000000000000000000000000000",
            "a1.253402300800000000.00000000000000000000000000000000",
            "a1.0.00000000000000000000000000000000.x",
            "a1.0.\u{0}",
        ] {
            assert_eq!(AuditCursor::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn action_names_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_wire(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::from_wire("user.deleted"), None);
    }
}
