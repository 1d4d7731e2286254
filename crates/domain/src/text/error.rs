//! [`ValueError`]: why a text value was refused, and for which field.

use std::fmt;

/// What is wrong with a text value. The `Display` text is meant for end users ("must not be
/// blank") and does not name the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum ValueProblem {
    /// Empty or only whitespace.
    #[error("must not be blank")]
    Blank,
    /// Shorter than the minimum, in characters.
    #[error("must be at least {min} characters")]
    TooShort {
        /// The minimum length.
        min: usize,
    },
    /// Longer than the maximum, in characters.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The maximum length.
        max: usize,
    },
    /// Holds a control character (such as NUL) that the field does not allow.
    #[error("must not contain control characters")]
    ControlCharacter,
    /// Holds a character outside the allowed set.
    #[error("{0}")]
    InvalidCharacters(&'static str),
    /// Not in the expected shape.
    #[error("{0}")]
    InvalidFormat(&'static str),
}

/// Why a text value was refused: the problem, and the field it was parsed for when the parser
/// knows it (`Topic::parse` knows it parses a `topic`; `PersonName::parse` does not know whether
/// it is a first or a last name).
///
/// `Display` names the field when it is known ("topic must not be blank"); [`ValueError::problem`]
/// is the message without it, for forms that show it next to the field.
///
/// ```
/// use ticketing_domain::{Topic, ValueProblem};
/// let err = Topic::parse("   ").unwrap_err();
/// assert_eq!(err.field(), Some("topic"));
/// assert_eq!(err.problem(), ValueProblem::Blank);
/// assert_eq!(err.to_string(), "topic must not be blank");
/// assert_eq!(err.problem().to_string(), "must not be blank");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ValueError {
    field: Option<&'static str>,
    problem: ValueProblem,
}

impl ValueError {
    /// A problem with no field named.
    pub const fn new(problem: ValueProblem) -> Self {
        Self {
            field: None,
            problem,
        }
    }

    /// The same problem, naming `field`.
    pub const fn in_field(self, field: &'static str) -> Self {
        Self {
            field: Some(field),
            problem: self.problem,
        }
    }

    /// The field the value was parsed for, when the parser knows it.
    pub const fn field(&self) -> Option<&'static str> {
        self.field
    }

    /// What is wrong, without the field.
    pub const fn problem(&self) -> ValueProblem {
        self.problem
    }
}

impl From<ValueProblem> for ValueError {
    fn from(problem: ValueProblem) -> Self {
        Self::new(problem)
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{field} {}", self.problem),
            None => fmt::Display::fmt(&self.problem, f),
        }
    }
}

impl std::error::Error for ValueError {}

/// The error of `problem`, naming `field` when there is one.
pub(super) fn named(problem: ValueProblem, field: Option<&'static str>) -> ValueError {
    let e = ValueError::new(problem);
    match field {
        Some(f) => e.in_field(f),
        None => e,
    }
}

#[cfg(test)]
mod tests;
