//! Retrying a write that lost an optimistic-concurrency race: written once, used by every use
//! case that recomputes a change on the fresh state (ticket updates, messages, attachments).
//!
//! Each lost race means another writer's change was applied, so retrying always makes
//! progress; the pause before each retry grows exponentially with full jitter (a random pause
//! between zero and the ceiling), so writers that collided do not collide again in lockstep.

use std::time::Duration;

use crate::error::{AppError, RepoError};

/// How stale writes are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; past them the write is a 409 `conflict`.
    pub retries: u32,
    /// The ceiling of the first pause; it doubles with each retry.
    pub base: Duration,
    /// The largest ceiling of a pause.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    /// 32 retries, pauses up to 1 ms, 2 ms, 4 ms, … 50 ms (at most about 1.3 s in all).
    fn default() -> Self {
        Self {
            retries: 32,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(50),
        }
    }
}

impl RetryPolicy {
    /// The ceiling of the pause before retry number `retry` (0-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A random pause in `0..=ceiling(retry)`.
    pub(crate) fn pause(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::random_range(0..=nanos))
    }
}

/// Why one attempt did not finish: a lost race (retried) or an error (returned as is).
#[derive(Debug)]
pub(crate) enum Attempt {
    /// The write found the row changed since it was read (`RepoError::Stale`).
    Lost,
    /// Anything else ends the use case.
    Failed(AppError),
}

impl From<AppError> for Attempt {
    fn from(e: AppError) -> Self {
        Attempt::Failed(e)
    }
}

impl From<ticketing_domain::ChangeError> for Attempt {
    fn from(e: ticketing_domain::ChangeError) -> Self {
        Attempt::Failed(e.into())
    }
}

impl From<ticketing_domain::policy::Refusal> for Attempt {
    fn from(e: ticketing_domain::policy::Refusal) -> Self {
        Attempt::Failed(e.into())
    }
}

impl Attempt {
    /// A write's error: `Stale` is a lost race; `NotFound` names `what`; the rest as usual.
    pub(crate) fn of_write(e: RepoError, what: &'static str) -> Self {
        match e {
            RepoError::Stale => Attempt::Lost,
            other => Attempt::Failed(crate::app::not_found(other, what)),
        }
    }
}

/// Runs `attempt` until it succeeds, fails, or has lost `policy.retries + 1` races (then a 409
/// `conflict`). `attempt` reloads what it needs each time: a retry recomputes the change on the
/// fresh state.
pub(crate) async fn retry_stale<T>(
    policy: &RetryPolicy,
    mut attempt: impl AsyncFnMut() -> Result<T, Attempt>,
) -> Result<T, AppError> {
    let mut retry = 0;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(Attempt::Failed(e)) => return Err(e),
            Err(Attempt::Lost) if retry < policy.retries => {
                tokio::time::sleep(policy.pause(retry)).await;
                retry += 1;
            }
            Err(Attempt::Lost) => return Err(RepoError::Stale.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn policy(retries: u32) -> RetryPolicy {
        RetryPolicy {
            retries,
            base: Duration::from_millis(10),
            cap: Duration::from_millis(40),
        }
    }

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let p = policy(8);
        let ms: Vec<u128> = (0..5).map(|r| p.ceiling(r).as_millis()).collect();
        assert_eq!(ms, [10, 20, 40, 40, 40]);
        assert_eq!(p.ceiling(400), Duration::from_millis(40));
    }

    #[test]
    fn pauses_stay_under_their_ceiling_and_vary() {
        let p = policy(8);
        let pauses: Vec<Duration> = (0..200).map(|_| p.pause(2)).collect();
        assert!(pauses.iter().all(|d| *d <= Duration::from_millis(40)));
        let first = pauses[0];
        assert!(pauses.iter().any(|d| *d != first), "no jitter");
    }

    #[tokio::test(start_paused = true)]
    async fn retries_lost_races_with_pauses_then_succeeds() {
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let out = retry_stale(&policy(5), async || {
            if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(Attempt::Lost)
            } else {
                Ok("done")
            }
        })
        .await;
        assert_eq!(out.ok(), Some("done"));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        // Three pauses with ceilings 10, 20 and 40 ms.
        assert!(started.elapsed() <= Duration::from_millis(70));
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_with_a_conflict_after_the_last_retry() {
        let calls = AtomicU32::new(0);
        let out: Result<(), AppError> = retry_stale(&policy(2), async || {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Attempt::Lost)
        })
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert!(matches!(out, Err(AppError::Conflict { field: None, .. })));
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_is_returned_at_once() {
        let calls = AtomicU32::new(0);
        let out: Result<(), AppError> = retry_stale(&policy(9), async || {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Attempt::of_write(RepoError::NotFound, "ticket"))
        })
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(matches!(out, Err(AppError::NotFound("ticket"))));
    }
}
