//! The counters of the abuse limits that hold across replicas (failed password checks, writes
//! per user): hits in fixed windows, one counter per key, kept by the store
//! ([`CounterRepository`]) so that every process of an installation counts against the same
//! budget. What a count means (refuse, delay, end the sessions) is decided by the caller (the
//! HTTP layer's password guard and write limit).
//!
//! [`MemoryCounters`] is the same contract in one process's memory (the in-memory store and the
//! test harness use it).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::App;
use crate::error::{AppError, RepoError};
use crate::ports::{CounterRepository, WindowCount};

/// Counters whose window started longer ago than this (a day) are deleted by
/// [`App::prune_counters`], so no limit uses a longer window.
pub const LONGEST_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// A key's count after a hit ([`App::count_hits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    /// Hits in the current window, this one included.
    pub count: u32,
    /// Seconds until the window ends (at least 1).
    pub retry_after: u64,
}

impl App {
    /// Counts one hit on each of `keys` (shared by every process), in windows of `window`.
    pub async fn count_hits(
        &self,
        keys: &[String],
        window: Duration,
    ) -> Result<Vec<Hits>, AppError> {
        let window = window.min(LONGEST_WINDOW);
        let now = self.ports.clock.now();
        let counts = self.ports.store.counters.hit(keys, window, now).await?;
        let span = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::days(1));
        Ok(counts
            .into_iter()
            .map(|c| {
                let left_ms = (c.window_start + span - now).num_milliseconds().max(0);
                Hits {
                    count: c.hits,
                    retry_after: u64::try_from((left_ms + 999) / 1000).unwrap_or(0).max(1),
                }
            })
            .collect())
    }

    /// Takes back one hit of each of `take_back` (they turned out not to count) and forgets
    /// the counts of `forget`, in one write.
    pub async fn release_hits(
        &self,
        take_back: &[String],
        forget: &[String],
    ) -> Result<(), AppError> {
        if take_back.is_empty() && forget.is_empty() {
            return Ok(());
        }
        Ok(self.ports.store.counters.release(take_back, forget).await?)
    }

    /// Deletes the counters whose window ended (older than [`LONGEST_WINDOW`]); returns how
    /// many.
    pub async fn prune_counters(&self) -> Result<u64, AppError> {
        let before = self.ports.clock.now() - chrono::Duration::days(1);
        Ok(self.ports.store.counters.prune_counters(before).await?)
    }
}

/// [`CounterRepository`] in this process's memory: for tests and the in-memory store, not for an
/// installation of several processes.
#[derive(Debug, Default)]
pub struct MemoryCounters {
    slots: Mutex<HashMap<String, WindowCount>>,
}

impl MemoryCounters {
    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, WindowCount>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts `key` at `count` (read from a store) unless it is counted here already.
    pub fn seed(&self, key: &str, count: WindowCount) {
        self.slots().entry(key.to_owned()).or_insert(count);
    }

    /// The count of `key`, if any.
    pub fn get(&self, key: &str) -> Option<WindowCount> {
        self.slots().get(key).copied()
    }
}

/// `t` at microsecond precision, like the databases keep it.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

#[async_trait]
impl CounterRepository for MemoryCounters {
    async fn hit(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<WindowCount>, RepoError> {
        let now = micros(now);
        let cutoff = chrono::Duration::from_std(window)
            .ok()
            .and_then(|span| now.checked_sub_signed(span))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut slots = self.slots();
        Ok(keys
            .iter()
            .map(|key| {
                let slot = slots.entry(key.clone()).or_insert(WindowCount {
                    hits: 0,
                    window_start: now,
                });
                if slot.window_start <= cutoff {
                    *slot = WindowCount {
                        hits: 0,
                        window_start: now,
                    };
                }
                slot.hits = slot.hits.saturating_add(1);
                *slot
            })
            .collect())
    }

    async fn release(&self, take_back: &[String], forget: &[String]) -> Result<(), RepoError> {
        let mut slots = self.slots();
        for key in take_back {
            if let Some(slot) = slots.get_mut(key) {
                slot.hits = slot.hits.saturating_sub(1);
            }
        }
        for key in forget {
            slots.remove(key);
        }
        Ok(())
    }

    async fn prune_counters(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let mut slots = self.slots();
        let was = slots.len();
        slots.retain(|_, c| c.window_start >= before);
        Ok((was - slots.len()) as u64)
    }
}
