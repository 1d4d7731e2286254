//! Typed identifiers. Every id is a UUID; the wrapper keeps a ticket id from being passed where a
//! user id is expected. With the `serde` feature an id is its UUID's hyphenated text.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(
            feature = "serde",
            derive(serde::Serialize, serde::Deserialize),
            serde(transparent)
        )]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID (ids are chosen by the caller: time and ids are passed in, never read).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| InvalidId)
            }
        }
    };
}

/// A text that is not a UUID was given where an id was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[error("must be a UUID")]
pub struct InvalidId;

id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies a ticket.
    TicketId
);
id_type!(
    /// Identifies a message (a public reply or an internal note) of a ticket.
    MessageId
);
id_type!(
    /// Identifies an attachment of a ticket.
    AttachmentId
);
id_type!(
    /// Identifies an entry of a ticket's activity log.
    ActivityId
);
id_type!(
    /// Identifies one refresh session (one refresh token).
    SessionId
);
id_type!(
    /// Identifies a family of refresh sessions: one login and all its rotations.
    FamilyId
);
id_type!(
    /// Identifies a personal access token (an API token).
    ApiTokenId
);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_round_trip() {
        let raw = "0192f1d2-7c1e-7a2b-8c3d-4e5f60718293";
        let id: TicketId = raw.parse().unwrap();
        assert_eq!(id.to_string(), raw);
        assert_eq!(TicketId::from_uuid(id.as_uuid()), id);
    }

    #[test]
    fn rejects_non_uuids() {
        for bad in ["", "1", "not-a-uuid", "0192f1d2-7c1e-7a2b-8c3d-4e5f6071829"] {
            assert_eq!(bad.parse::<UserId>(), Err(InvalidId), "{bad:?}");
        }
    }
}
