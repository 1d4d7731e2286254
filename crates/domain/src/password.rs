//! Passwords: a redacted wrapper for what users type, and the policy a new password must meet.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use crate::text::{Email, Username};

/// About 20,000 passwords seen most often in breaches (the list Django ships, compiled by Royce
/// Williams; BSD-3-Clause, see `data/LICENSE-django.txt`), one per line, lower case.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .collect()
});

/// How many passwords the built-in common-password list holds.
pub fn common_password_count() -> usize {
    COMMON.len()
}

/// A password as typed. Its `Debug` never shows the secret, and it is deliberately not
/// serializable (not even with the `serde` feature).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The longest password accepted anywhere, in bytes, to bound hashing work.
    pub const MAX_BYTES: usize = 1024;

    /// Wraps what a user typed (for login, the old password, ...). No policy is checked here.
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The secret itself; keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// One rule of the password policy that a new password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum PasswordProblem {
    /// Fewer than 8 characters.
    TooShort,
    /// More than [`Password::MAX_BYTES`] bytes.
    TooLong,
    /// Only digits (of any script).
    EntirelyNumeric,
    /// On the list of common passwords.
    TooCommon,
    /// The username, the email address or its local part, case-insensitively, possibly followed
    /// by digits and punctuation.
    TooSimilarToAccount,
}

impl fmt::Display for PasswordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooShort => "must be at least 8 characters",
            Self::TooLong => "must be at most 1024 bytes",
            Self::EntirelyNumeric => "must not be entirely numeric",
            Self::TooCommon => "is too common",
            Self::TooSimilarToAccount => "is too similar to the username or email",
        })
    }
}

/// A new password was refused; every broken rule is listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[error("password refused: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct PasswordError(pub Vec<PasswordProblem>);

/// A password that meets the policy: at least 8 characters, at most [`Password::MAX_BYTES`] bytes,
/// not entirely numeric, not a common password (case-insensitively), and not the username, the
/// email address or its local part (case-insensitively, even followed by digits or punctuation).
///
/// ```
/// use ticketing_domain::{Email, NewPassword, Password, PasswordProblem, Username};
/// let user = Username::parse("alice").unwrap();
/// let email = Email::parse("alice@example.com").unwrap();
/// assert!(NewPassword::parse(Password::new("correct horse battery"), &user, &email).is_ok());
/// let err = NewPassword::parse(Password::new("password"), &user, &email).unwrap_err();
/// assert_eq!(err.0, vec![PasswordProblem::TooCommon]);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(Password);

impl NewPassword {
    /// Checks `password` against the policy for the account `username` / `email`.
    pub fn parse(
        password: Password,
        username: &Username,
        email: &Email,
    ) -> Result<Self, PasswordError> {
        let raw = password.expose();
        let mut problems = Vec::new();
        if raw.chars().count() < 8 {
            problems.push(PasswordProblem::TooShort);
        }
        if raw.len() > Password::MAX_BYTES {
            problems.push(PasswordProblem::TooLong);
        }
        if !raw.is_empty() && raw.chars().all(char::is_numeric) {
            problems.push(PasswordProblem::EntirelyNumeric);
        }
        let lower = raw.to_lowercase();
        if COMMON.contains(lower.as_str()) {
            problems.push(PasswordProblem::TooCommon);
        }
        // The username, the whole address or its local part, alone or followed by digits and
        // punctuation ("alice", "Alice2024!", "bob99" + "123").
        let similar = [
            username.key(),
            email.key(),
            email.local_part().to_lowercase(),
        ]
        .iter()
        .any(|attr| {
            !attr.is_empty()
                && lower.strip_prefix(attr.as_str()).is_some_and(|rest| {
                    rest.chars()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
                })
        });
        if similar {
            problems.push(PasswordProblem::TooSimilarToAccount);
        }
        if problems.is_empty() {
            Ok(Self(password))
        } else {
            Err(PasswordError(problems))
        }
    }

    /// The password, for hashing.
    pub fn password(&self) -> &Password {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests;
