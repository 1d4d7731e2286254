//! Time as the system keeps it.
//!
//! Both databases store timestamps to the microsecond, so a time with nanoseconds would not read
//! back equal to itself (and a keyset cursor made from it would skip or repeat an item). Whoever
//! reads a clock for the domain cuts the time with [`to_stored_precision`] first; the domain
//! itself never reads a clock.

use chrono::{DateTime, SubsecRound, Utc};

/// The number of decimal digits of a second that are stored: 6 (microseconds).
pub const STORED_SUBSEC_DIGITS: u16 = 6;

/// Cuts `t` to the stored precision (microseconds), rounding toward the past.
///
/// Idempotent; a time already at that precision comes back unchanged.
///
/// ```
/// use ticketing_domain::chrono::{DateTime, Utc};
/// use ticketing_domain::time::to_stored_precision;
/// let t: DateTime<Utc> = "2024-05-01T09:00:00.123456789Z".parse().unwrap();
/// assert_eq!(to_stored_precision(t).to_rfc3339(), "2024-05-01T09:00:00.123456+00:00");
/// assert_eq!(to_stored_precision(to_stored_precision(t)), to_stored_precision(t));
/// ```
pub fn to_stored_precision(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(STORED_SUBSEC_DIGITS)
}
