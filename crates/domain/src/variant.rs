//! Parsing the enums of the crate from text: leniently for people (`FromStr`), exactly for wire
//! formats (`from_wire`).

/// A text named none of the values of an enum. Holds what was given; the message lists the
/// accepted wire names.
///
/// ```
/// use ticketing_domain::{Priority, UnknownVariant};
/// let err = "urgent".parse::<Priority>().unwrap_err();
/// assert_eq!(err.input, "urgent");
/// assert_eq!(err.to_string(), "must be one of low, medium, high, critical");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[error("must be one of {expected}")]
pub struct UnknownVariant {
    /// The rejected text, as given.
    pub input: String,
    /// The accepted wire names, comma-separated.
    pub expected: &'static str,
}

/// Implements the lenient `FromStr` and the exact `from_wire` of a field-less enum with `ALL`,
/// `as_str()` (the wire name) and `display()` (the human label).
macro_rules! enum_text {
    ($name:ident, expected = $expected:expr) => {
        impl $name {
            /// Parses the exact wire name (as [`Self::as_str`] writes it), nothing else: for wire
            /// formats whose documents list the exact values (the HTTP API's query parameters and
            /// JSON fields).
            pub fn from_wire(raw: &str) -> Result<Self, $crate::UnknownVariant> {
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == raw)
                    .ok_or_else(|| $crate::UnknownVariant {
                        input: raw.to_owned(),
                        expected: $expected,
                    })
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::UnknownVariant;

            /// Parses leniently, for text people type: the wire name or the human label, in any
            /// case, with surrounding whitespace ignored.
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                let s = raw.trim();
                Self::ALL
                    .into_iter()
                    .find(|v| {
                        v.as_str().eq_ignore_ascii_case(s) || v.display().eq_ignore_ascii_case(s)
                    })
                    .ok_or_else(|| $crate::UnknownVariant {
                        input: raw.to_owned(),
                        expected: $expected,
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    };
}

pub(crate) use enum_text;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::str::FromStr;

    use crate::{Action, Priority, Role, Status};

    /// Each value parses from its wire name and label in any case with whitespace around, and
    /// from the exact wire name only with `from_wire`.
    fn check<T>(all: &[T], wire: fn(&T) -> &'static str, label: fn(&T) -> &'static str)
    where
        T: FromStr<Err = crate::UnknownVariant> + PartialEq + std::fmt::Debug + Copy,
    {
        for v in all {
            let (w, l) = (wire(v), label(v));
            for raw in [
                w.to_owned(),
                l.to_owned(),
                w.to_uppercase(),
                l.to_lowercase(),
                format!("  {l}\t"),
                format!("\n{w} "),
            ] {
                assert_eq!(raw.parse::<T>().as_ref(), Ok(v), "{raw:?}");
            }
        }
        let err = "  nope ".parse::<T>().unwrap_err();
        assert_eq!(err.input, "  nope ");
        assert!(err.to_string().starts_with("must be one of "), "{err}");
    }

    #[test]
    fn enums_parse_leniently() {
        check(&Status::ALL, |v| v.as_str(), |v| v.display());
        check(&Priority::ALL, |v| v.as_str(), |v| v.display());
        check(&Role::ALL, |v| v.as_str(), |v| v.display());
        check(&Action::ALL, |v| v.as_str(), |v| v.display());
    }

    #[test]
    fn wire_names_parse_exactly() {
        for s in Status::ALL {
            assert_eq!(Status::from_wire(s.as_str()), Ok(s));
            assert!(Status::from_wire(s.display()).is_err() || s.display() == s.as_str());
            assert!(Status::from_wire(&format!(" {}", s.as_str())).is_err());
        }
        for p in Priority::ALL {
            assert_eq!(Priority::from_wire(p.as_str()), Ok(p));
            assert!(Priority::from_wire(&p.as_str().to_uppercase()).is_err());
        }
        for r in Role::ALL {
            assert_eq!(Role::from_wire(r.as_str()), Ok(r));
            assert!(Role::from_wire(r.display()).is_err());
        }
        for a in Action::ALL {
            assert_eq!(Action::from_wire(a.as_str()), Ok(a));
            assert!(Action::from_wire(a.display()).is_err());
        }
        let err = Status::from_wire("Open").unwrap_err();
        assert_eq!(err.input, "Open");
        assert_eq!(err.expected, "open, in_progress, resolved, closed");
    }
}
