//! Text values parsed once at the edge: after parsing, a value is known to be valid.
//!
//! All parsers trim surrounding whitespace, count length in Unicode scalar values (not bytes) and
//! never panic, whatever the input. Every text type has `parse`, `FromStr`, `TryFrom<&str>`,
//! `AsRef<str>` and `Display`; with the `serde` feature it (de)serializes as a plain string and
//! deserializing goes through the same parser, so an invalid value cannot be deserialized.

use std::fmt;
use std::str::FromStr;

mod error;

use error::named;
pub use error::{ValueError, ValueProblem};

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Newlines and tabs are fine in long texts; every other control character is refused
/// (NUL in particular cannot be stored by PostgreSQL).
fn check_controls(s: &str, allow_newlines: bool) -> Result<(), ValueProblem> {
    let bad = s
        .chars()
        .any(|c| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t')));
    if bad {
        Err(ValueProblem::ControlCharacter)
    } else {
        Ok(())
    }
}

fn bounded_text(
    raw: &str,
    max: usize,
    allow_newlines: bool,
    allow_blank: bool,
) -> Result<String, ValueProblem> {
    let trimmed = raw.trim();
    if trimmed.is_empty() && !allow_blank {
        return Err(ValueProblem::Blank);
    }
    if char_len(trimmed) > max {
        return Err(ValueProblem::TooLong { max });
    }
    check_controls(trimmed, allow_newlines)?;
    Ok(trimmed.to_owned())
}

/// `FromStr`, `TryFrom<&str>`, `AsRef<str>` and `Display` of a text type with `parse` and
/// `as_str`.
macro_rules! str_traits {
    ($name:ident) => {
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ValueError;
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Self::parse(raw)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValueError;
            fn try_from(raw: &str) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }
    };
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, field = $field:expr, max = $max:expr, newlines = $nl:expr,
     blank = $blank:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Parses (and trims) a raw value.
            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                bounded_text(raw, $max, $nl, $blank)
                    .map(Self)
                    .map_err(|p| named(p, $field))
            }

            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The value as an owned string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        str_traits!($name);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

text_type!(
    /// A ticket's one-line subject: trimmed, 1..=255 characters, no control characters.
    ///
    /// ```
    /// use ticketing_domain::Topic;
    /// assert_eq!(Topic::parse("  Printer on fire ").unwrap().as_str(), "Printer on fire");
    /// assert!(Topic::parse("   ").is_err());
    /// ```
    Topic, field = Some("topic"), max = 255, newlines = false, blank = false
);
text_type!(
    /// A ticket's description: trimmed, 1..=10000 characters; newlines and tabs allowed.
    Description, field = Some("description"), max = 10_000, newlines = true, blank = false
);
text_type!(
    /// The body of a message or internal note: trimmed, 1..=10000 characters.
    MessageBody, field = Some("message"), max = 10_000, newlines = true, blank = false
);
text_type!(
    /// The name a user gives one of their API tokens ("CI deploy", "Backup script"): trimmed,
    /// 1..=100 characters, no control characters.
    ///
    /// ```
    /// use ticketing_domain::TokenName;
    /// assert_eq!(TokenName::parse(" CI deploy ").unwrap().as_str(), "CI deploy");
    /// assert!(TokenName::parse("").is_err());
    /// assert!(TokenName::parse(&"x".repeat(101)).is_err());
    /// ```
    TokenName, field = Some("name"), max = 100, newlines = false, blank = false
);
text_type!(
    /// A first or last name: trimmed, up to 150 characters, may be empty.
    PersonName, field = None, max = 150, newlines = false, blank = true
);

impl PersonName {
    /// The empty name.
    pub fn empty() -> Self {
        Self(String::new())
    }
}

/// A login name: 3..=150 characters of letters, digits and `@.+-_`.
///
/// Usernames are unique case-insensitively; [`Username::key`] is the form to compare and index.
///
/// ```
/// use ticketing_domain::Username;
/// let a = Username::parse("Alice_1").unwrap();
/// assert_eq!(a.key(), "alice_1");
/// assert!(Username::parse("al").is_err());
/// assert!(Username::parse("alice smith").is_err());
/// ```
#[derive(Clone, Eq)]
pub struct Username(String);

impl Username {
    /// The shortest accepted username.
    pub const MIN_CHARS: usize = 3;
    /// The longest accepted username.
    pub const MAX_CHARS: usize = 150;

    fn allowed(c: char) -> bool {
        c.is_alphanumeric() || matches!(c, '@' | '.' | '+' | '-' | '_')
    }

    /// Parses (and trims) a raw username.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Self::check(raw).map_err(|p| named(p, Some("username")))
    }

    fn check(raw: &str) -> Result<Self, ValueProblem> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValueProblem::Blank);
        }
        let len = char_len(s);
        if len < Self::MIN_CHARS {
            return Err(ValueProblem::TooShort {
                min: Self::MIN_CHARS,
            });
        }
        if len > Self::MAX_CHARS {
            return Err(ValueProblem::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if !s.chars().all(Self::allowed) {
            return Err(ValueProblem::InvalidCharacters(
                "may contain only letters, digits and @ . + - _",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// A username made from an email address's local part (used when registration gives none).
    /// Disallowed characters are dropped and short results are padded, so this never fails; the
    /// caller still has to make it unique.
    pub fn derive_from_email(email: &Email) -> Self {
        let mut s: String = email
            .local_part()
            .chars()
            .filter(|c| Self::allowed(*c))
            .collect();
        s = s.chars().take(Self::MAX_CHARS - 8).collect();
        while char_len(&s) < Self::MIN_CHARS {
            s.push('_');
        }
        Self(s)
    }

    /// This username with a numeric suffix, for making a derived username unique.
    pub fn with_suffix(&self, n: u32) -> Self {
        let base: String = self.0.chars().take(Self::MAX_CHARS - 11).collect();
        Self(format!("{base}{n}"))
    }

    /// The username as given (case preserved).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive comparison key (lower case).
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }

    /// Whether `key` can be the [`key`](Username::key) of some username: as many characters as
    /// a username lower-cased (lower-casing may turn one character into up to three), ASCII
    /// only as lower-case letters, digits and `@ . + - _`, and no whitespace or control
    /// character at all. What a list cursor holding a key is checked with.
    ///
    /// ```
    /// use ticketing_domain::Username;
    /// assert!(Username::could_be_key(&Username::parse("Ärger_1").unwrap().key()));
    /// assert!(!Username::could_be_key("Alice"));
    /// assert!(!Username::could_be_key("a\0b"));
    /// assert!(!Username::could_be_key("al"));
    /// ```
    pub fn could_be_key(key: &str) -> bool {
        let n = key.chars().count();
        (Self::MIN_CHARS..=Self::MAX_CHARS * 3).contains(&n)
            && key.chars().all(|c| {
                if c.is_ascii() {
                    c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || matches!(c, '@' | '.' | '+' | '-' | '_')
                } else {
                    !c.is_control() && !c.is_whitespace()
                }
            })
    }
}

impl PartialEq for Username {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl std::hash::Hash for Username {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

str_traits!(Username);

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({:?})", self.0)
    }
}

/// An email address: one `@`, a non-empty local part of at most 64 characters, a domain with at
/// least one dot and labels of letters, digits and hyphens; at most 254 characters in all.
///
/// Compared case-insensitively; [`Email::key`] is the form to compare and index.
///
/// ```
/// use ticketing_domain::Email;
/// let e = Email::parse(" Alice@Example.COM ").unwrap();
/// assert_eq!(e.as_str(), "Alice@Example.COM");
/// assert_eq!(e, Email::parse("alice@example.com").unwrap());
/// assert!(Email::parse("alice@localhost").is_err());
/// ```
#[derive(Clone, Eq)]
pub struct Email(String);

impl Email {
    /// The longest accepted address.
    pub const MAX_CHARS: usize = 254;

    /// Parses (and trims) a raw address.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Self::check(raw).map_err(|p| named(p, Some("email")))
    }

    fn check(raw: &str) -> Result<Self, ValueProblem> {
        const SHAPE: &str = "must be a valid email address";
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValueProblem::Blank);
        }
        if char_len(s) > Self::MAX_CHARS {
            return Err(ValueProblem::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        let (local, domain) = s
            .rsplit_once('@')
            .ok_or(ValueProblem::InvalidFormat(SHAPE))?;
        let local_ok = !local.is_empty()
            && char_len(local) <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_control() && !c.is_whitespace() && !"@\"(),:;<>[\\]".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && char_len(l) <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValueProblem::InvalidFormat(SHAPE))
        }
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(self.0.as_str(), |(l, _)| l)
    }

    /// The case-insensitive comparison key (lower case).
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl std::hash::Hash for Email {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

str_traits!(Email);

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({:?})", self.0)
    }
}

/// The Unicode bidirectional formatting characters (marks, embeddings, overrides, isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// What a user typed to log in: an email address when it contains `@` and parses as one,
/// otherwise a username.
///
/// ```
/// use ticketing_domain::{Email, LoginName, Username};
/// assert_eq!(
///     LoginName::parse(" Alice@Example.com ").unwrap(),
///     LoginName::Email(Email::parse("alice@example.com").unwrap()),
/// );
/// assert_eq!(
///     LoginName::parse("alice").unwrap(),
///     LoginName::Username(Username::parse("alice").unwrap()),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginName {
    /// Log in by email.
    Email(Email),
    /// Log in by username.
    Username(Username),
}

impl LoginName {
    /// Parses a login identifier.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        if raw.contains('@') {
            if let Ok(e) = Email::parse(raw) {
                return Ok(Self::Email(e));
            }
        }
        Username::parse(raw).map(Self::Username)
    }

    /// The name as given (trimmed).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Email(e) => e.as_str(),
            Self::Username(u) => u.as_str(),
        }
    }
}

str_traits!(LoginName);

/// The original name of an uploaded file, made safe for display and for a `Content-Disposition`
/// header. It is never used as a path: only the last path component is kept, control characters
/// and bidirectional-text controls (which can disguise `exe` as `pdf`) are dropped, leading dots
/// and surrounding whitespace are removed, and the result is 1..=255 characters (`"file"` when
/// nothing is left).
///
/// ```
/// use ticketing_domain::FileName;
/// assert_eq!(FileName::sanitize("../../etc/passwd").as_str(), "passwd");
/// assert_eq!(FileName::sanitize("C:\\Users\\me\\report.pdf").as_str(), "report.pdf");
/// assert_eq!(FileName::sanitize("\u{0}..").as_str(), "file");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FileName(String);

impl FileName {
    /// The longest kept name, in characters.
    pub const MAX_CHARS: usize = 255;

    /// Cleans a client-supplied file name; never fails.
    ///
    /// Sanitizing is idempotent: `FileName::sanitize(FileName::sanitize(x).as_str())` equals
    /// `FileName::sanitize(x)`.
    pub fn sanitize(raw: &str) -> Self {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
        let cleaned: String = last
            .chars()
            .filter(|c| !c.is_control() && !is_bidi_control(*c))
            .collect();
        // No leading dots (hidden files, `..`) even behind spaces: ". .bashrc" becomes "bashrc".
        let trimmed = cleaned
            .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
            .trim_end();
        let kept: String = trimmed.chars().take(Self::MAX_CHARS).collect();
        // Cutting at the limit may leave trailing whitespace behind.
        let kept = kept.trim_end();
        if kept.is_empty() {
            Self("file".to_owned())
        } else {
            Self(kept.to_owned())
        }
    }

    /// Rebuilds a name read back from storage (already sanitized when stored).
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for FileName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for FileName {
    type Err = std::convert::Infallible;

    /// Sanitizes (never fails): see [`FileName::sanitize`].
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Ok(Self::sanitize(raw))
    }
}

impl fmt::Debug for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileName({:?})", self.0)
    }
}

#[cfg(test)]
mod tests;
