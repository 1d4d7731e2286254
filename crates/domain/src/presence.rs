//! Presence: which staff member is viewing or replying to a ticket right now. Ephemeral (it
//! expires [`PRESENCE_TTL`] after its last refresh and is never part of the event outbox), told
//! to the other staff only ([`crate::policy::sees_presence`]).
//!
//! ```
//! use ticketing_domain::chrono::{TimeZone, Utc};
//! use ticketing_domain::presence::{self, PresenceNotice, PresenceState, Shown};
//! use ticketing_domain::{TicketId, UserId, uuid::Uuid};
//! let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
//! assert_eq!(PresenceState::from_wire("replying"), Ok(PresenceState::Replying));
//! assert_eq!(presence::expires_at(at), at + presence::PRESENCE_TTL);
//! let notice = PresenceNotice::new(
//!     TicketId::from_uuid(Uuid::from_u128(7)),
//!     Some(1042),
//!     UserId::from_uuid(Uuid::from_u128(2)),
//!     "Lee Agent",
//!     Shown::Present { state: PresenceState::Viewing, expires_at: presence::expires_at(at) },
//!     at,
//! );
//! assert_eq!(notice.state, "viewing");
//! assert_eq!(notice.expires_at, Some(presence::expires_at(at)));
//! ```

use chrono::{DateTime, Duration, Utc};

use crate::event::EventActor;
use crate::ids::{TicketId, UserId};
use crate::variant::enum_text;

/// How long a presence lasts after its last refresh (clients refresh at least every
/// [`PRESENCE_REFRESH`]).
pub const PRESENCE_TTL: Duration = Duration::seconds(30);

/// How often a client refreshes its presence while it stays.
pub const PRESENCE_REFRESH: Duration = Duration::seconds(15);

/// When a presence refreshed at `at` expires.
pub fn expires_at(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_signed(PRESENCE_TTL).unwrap_or(at)
}

/// What a staff member is doing on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum PresenceState {
    /// Has the ticket open.
    Viewing,
    /// Is typing a reply or a note.
    Replying,
}

impl PresenceState {
    /// Every state.
    pub const ALL: [PresenceState; 2] = [PresenceState::Viewing, PresenceState::Replying];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PresenceState::Viewing => "viewing",
            PresenceState::Replying => "replying",
        }
    }

    /// The human label.
    pub fn display(self) -> &'static str {
        match self {
            PresenceState::Viewing => "Viewing",
            PresenceState::Replying => "Replying",
        }
    }
}

enum_text!(PresenceState, expected = "viewing, replying");

/// One staff member's presence on one ticket, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    pub ticket_number: u64,
    /// Who.
    pub user_id: UserId,
    /// Viewing or replying.
    pub state: PresenceState,
    /// When it was last refreshed.
    pub at: DateTime<Utc>,
    /// When it ends unless refreshed ([`expires_at`] of `at`).
    pub expires_at: DateTime<Utc>,
}

/// What a presence notice tells: someone is here (until `expires_at`), or has left (closed the
/// ticket, or their presence expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Viewing or replying until `expires_at` (unless refreshed).
    Present {
        /// Viewing or replying.
        state: PresenceState,
        /// When it ends unless refreshed.
        expires_at: DateTime<Utc>,
    },
    /// Gone.
    Left,
}

/// The `data:` of a `presence` event of the event stream: never stored, never given an id (a
/// client's resume point does not move).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PresenceNotice {
    /// Always `presence`.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub kind: String,
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub ticket_number: Option<u64>,
    /// Who (their id and display name).
    pub actor: EventActor,
    /// `viewing`, `replying` or `left`.
    pub state: String,
    /// When the presence ends unless refreshed (`null` for `left`).
    pub expires_at: Option<DateTime<Utc>>,
    /// When this was known.
    pub at: DateTime<Utc>,
}

impl PresenceNotice {
    /// The notice that `user` (called `name`) is `shown` on ticket `ticket_id`.
    pub fn new(
        ticket_id: TicketId,
        ticket_number: Option<u64>,
        user: UserId,
        name: &str,
        shown: Shown,
        at: DateTime<Utc>,
    ) -> Self {
        let (state, expires_at) = match shown {
            Shown::Present { state, expires_at } => (state.as_str(), Some(expires_at)),
            Shown::Left => ("left", None),
        };
        Self {
            kind: "presence".to_owned(),
            ticket_id,
            ticket_number,
            actor: EventActor {
                id: Some(user),
                name: name.to_owned(),
            },
            state: state.to_owned(),
            expires_at,
            at,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_exactly_on_the_wire_and_leniently_for_people() {
        assert_eq!(
            PresenceState::from_wire("viewing"),
            Ok(PresenceState::Viewing)
        );
        assert!(PresenceState::from_wire("Viewing").is_err());
        assert!(PresenceState::from_wire("left").is_err());
        assert_eq!(" Replying ".parse(), Ok(PresenceState::Replying));
    }

    #[test]
    fn a_presence_lasts_thirty_seconds_and_is_refreshed_twice_as_often() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(expires_at(at) - at, Duration::seconds(30));
        assert!(PRESENCE_REFRESH * 2 <= PRESENCE_TTL);
        assert_eq!(
            expires_at(DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC
        );
    }
}
