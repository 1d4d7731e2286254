//! When to try again, when to give up on an event, when to disable an endpoint. Pure functions
//! of the attempt number and the clock (the jitter comes from `rand`).
//!
//! | after failed attempt | 1  | 2   | 3     | 4      | 5      | 6   | 7   | 8   | 9   | 10  |
//! |----------------------|----|-----|-------|--------|--------|-----|-----|-----|-----|-----|
//! | next attempt in      | 5 s| 30 s| 2 min | 10 min | 30 min | 1 h | 2 h | 4 h | 6 h | 8 h |
//!
//! Each delay is multiplied by a random factor between 0.9 and 1.1 so that endpoints that
//! failed together are not retried together. Attempt 11 is the last: the delays add up to
//! 21 h 42 min 35 s (at most 23 h 53 min with jitter), so an event is given up within 24 hours
//! of its first attempt. An endpoint whose deliveries have failed without a single success for
//! [`DISABLE_AFTER`] (3 days) is disabled.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The delay after failed attempt `n` is `RETRY_DELAYS[n - 1]` (before jitter).
const RETRY_DELAYS: [Duration; 10] = [
    secs(5),
    secs(30),
    secs(2 * 60),
    secs(10 * 60),
    secs(30 * 60),
    secs(3600),
    secs(2 * 3600),
    secs(4 * 3600),
    secs(6 * 3600),
    secs(8 * 3600),
];
const JITTER: f64 = 0.1;

/// Attempts per event: the first plus one per retry delay.
pub const MAX_ATTEMPTS: u32 = RETRY_DELAYS.len() as u32 + 1;
/// An endpoint failing for this long without a success is disabled.
pub const DISABLE_AFTER: TimeDelta = TimeDelta::days(3);

/// When to make the next attempt after attempt number `failed_attempt` (1 for the first)
/// failed at `now`; `None` once [`MAX_ATTEMPTS`] have been made (give the event up).
#[must_use]
pub fn next_attempt(failed_attempt: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let factor = rand::rng().random_range(1.0 - JITTER..=1.0 + JITTER);
    next_attempt_with(failed_attempt, now, factor)
}

fn next_attempt_with(
    failed_attempt: u32,
    now: DateTime<Utc>,
    factor: f64,
) -> Option<DateTime<Utc>> {
    let index = usize::try_from(failed_attempt.checked_sub(1)?).ok()?;
    let delay = RETRY_DELAYS.get(index)?.mul_f64(factor);
    Some(now + TimeDelta::from_std(delay).ok()?)
}

/// Whether an endpoint whose first failure since its last success was at `failing_since`
/// should be disabled at `now` (after [`DISABLE_AFTER`]).
#[must_use]
pub fn should_disable(failing_since: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - failing_since >= DISABLE_AFTER
}

/// What the dispatcher does after an attempt ([`after_attempt`] decides): the application's
/// own type, so the schedule and the use case share one definition.
pub use ticketing_app::webhooks::NextStep;

/// The rule applied after each attempt. `attempt` is the number of the attempt just made
/// (1 for the first) for this event; `failing_since` is the time of the endpoint's first
/// failure since its last success (`None` if it has not failed since); store
/// `failing_since.unwrap_or(now)` after a failure.
#[must_use]
pub fn after_attempt(
    succeeded: bool,
    attempt: u32,
    failing_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> NextStep {
    if succeeded {
        return NextStep::Delivered;
    }
    if should_disable(failing_since.unwrap_or(now), now) {
        return NextStep::DisableEndpoint;
    }
    next_attempt(attempt, now).map_or(NextStep::GiveUp, NextStep::RetryAt)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn follows_the_documented_table_within_the_jitter() {
        let nominal: [u32; 10] = [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 21_600, 28_800];
        for (i, seconds) in nominal.iter().enumerate() {
            let attempt = u32::try_from(i).unwrap() + 1;
            let exact = next_attempt_with(attempt, t0(), 1.0).unwrap();
            assert_eq!(
                (exact - t0()).num_seconds(),
                i64::from(*seconds),
                "attempt {attempt}"
            );
            for _ in 0..50 {
                let delay = (next_attempt(attempt, t0()).unwrap() - t0()).as_seconds_f64();
                let s = f64::from(*seconds);
                assert!(
                    delay >= s * 0.9 && delay <= s * 1.1,
                    "attempt {attempt}: {delay}"
                );
            }
        }
    }

    #[test]
    fn jitter_spreads_the_retries() {
        let times: std::collections::HashSet<_> =
            (0..20).map(|_| next_attempt(6, t0()).unwrap()).collect();
        assert!(times.len() > 10, "{times:?}");
    }

    #[test]
    fn gives_up_within_24_hours_even_with_the_largest_jitter() {
        let mut at = t0();
        let mut attempt = 1;
        while let Some(next) = next_attempt_with(attempt, at, 1.0 + JITTER) {
            at = next;
            attempt += 1;
        }
        assert_eq!(attempt, MAX_ATTEMPTS);
        assert!(at - t0() < TimeDelta::hours(24), "{}", at - t0());
        assert!(at - t0() > TimeDelta::hours(23), "{}", at - t0());
        assert_eq!(next_attempt(MAX_ATTEMPTS, t0()), None);
        assert_eq!(next_attempt(u32::MAX, t0()), None);
        assert_eq!(next_attempt(0, t0()), None);
    }

    #[test]
    fn disables_after_three_days_of_failures() {
        assert!(!should_disable(t0(), t0()));
        assert!(!should_disable(
            t0(),
            t0() + DISABLE_AFTER - TimeDelta::seconds(1)
        ));
        assert!(should_disable(t0(), t0() + DISABLE_AFTER));
        assert!(should_disable(t0(), t0() + TimeDelta::days(30)));
    }

    #[test]
    fn after_attempt_decides_in_order_success_disable_retry_give_up() {
        let now = t0() + TimeDelta::days(3);
        assert_eq!(
            after_attempt(true, 11, Some(t0()), now),
            NextStep::Delivered
        );
        assert_eq!(
            after_attempt(false, 1, Some(t0()), now),
            NextStep::DisableEndpoint
        );
        let retry = after_attempt(false, 1, None, now);
        assert!(
            matches!(retry, NextStep::RetryAt(at) if at > now && at <= now + TimeDelta::seconds(6))
        );
        let recent = Some(now - TimeDelta::hours(1));
        assert!(matches!(
            after_attempt(false, 10, recent, now),
            NextStep::RetryAt(_)
        ));
        assert_eq!(
            after_attempt(false, MAX_ATTEMPTS, recent, now),
            NextStep::GiveUp
        );
    }
}
