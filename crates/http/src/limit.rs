//! Keyed fixed-window rate limiting, in memory (per process).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` events per `window` per key.
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

    fn with_slot<T>(&self, key: &str, f: impl FnOnce(&mut (Instant, u32), Instant) -> T) -> T {
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
        f(slot, now)
    }

    fn retry_after(&self, start: Instant, now: Instant) -> u64 {
        self.window
            .saturating_sub(now.duration_since(start))
            .as_secs()
            .max(1)
    }

    /// Counts one event; `Err(retry_after_secs)` when the key is over its limit.
    pub fn hit(&self, key: &str) -> Result<(), u64> {
        self.with_slot(key, |slot, now| {
            if slot.1 >= self.max {
                Err(self.retry_after(slot.0, now))
            } else {
                slot.1 += 1;
                Ok(())
            }
        })
    }

    /// Whether the key is over its limit, without counting.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.with_slot(key, |slot, now| {
            if slot.1 >= self.max {
                Err(self.retry_after(slot.0, now))
            } else {
                Ok(())
            }
        })
    }

    /// Forgets a key (e.g. after a successful login).
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
    fn limits_per_key_and_resets() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert!(l.hit("a").is_ok());
        assert!(l.hit("a").is_ok());
        let retry = l.hit("a").unwrap_err();
        assert!((1..=60).contains(&retry));
        assert!(l.hit("b").is_ok());
        assert!(l.check("a").is_err());
        l.reset("a");
        assert!(l.check("a").is_ok());
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
