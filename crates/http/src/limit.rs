//! Keyed fixed-window counting and rate limiting, in memory (per process).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` events per `window` per key.
#[derive(Debug)]
pub struct RateLimiter {
    max: u32,
    attempts: Attempts,
}

const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    /// A limiter allowing `max` events per `window` for each key.
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            attempts: Attempts::new(window),
        }
    }

    /// Counts one event; `Err(retry_after_secs)` when the key is over its limit.
    pub fn hit(&self, key: &str) -> Result<(), u64> {
        let c = self.attempts.record(key);
        if c.count > self.max {
            Err(c.retry_after)
        } else {
            Ok(())
        }
    }
}

/// Counts attempts per key in fixed windows, also past any limit (the caller decides what a
/// count means). The one place where password attempts are counted: kept in memory per process
/// today, it is the type to back with a shared store later.
#[derive(Debug)]
pub struct Attempts {
    window: Duration,
    slots: Mutex<HashMap<String, (Instant, u32)>>,
}

/// What [`Attempts::record`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// Attempts in the current window, this one included.
    pub count: u32,
    /// Seconds until the window ends (at least 1).
    pub retry_after: u64,
}

impl Attempts {
    /// Counts in windows of `window`.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt for `key`.
    pub fn record(&self, key: &str) -> Count {
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
        Count {
            count: slot.1,
            retry_after: self
                .window
                .saturating_sub(now.duration_since(slot.0))
                .as_secs()
                .max(1),
        }
    }

    /// Takes back one attempt of `key` (it turned out not to be a failure).
    pub fn undo(&self, key: &str) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = slots.get_mut(key) {
            slot.1 = slot.1.saturating_sub(1);
        }
    }

    /// Forgets every attempt of `key`.
    pub fn reset(&self, key: &str) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.remove(key);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn attempts_count_past_any_limit_undo_and_reset() {
        let a = Attempts::new(Duration::from_secs(60));
        assert_eq!(a.record("k").count, 1);
        assert_eq!(a.record("k").count, 2);
        let c = a.record("k");
        assert_eq!(c.count, 3);
        assert!((1..=60).contains(&c.retry_after));
        a.undo("k");
        assert_eq!(a.record("k").count, 3);
        assert_eq!(a.record("other").count, 1);
        a.reset("k");
        assert_eq!(a.record("k").count, 1);
        a.undo("never-seen");
    }

    #[test]
    fn attempts_windows_expire() {
        let a = Attempts::new(Duration::from_millis(20));
        a.record("k");
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(a.record("k").count, 1);
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
