//! Time as the system keeps it.
//!
//! Both databases store timestamps to the microsecond, so a time with nanoseconds would not read
//! back equal to itself (and a keyset cursor made from it would skip or repeat an item). Whoever
//! reads a clock for the domain cuts the time with [`to_stored_precision`] first; the domain
//! itself never reads a clock.

use chrono::{DateTime, Datelike, SubsecRound, Utc};

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

/// The years a kept time may fall in: 1 to 9999, what RFC 3339 can write and both databases can
/// store (PostgreSQL refuses years before 4713 BC). Clock times always fall in it; a time from
/// elsewhere (a list cursor) outside it stands for nothing the system keeps.
pub const STORED_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Whether `t` lies in [`STORED_YEARS`].
///
/// ```
/// use ticketing_domain::chrono::{DateTime, Utc};
/// use ticketing_domain::time::in_stored_range;
/// assert!(in_stored_range("2024-05-01T09:00:00Z".parse().unwrap()));
/// assert!(in_stored_range("0001-01-01T00:00:00Z".parse().unwrap()));
/// assert!(!in_stored_range(DateTime::<Utc>::from_timestamp_micros(-8_000_000_000_000_000_000).unwrap()));
/// assert!(!in_stored_range(DateTime::<Utc>::from_timestamp_micros(253_402_300_800_000_000).unwrap()));
/// ```
pub fn in_stored_range(t: DateTime<Utc>) -> bool {
    STORED_YEARS.contains(&t.year())
}
