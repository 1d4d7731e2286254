//! Users, their roles, and the acting user of a request.

use chrono::{DateTime, Utc};

use crate::ids::UserId;
use crate::text::{Email, PersonName, Username, ValueError, ValueProblem};
use crate::variant::enum_text;

/// What a user may do. Customers register themselves; agents and admins are staff.
///
/// ```
/// use ticketing_domain::Role;
/// assert_eq!(" Admin ".parse::<Role>(), Ok(Role::Admin));
/// assert_eq!(Role::Agent.display(), "Agent");
/// assert!(Role::Agent.is_staff());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
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

    /// The human label (`Customer`, `Agent`, `Admin`).
    pub fn display(self) -> &'static str {
        match self {
            Role::Customer => "Customer",
            Role::Agent => "Agent",
            Role::Admin => "Admin",
        }
    }
}

enum_text!(Role, expected = "customer, agent, admin");

/// A user account (without its password hash, which only the credential port handles).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
    /// The password was set by an admin as a temporary one: until the user sets their own, they
    /// may only read their profile, change the password and sign out.
    #[cfg_attr(feature = "serde", serde(default))]
    pub must_change_password: bool,
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

    /// The name to show for this user: first and last name, or the username when both are
    /// empty.
    ///
    /// ```
    /// # use ticketing_domain::chrono::{TimeZone, Utc};
    /// # use ticketing_domain::*;
    /// # let mut user = User {
    /// #     id: UserId::from_uuid(uuid::Uuid::from_u128(1)),
    /// #     username: Username::parse("arivera").unwrap(),
    /// #     email: Email::parse("alex@example.com").unwrap(),
    /// #     first_name: PersonName::parse("Alex").unwrap(),
    /// #     last_name: PersonName::parse("Rivera").unwrap(),
    /// #     role: Role::Agent,
    /// #     is_active: true,
    /// #     must_change_password: false,
    /// #     token_epoch: 0,
    /// #     date_joined: Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
    /// #     last_login: None,
    /// # };
    /// assert_eq!(user.display_name(), "Alex Rivera");
    /// user.last_name = PersonName::parse("").unwrap();
    /// assert_eq!(user.display_name(), "Alex");
    /// user.first_name = PersonName::parse("").unwrap();
    /// assert_eq!(user.display_name(), "arivera");
    /// ```
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.first_name.as_str(), self.last_name.as_str());
        let full = full.trim();
        if full.is_empty() {
            self.username.as_str().to_owned()
        } else {
            full.to_owned()
        }
    }

    /// What a user search looks in ([`crate::listing::user_search_key`] of the names, the
    /// username and the email).
    pub fn search_key(&self) -> String {
        crate::listing::user_search_key(
            self.first_name.as_str(),
            self.last_name.as_str(),
            self.username.as_str(),
            self.email.as_str(),
        )
    }
}

/// Who performs an action: enough for every permission decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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

/// Who a ticket is (to be) assigned to: what the assignment rules and the activity log need of a
/// user, and nothing more.
///
/// ```
/// use ticketing_domain::{Assignee, Role, UserId, Username};
/// let bob = Assignee {
///     id: UserId::from_uuid(ticketing_domain::uuid::Uuid::from_u128(7)),
///     username: Username::parse("bob").unwrap(),
///     role: Role::Agent,
///     active: true,
/// };
/// assert_eq!(bob.username.as_str(), "bob");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Assignee {
    /// The user's id.
    pub id: UserId,
    /// Their username, for the activity log ("Ticket assigned to bob").
    pub username: Username,
    /// Only staff can be assigned.
    pub role: Role,
    /// Deactivated accounts cannot be assigned.
    pub active: bool,
}

impl From<&User> for Assignee {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            role: user.role,
            active: user.is_active,
        }
    }
}

#[cfg(test)]
mod tests;

/// The rules for a username chosen now (registration, an operator's create, a rename), on top
/// of [`Username::parse`], which stays lenient so that stored accounts keep working:
/// - no `@`: a username must never read as an email address, or a login name could match one
///   user's username and another user's email (a user could take over another's login name by
///   setting their email to it);
/// - look-alikes are compared by [`Username::skeleton`] (the store keeps it unique).
///
/// ```
/// use ticketing_domain::Username;
/// assert!(Username::parse_new("agent1").is_ok());
/// assert!(Username::parse_new("vic2@corp.example").is_err());
/// // Stored accounts with an `@` still parse (and can log in and be renamed).
/// assert!(Username::parse("vic2@corp.example").is_ok());
/// // Cyrillic `а` looks like Latin `a`: both names have one skeleton.
/// let latin = Username::parse_new("agent1").unwrap();
/// let cyrillic = Username::parse_new("\u{0430}gent1").unwrap();
/// assert_ne!(latin.key(), cyrillic.key());
/// assert_eq!(latin.skeleton(), cyrillic.skeleton());
/// ```
impl Username {
    /// Parses a username being chosen now: [`Username::parse`] plus [`Username::check_new`].
    pub fn parse_new(raw: &str) -> Result<Self, ValueError> {
        let name = Self::parse(raw)?;
        name.check_new()?;
        Ok(name)
    }

    /// Whether this (already parsed) username may be chosen now: no `@`.
    pub fn check_new(&self) -> Result<(), ValueError> {
        if self.as_str().contains('@') {
            return Err(ValueError::new(ValueProblem::InvalidCharacters(
                "must not contain @ (a username must not look like an email address)",
            ))
            .in_field("username"));
        }
        Ok(())
    }

    /// The confusable skeleton of the case-insensitive key (Unicode TS #39): two usernames with
    /// one skeleton look alike (`agent1` and `аgent1` with a Cyrillic `а`, `paypal` and
    /// `paypa1`), and only one of them may exist.
    pub fn skeleton(&self) -> String {
        let skeleton: String = unicode_security::skeleton(&self.key()).collect();
        skeleton.to_lowercase()
    }
}
