//! Users, their roles, and the acting user of a request.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::ids::UserId;
use crate::text::{Email, PersonName, Username};

/// What a user may do. Customers register themselves; agents and admins are staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Creates tickets and sees only their own.
    Customer,
    /// Staff: works every ticket.
    Agent,
    /// Staff with user management.
    Admin,
}

impl Role {
    /// Every role, in order.
    pub const ALL: [Role; 3] = [Role::Customer, Role::Agent, Role::Admin];

    /// Agents and admins are staff.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Agent | Role::Admin)
    }

    /// The wire name (`customer`, `agent`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown enum value was given; the message lists the accepted ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of {expected}")]
pub struct UnknownVariant {
    /// The accepted values, comma-separated.
    pub expected: &'static str,
}

impl FromStr for Role {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(Role::Customer),
            "agent" => Ok(Role::Agent),
            "admin" => Ok(Role::Admin),
            _ => Err(UnknownVariant {
                expected: "customer, agent, admin",
            }),
        }
    }
}

/// A user account (without its password hash, which only the credential port handles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The account's id.
    pub id: UserId,
    /// Unique case-insensitively.
    pub username: Username,
    /// Unique case-insensitively.
    pub email: Email,
    /// May be empty.
    pub first_name: PersonName,
    /// May be empty.
    pub last_name: PersonName,
    /// What the user may do.
    pub role: Role,
    /// Deactivated users cannot log in and their tokens stop working.
    pub is_active: bool,
    /// Bumped whenever earlier access tokens must stop working (password change, deactivation).
    pub token_epoch: i64,
    /// When the account was created.
    pub date_joined: DateTime<Utc>,
    /// The last successful login.
    pub last_login: Option<DateTime<Utc>>,
}

impl User {
    /// The acting identity of this user.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            role: self.role,
        }
    }
}

/// Who performs an action: enough for every permission decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Actor {
    /// The acting user.
    pub id: UserId,
    /// Their role at the time of the request.
    pub role: Role,
}

impl Actor {
    /// Agents and admins are staff.
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }
}

#[cfg(test)]
mod tests;
