//! Waking this process's event readers: a counter that changes after every commit that appended
//! events (both stores), and on PostgreSQL also when another process's commit did (`LISTEN`,
//! `postgres/listen.rs`). Readers treat it as a hint and poll as well.

use tokio::sync::watch;

/// The wake-up signal of one store (shared by its clones).
#[derive(Debug)]
pub(crate) struct Wake {
    tx: watch::Sender<u64>,
}

impl Wake {
    pub(crate) fn new() -> Self {
        Self {
            tx: watch::channel(0).0,
        }
    }

    /// Wakes every receiver (a no-op without any).
    pub(crate) fn signal(&self) {
        self.tx.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that sees every later signal.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.tx.subscribe()
    }
}
