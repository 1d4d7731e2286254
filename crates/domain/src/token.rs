//! Personal access tokens ("API tokens"): what one records, the scope it grants, and when it is
//! honoured.
//!
//! A user creates a token for a script or an integration; the token then stands for the user in
//! requests, within its [`TokenScope`], and never for more than the user may do (the policy
//! decides with the owner's current role, as for a signed-in user). A token is honoured only
//! while ([`ApiToken::check`]):
//! - it has not expired;
//! - its owner is active;
//! - its owner still has the role they had when it was created (a role change either way ends
//!   it: a promotion must not widen what a script was given, a demotion must end what it had);
//! - the owner's token epoch is still the one of its creation (a password change, a
//!   deactivation or a forced sign-out moves the epoch and ends every token).
//!
//! The secret itself is no business of the domain: the application stores only its hash.
//!
//! ```
//! use ticketing_domain::chrono::{Duration, TimeZone, Utc};
//! use ticketing_domain::uuid::Uuid;
//! use ticketing_domain::*;
//!
//! let now = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
//! let owner = User {
//!     id: UserId::from_uuid(Uuid::from_u128(1)),
//!     username: Username::parse("carol").unwrap(),
//!     email: Email::parse("carol@example.com").unwrap(),
//!     first_name: PersonName::empty(),
//!     last_name: PersonName::empty(),
//!     role: Role::Agent,
//!     is_active: true,
//!     token_epoch: 3,
//!     date_joined: now,
//!     last_login: None,
//!     must_change_password: false,
//! };
//! let token = ApiToken::issue(
//!     ApiTokenId::from_uuid(Uuid::from_u128(2)),
//!     &owner,
//!     TokenName::parse("nightly export").unwrap(),
//!     TokenScope::Read,
//!     Some(ExpiryDays::parse(30).unwrap()),
//!     now,
//! );
//! assert_eq!(token.expires_at, Some(now + Duration::days(30)));
//! assert_eq!(token.check(&owner, now), Ok(()));
//! assert_eq!(token.check(&owner, now + Duration::days(30)), Err(TokenRejection::Expired));
//!
//! let promoted = User { role: Role::Admin, ..owner.clone() };
//! assert_eq!(token.check(&promoted, now), Err(TokenRejection::RoleChanged));
//!
//! // A read token may not write: a typed refusal (403).
//! let credential = token.credential();
//! assert!(credential.permits(Access::Read).is_ok());
//! assert_eq!(credential.permits(Access::Write).unwrap_err().http_status(), 403);
//! assert!(credential.may_manage_credentials().is_err());
//! assert!(Credential::Session.may_manage_credentials().is_ok());
//! ```

use chrono::{DateTime, Duration, Utc};

use crate::ids::{ApiTokenId, UserId};
use crate::policy::{Refusal, Rule};
use crate::text::{TokenName, ValueError, ValueProblem};
use crate::user::{Role, User};
use crate::variant::enum_text;

/// The most API tokens one user may hold (expired ones count until they are deleted).
pub const MAX_TOKENS_PER_USER: usize = 50;

/// `last_used_at` is kept to this precision: a token used again within it is not written again
/// (so that a busy script does not make every request a write).
pub const LAST_USED_PRECISION: Duration = Duration::seconds(60);

/// What a token may be used for.
///
/// ```
/// use ticketing_domain::TokenScope;
/// assert_eq!(TokenScope::from_wire("read"), Ok(TokenScope::Read));
/// assert!(TokenScope::from_wire("admin").is_err());
/// assert_eq!(" Write ".parse::<TokenScope>(), Ok(TokenScope::Write));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum TokenScope {
    /// Reads only: GET and HEAD requests.
    Read,
    /// Everything the owner's role allows (but managing tokens and changing the password).
    Write,
}

impl TokenScope {
    /// Every scope.
    pub const ALL: [TokenScope; 2] = [TokenScope::Read, TokenScope::Write];

    /// The wire name (`read`, `write`).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    /// The human label (`Read`, `Write`).
    pub fn display(self) -> &'static str {
        match self {
            TokenScope::Read => "Read",
            TokenScope::Write => "Write",
        }
    }
}

enum_text!(TokenScope, expected = "read, write");

/// What a request does, as far as a token's scope is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Reads only (HTTP: GET, HEAD).
    Read,
    /// May change something (every other request).
    Write,
}

/// How the caller of a request proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credential {
    /// A signed-in session (an access token obtained with the password).
    Session,
    /// An API token.
    ApiToken {
        /// The token.
        id: ApiTokenId,
        /// What it may be used for.
        scope: TokenScope,
    },
}

impl Credential {
    /// May a request of this kind be made with this credential? A `read` token may only read
    /// ([`Rule::ReadOnlyToken`], 403); what the owner may do is the policy's question.
    pub fn permits(&self, access: Access) -> Result<(), Refusal> {
        match (self, access) {
            (
                Credential::ApiToken {
                    scope: TokenScope::Read,
                    ..
                },
                Access::Write,
            ) => Err(Refusal::Forbidden(Rule::ReadOnlyToken)),
            _ => Ok(()),
        }
    }

    /// May this credential manage API tokens or change the password? Only a signed-in session
    /// ([`Rule::SignInRequired`], 403): a leaked token must not be able to mint others, outlive
    /// its revocation or lock the owner out.
    pub fn may_manage_credentials(&self) -> Result<(), Refusal> {
        match self {
            Credential::Session => Ok(()),
            Credential::ApiToken { .. } => Err(Refusal::Forbidden(Rule::SignInRequired)),
        }
    }

    /// The token, when the credential is one.
    pub fn api_token(&self) -> Option<ApiTokenId> {
        match self {
            Credential::Session => None,
            Credential::ApiToken { id, .. } => Some(*id),
        }
    }
}

/// A token's lifetime in whole days: 1 to [`ExpiryDays::MAX`].
///
/// ```
/// use ticketing_domain::ExpiryDays;
/// assert_eq!(ExpiryDays::parse(90).unwrap().get(), 90);
/// assert!(ExpiryDays::parse(0).is_err());
/// assert!(ExpiryDays::parse(3651).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExpiryDays(u16);

impl ExpiryDays {
    /// The longest lifetime: ten years.
    pub const MAX: u16 = 3650;

    /// Parses a number of days (field `expires_in_days`).
    pub fn parse(days: i64) -> Result<Self, ValueError> {
        u16::try_from(days)
            .ok()
            .filter(|d| (1..=Self::MAX).contains(d))
            .map(Self)
            .ok_or_else(|| {
                ValueError::new(ValueProblem::InvalidFormat(
                    "must be a whole number of days from 1 to 3650",
                ))
                .in_field("expires_in_days")
            })
    }

    /// The number of days.
    pub fn get(self) -> u16 {
        self.0
    }
}

/// Why a token is not honoured (each is answered 401; the reason goes to the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TokenRejection {
    /// Past its expiry.
    #[error("the API token has expired")]
    Expired,
    /// The owner is deactivated.
    #[error("the owner of the API token is deactivated")]
    OwnerInactive,
    /// The owner's role is not the one the token was created with.
    #[error("the owner's role changed since the API token was created")]
    RoleChanged,
    /// The owner's token epoch moved (password change, deactivation, forced sign-out).
    #[error("the owner's tokens were revoked since the API token was created")]
    Revoked,
    /// The user is not the token's owner (a bug or corrupt data).
    #[error("the API token belongs to another user")]
    NotTheOwner,
}

/// A personal access token as stored (without its secret, of which only a hash is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ApiToken {
    /// The token's id.
    pub id: ApiTokenId,
    /// Whose it is.
    pub user_id: UserId,
    /// What the owner called it.
    pub name: TokenName,
    /// What it may be used for.
    pub scope: TokenScope,
    /// The owner's role when it was created (it is honoured only while the role is the same).
    pub role: Role,
    /// The owner's token epoch when it was created (it is honoured only while the epoch is the
    /// same).
    pub token_epoch: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used, to [`LAST_USED_PRECISION`]; `None`: never.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// A new token of `owner`, created at `now`, expiring `expires_in` days later (never when
    /// `None`).
    pub fn issue(
        id: ApiTokenId,
        owner: &User,
        name: TokenName,
        scope: TokenScope,
        expires_in: Option<ExpiryDays>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            user_id: owner.id,
            name,
            scope,
            role: owner.role,
            token_epoch: owner.token_epoch,
            created_at: now,
            expires_at: expires_in.map(|d| now + Duration::days(i64::from(d.get()))),
            last_used_at: None,
        }
    }

    /// Whether it has expired at `now` (it is dead from its expiry on).
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| now >= e)
    }

    /// Whether the token is honoured at `now` for `owner` (the owner as stored now).
    pub fn check(&self, owner: &User, now: DateTime<Utc>) -> Result<(), TokenRejection> {
        if owner.id != self.user_id {
            return Err(TokenRejection::NotTheOwner);
        }
        if !owner.is_active {
            return Err(TokenRejection::OwnerInactive);
        }
        if owner.token_epoch != self.token_epoch {
            return Err(TokenRejection::Revoked);
        }
        if owner.role != self.role {
            return Err(TokenRejection::RoleChanged);
        }
        if self.is_expired(now) {
            return Err(TokenRejection::Expired);
        }
        Ok(())
    }

    /// Whether a use at `now` should be recorded (`last_used_at` is unset or older than
    /// [`LAST_USED_PRECISION`]).
    pub fn needs_touch(&self, now: DateTime<Utc>) -> bool {
        self.last_used_at
            .is_none_or(|at| now - at >= LAST_USED_PRECISION)
    }

    /// The credential of a request made with this token.
    pub fn credential(&self) -> Credential {
        Credential::ApiToken {
            id: self.id,
            scope: self.scope,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;
    use crate::text::{Email, PersonName, Username};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
    }

    fn owner(role: Role) -> User {
        User {
            id: UserId::from_uuid(Uuid::from_u128(1)),
            username: Username::parse("owner").unwrap(),
            email: Email::parse("owner@example.com").unwrap(),
            first_name: PersonName::empty(),
            last_name: PersonName::empty(),
            role,
            is_active: true,
            must_change_password: false,
            token_epoch: 7,
            date_joined: now(),
            last_login: None,
        }
    }

    fn token(owner: &User, expires: Option<u16>) -> ApiToken {
        ApiToken::issue(
            ApiTokenId::from_uuid(Uuid::from_u128(9)),
            owner,
            TokenName::parse("ci").unwrap(),
            TokenScope::Write,
            expires.map(|d| ExpiryDays::parse(i64::from(d)).unwrap()),
            now(),
        )
    }

    #[test]
    fn a_token_records_its_owner_at_creation() {
        let o = owner(Role::Agent);
        let t = token(&o, None);
        assert_eq!((t.user_id, t.role, t.token_epoch), (o.id, Role::Agent, 7));
        assert_eq!((t.expires_at, t.last_used_at), (None, None));
        assert!(!t.is_expired(now() + Duration::days(100_000)));
    }

    #[test]
    fn every_change_of_the_owner_ends_the_token() {
        let o = owner(Role::Agent);
        let t = token(&o, Some(1));
        assert_eq!(t.check(&o, now()), Ok(()));
        assert_eq!(t.check(&o, now() + Duration::hours(23)), Ok(()));
        assert_eq!(
            t.check(&o, now() + Duration::days(1)),
            Err(TokenRejection::Expired)
        );
        let cases = [
            (
                User {
                    is_active: false,
                    ..o.clone()
                },
                TokenRejection::OwnerInactive,
            ),
            (
                User {
                    token_epoch: 8,
                    ..o.clone()
                },
                TokenRejection::Revoked,
            ),
            (owner(Role::Admin), TokenRejection::RoleChanged),
            (owner(Role::Customer), TokenRejection::RoleChanged),
            (
                User {
                    id: UserId::from_uuid(Uuid::from_u128(2)),
                    ..o.clone()
                },
                TokenRejection::NotTheOwner,
            ),
        ];
        for (changed, why) in cases {
            assert_eq!(t.check(&changed, now()), Err(why), "{changed:?}");
        }
    }

    #[test]
    fn last_use_is_recorded_at_most_once_a_minute() {
        let mut t = token(&owner(Role::Customer), None);
        assert!(t.needs_touch(now()));
        t.last_used_at = Some(now());
        assert!(!t.needs_touch(now() + Duration::seconds(59)));
        assert!(t.needs_touch(now() + Duration::seconds(60)));
    }

    #[test]
    fn scopes_and_credentials() {
        let read = Credential::ApiToken {
            id: ApiTokenId::from_uuid(Uuid::from_u128(3)),
            scope: TokenScope::Read,
        };
        let write = Credential::ApiToken {
            id: ApiTokenId::from_uuid(Uuid::from_u128(3)),
            scope: TokenScope::Write,
        };
        assert_eq!(read.permits(Access::Read), Ok(()));
        assert_eq!(
            read.permits(Access::Write),
            Err(Refusal::Forbidden(Rule::ReadOnlyToken))
        );
        assert_eq!(write.permits(Access::Write), Ok(()));
        assert_eq!(Credential::Session.permits(Access::Write), Ok(()));
        for token in [read, write] {
            assert_eq!(
                token.may_manage_credentials(),
                Err(Refusal::Forbidden(Rule::SignInRequired))
            );
            assert!(token.api_token().is_some());
        }
        assert_eq!(Credential::Session.may_manage_credentials(), Ok(()));
        assert_eq!(Credential::Session.api_token(), None);
    }

    #[test]
    fn expiry_days_are_bounded() {
        for ok in [1, 30, 3650] {
            assert_eq!(i64::from(ExpiryDays::parse(ok).unwrap().get()), ok);
        }
        for bad in [0, -1, 3651, i64::MAX, i64::MIN] {
            let e = ExpiryDays::parse(bad).unwrap_err();
            assert_eq!(e.field(), Some("expires_in_days"), "{bad}");
        }
    }

    #[test]
    fn scope_names_round_trip() {
        for s in TokenScope::ALL {
            assert_eq!(TokenScope::from_wire(s.as_str()), Ok(s));
            assert_eq!(s.display().parse::<TokenScope>(), Ok(s));
        }
        assert!(TokenScope::from_wire("Read").is_err());
    }
}
