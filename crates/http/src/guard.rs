//! The limits on password checks (login and change-password), in one place. The counts live
//! in the database ([`Attempts`]): every replica counts against the same budget.
//!
//! Every attempt is recorded **before** the hash is checked (parallel guesses cannot overtake
//! the count) and taken back when it was not a failure (the right password, or an error that
//! checked nothing). The keys:
//!
//! - login, per (account, client address): over `per_account`, that address gets 429 for that
//!   account until the window ends. Other addresses, the owner's among them, are not limited.
//! - login, per account across addresses: past `slowdown_after`, every further check of the
//!   account waits first, twice as long each time from 250 ms up to `slowdown_max`. A spread
//!   attack is slowed; the owner is only delayed, never locked out.
//! - change-password, per signed-in user (whatever the address: the caller holds a session):
//!   over `per_account`, 429; at `to_revoke` attempts, every session of the user ends.
//! - both, per client address across accounts: over `per_address`, 429 (password spraying).

use std::time::Duration;

use ticketing_app::App;
use ticketing_domain::UserId;

use crate::limit::Attempts;
use crate::problem::{ApiError, ApiResult};

/// The limits, from the settings.
#[derive(Debug, Clone)]
pub(crate) struct GuardLimits {
    pub(crate) per_account: u32,
    pub(crate) per_address: u32,
    pub(crate) to_revoke: u32,
    pub(crate) slowdown_after: u32,
    pub(crate) slowdown_max: Duration,
    pub(crate) window: Duration,
}

/// The first delay of the account-wide slowdown.
const FIRST_DELAY: Duration = Duration::from_millis(250);

/// Counts password checks and says when to refuse, delay or end the sessions.
#[derive(Debug)]
pub(crate) struct PasswordGuard {
    limits: GuardLimits,
    attempts: Attempts,
}

/// Why a password check is not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 429, retry after this many seconds.
    Limited(u64),
    /// Too many wrong passwords from a signed-in user: end every session of the user.
    EndSessions,
}

/// A recorded attempt, to be settled with [`PasswordGuard::succeeded`],
/// [`PasswordGuard::failed`] or [`PasswordGuard::unchecked`].
#[derive(Debug)]
#[must_use = "settle the attempt"]
pub(crate) struct Attempt {
    /// Cleared on success.
    own: String,
    /// Taken back on success.
    shared: Vec<String>,
    /// How long to wait before checking the password.
    pub(crate) delay: Duration,
}

/// The three counts of a check, in the order they were recorded.
fn three(counts: &[ticketing_app::Hits]) -> ApiResult<[ticketing_app::Hits; 3]> {
    <[ticketing_app::Hits; 3]>::try_from(counts)
        .map_err(|_| ApiError::internal(anyhow::anyhow!("expected three counts")))
}

impl PasswordGuard {
    /// The guard of `app`'s shared counters.
    pub(crate) fn new(app: App, limits: GuardLimits) -> Self {
        Self {
            attempts: Attempts::new(app, limits.window),
            limits,
        }
    }

    /// Records a login attempt on `account` from `address`, before the password is checked
    /// (one write for its three counts; a refused attempt is not counted account-wide).
    pub(crate) async fn begin_login(
        &self,
        account: &str,
        address: &str,
    ) -> ApiResult<Result<Attempt, Refusal>> {
        let own = format!("login:{account}|{address}");
        let by_address = format!("address:{address}");
        let account_wide = format!("account:{account}");
        let keys = [own.clone(), by_address.clone(), account_wide.clone()];
        let [pair, from_address, wide] = three(&self.attempts.record(&keys).await?)?;
        let refusal = if pair.count > self.limits.per_account {
            Some(Refusal::Limited(pair.retry_after))
        } else if from_address.count > self.limits.per_address {
            Some(Refusal::Limited(from_address.retry_after))
        } else {
            None
        };
        if let Some(refusal) = refusal {
            self.attempts.release(&[account_wide], &[]).await;
            return Ok(Err(refusal));
        }
        Ok(Ok(Attempt {
            own,
            shared: vec![by_address, account_wide],
            delay: self.slowdown(wide.count),
        }))
    }

    /// Records a password check of the signed-in `user` from `address` (change-password),
    /// before the password is checked.
    pub(crate) async fn begin_recheck(
        &self,
        user: UserId,
        address: &str,
    ) -> ApiResult<Result<Attempt, Refusal>> {
        let own = format!("recheck:{user}");
        let by_address = format!("address:{address}");
        let counts = self
            .attempts
            .record(&[own.clone(), by_address.clone()])
            .await?;
        let (mine, from_address) = match counts[..] {
            [mine, from_address] => (mine, from_address),
            _ => return Err(ApiError::internal(anyhow::anyhow!("expected two counts"))),
        };
        if mine.count >= self.limits.to_revoke {
            return Ok(Err(Refusal::EndSessions));
        }
        if mine.count > self.limits.per_account {
            return Ok(Err(Refusal::Limited(mine.retry_after)));
        }
        if from_address.count > self.limits.per_address {
            return Ok(Err(Refusal::Limited(from_address.retry_after)));
        }
        Ok(Ok(Attempt {
            own,
            shared: vec![by_address],
            delay: Duration::ZERO,
        }))
    }

    /// Every session of `user` ended (after [`Refusal::EndSessions`]): whoever held one must
    /// sign in again, and their password checks start afresh.
    pub(crate) async fn sessions_ended(&self, user: UserId) {
        self.attempts
            .release(&[], &[format!("recheck:{user}")])
            .await;
    }

    /// The password was right: the attempt was no failure, and this key starts afresh.
    pub(crate) async fn succeeded(&self, attempt: Attempt) {
        self.attempts.release(&attempt.shared, &[attempt.own]).await;
    }

    /// The password was wrong: the attempt stays counted.
    pub(crate) fn failed(&self, attempt: Attempt) {
        drop(attempt);
    }

    /// Nothing was checked (an error before or during the check): the attempt is taken back.
    pub(crate) async fn unchecked(&self, attempt: Attempt) {
        let mut keys = attempt.shared;
        keys.push(attempt.own);
        self.attempts.release(&keys, &[]).await;
    }

    /// The wait before the `count`-th check of an account within the window.
    fn slowdown(&self, count: u32) -> Duration {
        let Some(over) = count.checked_sub(self.limits.slowdown_after) else {
            return Duration::ZERO;
        };
        if over == 0 {
            return Duration::ZERO;
        }
        let factor = 1_u32 << (over - 1).min(16);
        FIRST_DELAY
            .saturating_mul(factor)
            .min(self.limits.slowdown_max)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn guard() -> PasswordGuard {
        let app = ticketing_app::testing::Harness::default().build();
        PasswordGuard::new(
            app,
            GuardLimits {
                per_account: 3,
                per_address: 5,
                to_revoke: 6,
                slowdown_after: 4,
                slowdown_max: Duration::from_secs(2),
                window: Duration::from_secs(900),
            },
        )
    }

    #[tokio::test]
    async fn login_is_limited_per_account_and_address_not_per_account() {
        let g = guard();
        for _ in 0..3 {
            let a = g.begin_login("user:1", "x").await.unwrap().unwrap();
            g.failed(a);
        }
        assert!(matches!(
            g.begin_login("user:1", "x").await.unwrap(),
            Err(Refusal::Limited(_))
        ));
        // Another address (the owner) may still try, and succeeding takes its attempt back.
        let a = g.begin_login("user:1", "y").await.unwrap().unwrap();
        g.succeeded(a).await;
        let a = g.begin_login("user:1", "y").await.unwrap().unwrap();
        g.unchecked(a).await;
    }

    #[tokio::test]
    async fn login_is_limited_per_address_across_accounts() {
        let g = guard();
        for i in 0..5 {
            let a = g
                .begin_login(&format!("user:{i}"), "x")
                .await
                .unwrap()
                .unwrap();
            g.failed(a);
        }
        assert!(matches!(
            g.begin_login("user:9", "x").await.unwrap(),
            Err(Refusal::Limited(_))
        ));
        assert!(g.begin_login("user:9", "y").await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn the_account_wide_count_delays_and_the_delay_is_capped() {
        let g = guard();
        let mut delays = Vec::new();
        for addr in ["a", "b", "c", "d", "e", "f", "g", "h"] {
            let a = g.begin_login("user:1", addr).await.unwrap().unwrap();
            delays.push(a.delay.as_millis());
            g.failed(a);
        }
        assert_eq!(delays, [0, 0, 0, 0, 250, 500, 1000, 2000]);
        let a = g.begin_login("user:1", "i").await.unwrap().unwrap();
        assert_eq!(a.delay, Duration::from_secs(2));
        g.failed(a);
    }

    #[tokio::test]
    async fn rechecks_are_limited_then_end_the_sessions() {
        let g = guard();
        let user = UserId::from_uuid(uuid::Uuid::from_u128(1));
        for _ in 0..3 {
            let a = g.begin_recheck(user, "x").await.unwrap().unwrap();
            g.failed(a);
        }
        assert!(matches!(
            g.begin_recheck(user, "y").await.unwrap(),
            Err(Refusal::Limited(_))
        ));
        assert!(matches!(
            g.begin_recheck(user, "z").await.unwrap(),
            Err(Refusal::Limited(_))
        ));
        assert_eq!(
            g.begin_recheck(user, "z").await.unwrap().unwrap_err(),
            Refusal::EndSessions
        );
        // Until the sessions are ended, every further attempt asks for it again.
        assert_eq!(
            g.begin_recheck(user, "z").await.unwrap().unwrap_err(),
            Refusal::EndSessions
        );
        g.sessions_ended(user).await;
        // Afresh after the sessions ended.
        let a = g.begin_recheck(user, "z").await.unwrap().unwrap();
        g.succeeded(a).await;
    }
}
