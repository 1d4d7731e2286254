//! `serde` support (the `serde` feature) for the types that are text on the wire: they serialize
//! as a string and deserialize through their parser, so an invalid value cannot be deserialized.
//! Enums and records derive their implementations where they are declared.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::listing::{Cursor, Limit, SearchText, TicketOrdering};
use crate::text::{
    Description, Email, FileName, LoginName, MessageBody, PersonName, TokenName, Topic, Username,
};

/// Serializes with `as_str()`, deserializes with `FromStr` (the type's parser).
macro_rules! via_str {
    ($($name:ty),* $(,)?) => {$(
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                raw.parse().map_err(D::Error::custom)
            }
        }
    )*};
}

via_str!(
    Topic,
    Description,
    MessageBody,
    PersonName,
    Username,
    Email,
    LoginName,
    FileName,
    TokenName,
    TicketOrdering,
);

/// A search as its terms joined by spaces (which parse back to the same terms).
impl Serialize for SearchText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.terms().join(" "))
    }
}

impl<'de> Deserialize<'de> for SearchText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        SearchText::parse(&raw).map_err(D::Error::custom)
    }
}

/// A page size as a number.
impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.get())
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Limit::new(i64::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

/// A cursor as its opaque text ([`Cursor::encode`]).
impl Serialize for Cursor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Cursor::decode_any(&raw).map_err(D::Error::custom)
    }
}

/// For `Option<Option<T>>` fields: absent is `None` (with `#[serde(default)]`), `null` is
/// `Some(None)`, a value is `Some(Some(value))`.
pub(crate) fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
