//! The limit counters of a SQLite database, counted in the memory of the one process that
//! serves the file and written to `limit_counters` in the background.
//!
//! On PostgreSQL every hit is an upsert, so that replicas count against one budget. A SQLite
//! file is served by one process (see docs/operations.md), and there the upsert was a write
//! transaction of its own before every write: one more turn in the queue of writers, which
//! measured 17-25 % of the rate of messages. So the counts live in this process's memory
//! ([`MemoryCounters`], the same rules), read from the table the first time a key is used (a
//! restart goes on from the stored counts), and every change is written within
//! [`FLUSH_AFTER`]: a crash forgets at most that last second of counting. Stores opened on the
//! same file in one process share one set of counters.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use ticketing_app::MemoryCounters;

/// How long after a change the counters are written.
pub(crate) const FLUSH_AFTER: Duration = Duration::from_secs(1);

/// The counters of one database file in this process.
#[derive(Debug, Default)]
pub(crate) struct LocalCounters {
    /// The counts (the truth while the process runs).
    pub(crate) memory: MemoryCounters,
    state: Mutex<State>,
    /// Held while the counts are written, so that two writes never reorder.
    pub(crate) flushing: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct State {
    /// Keys read from the table already (or known to be absent from it).
    loaded: HashSet<String>,
    /// Keys changed since they were last written.
    dirty: HashSet<String>,
    /// A write is scheduled.
    scheduled: bool,
}

impl LocalCounters {
    /// The counters of the database file at `path`, shared by every store of this process on
    /// that file.
    pub(crate) fn of(path: &Path) -> Arc<LocalCounters> {
        static OPEN: Mutex<Option<HashMap<PathBuf, Weak<LocalCounters>>>> = Mutex::new(None);
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
        let open = open.get_or_insert_with(HashMap::new);
        open.retain(|_, c| c.strong_count() > 0);
        if let Some(found) = open.get(&key).and_then(Weak::upgrade) {
            return found;
        }
        let counters = Arc::new(LocalCounters::default());
        open.insert(key, Arc::downgrade(&counters));
        counters
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The keys of `keys` not read from the table yet.
    pub(crate) fn unloaded(&self, keys: &[String]) -> Vec<String> {
        let state = self.state();
        keys.iter()
            .filter(|k| !state.loaded.contains(*k))
            .cloned()
            .collect()
    }

    /// Records that `keys` were read from the table.
    pub(crate) fn loaded(&self, keys: Vec<String>) {
        self.state().loaded.extend(keys);
    }

    /// Marks `keys` as changed; true when the caller must schedule a write (none is).
    pub(crate) fn changed<'a>(&self, keys: impl IntoIterator<Item = &'a String>) -> bool {
        let mut state = self.state();
        state.dirty.extend(keys.into_iter().cloned());
        !std::mem::replace(&mut state.scheduled, true)
    }

    /// The keys changed since the last write, each with its count now (`None`: forgotten or
    /// pruned, to be deleted); clears the marks.
    pub(crate) fn take_changes(&self) -> Vec<(String, Option<ticketing_app::ports::WindowCount>)> {
        let keys: Vec<String> = {
            let mut state = self.state();
            state.scheduled = false;
            state.dirty.drain().collect()
        };
        keys.into_iter()
            .map(|k| {
                let count = self.memory.get(&k);
                (k, count)
            })
            .collect()
    }
}
