//! Keyed fixed-window counting and rate limiting, in two kinds:
//!
//! - [`RateLimiter`]: in this process's memory, for request rates where each replica may count
//!   on its own (requests per client address on register, login and refresh; requests per API
//!   token). Behind a balancer over N replicas these allow up to N times the configured rate.
//! - [`Attempts`] and [`SharedLimiter`]: in the database, shared by every replica, for what
//!   must hold across them (failed password checks, writes per user).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ticketing_app::{App, Hits};

use crate::problem::{ApiError, ApiResult};

/// At most `max` events per `window` per key, in this process's memory.
#[derive(Debug)]
pub struct RateLimiter {
    max: u32,
    window: Duration,
    slots: Mutex<HashMap<String, (Instant, u32)>>,
}

const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    /// A limiter allowing `max` events per `window` for each key.
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event; `Err(retry_after_secs)` when the key is over its limit.
    pub fn hit(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots.len() > SWEEP_ABOVE {
            let window = self.window;
            slots.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let slot = slots.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(slot.0) >= self.window {
            *slot = (now, 0);
        }
        slot.1 = slot.1.saturating_add(1);
        if slot.1 > self.max {
            Err(self
                .window
                .saturating_sub(now.duration_since(slot.0))
                .as_secs()
                .max(1))
        } else {
            Ok(())
        }
    }
}

/// Counts attempts per key in fixed windows, also past any limit (the caller decides what a
/// count means), in the database through [`App::count_hits`]: every replica counts against the
/// same budget. The one place where password attempts and writes are counted.
#[derive(Debug, Clone)]
pub struct Attempts {
    app: App,
    window: Duration,
}

impl Attempts {
    /// Counts in windows of `window` (at most a day, `ticketing_app::LONGEST_WINDOW`).
    pub fn new(app: App, window: Duration) -> Self {
        Self { app, window }
    }

    /// Counts one attempt on each of `keys`; their counts in the same order.
    pub async fn record(&self, keys: &[String]) -> ApiResult<Vec<Hits>> {
        let counts = self.app.count_hits(keys, self.window).await?;
        if counts.len() != keys.len() {
            return Err(ApiError::internal(anyhow::anyhow!(
                "{} counts for {} keys",
                counts.len(),
                keys.len()
            )));
        }
        Ok(counts)
    }

    /// Takes back one attempt of each of `take_back` (they turned out not to be failures) and
    /// forgets every attempt of `forget`. A failure is logged, not returned: the attempts then
    /// stay counted until their window ends.
    pub async fn release(&self, take_back: &[String], forget: &[String]) {
        if let Err(e) = self.app.release_hits(take_back, forget).await {
            tracing::warn!(error = %e, "could not take back counted attempts");
        }
    }
}

/// At most `max` events per window per key, counted by [`Attempts`] (shared by every replica).
#[derive(Debug, Clone)]
pub struct SharedLimiter {
    max: u32,
    attempts: Attempts,
}

impl SharedLimiter {
    /// A limiter allowing `max` events per `window` for each key.
    pub fn new(app: App, max: u32, window: Duration) -> Self {
        Self {
            max,
            attempts: Attempts::new(app, window),
        }
    }

    /// Counts one event; 429 `rate_limited` with `Retry-After` when the key is over its limit.
    pub async fn hit(&self, key: &str) -> ApiResult<()> {
        let counts = self.attempts.record(&[key.to_owned()]).await?;
        match counts.first() {
            Some(c) if c.count > self.max => Err(ApiError::rate_limited(c.retry_after)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn app() -> App {
        ticketing_app::testing::Harness::default().build()
    }

    #[tokio::test]
    async fn attempts_count_past_any_limit_take_back_and_forget() {
        let a = Attempts::new(app(), Duration::from_secs(60));
        let k = |n: &str| vec![n.to_owned()];
        assert_eq!(a.record(&k("k")).await.unwrap()[0].count, 1);
        assert_eq!(a.record(&k("k")).await.unwrap()[0].count, 2);
        let c = a.record(&k("k")).await.unwrap()[0];
        assert_eq!(c.count, 3);
        assert!((1..=60).contains(&c.retry_after));
        a.release(&k("k"), &[]).await;
        let both = a.record(&[k("k"), k("other")].concat()).await.unwrap();
        assert_eq!((both[0].count, both[1].count), (3, 1));
        a.release(&k("never-seen"), &k("k")).await;
        assert_eq!(a.record(&k("k")).await.unwrap()[0].count, 1);
    }

    #[tokio::test]
    async fn shared_limits_per_key_and_share_the_count() {
        let app = app();
        let one = SharedLimiter::new(app.clone(), 2, Duration::from_secs(60));
        let other = SharedLimiter::new(app, 2, Duration::from_secs(60));
        assert!(one.hit("a").await.is_ok());
        assert!(other.hit("a").await.is_ok());
        assert!(
            one.hit("a").await.is_err(),
            "the third hit, whoever counts it"
        );
        assert!(other.hit("b").await.is_ok());
    }

    #[test]
    fn limits_per_key() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert!(l.hit("a").is_ok());
        assert!(l.hit("a").is_ok());
        let retry = l.hit("a").unwrap_err();
        assert!((1..=60).contains(&retry));
        assert!(l.hit("b").is_ok());
        assert!(l.hit("a").is_err());
    }

    #[test]
    fn window_expires() {
        let l = RateLimiter::new(1, Duration::from_millis(20));
        assert!(l.hit("k").is_ok());
        assert!(l.hit("k").is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(l.hit("k").is_ok());
    }
}
