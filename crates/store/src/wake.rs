//! Waking this process's event readers: a counter that changes after every commit that appended
//! events (both stores), and on PostgreSQL also when another process's commit did (`LISTEN`,
//! `postgres/outbox.rs`). Readers treat it as a hint and poll as well. On PostgreSQL the same
//! listener relays the changes of users committed by any process (`UserChange`), for the user
//! caches.

use ticketing_app::ports::UserChange;
use tokio::sync::{broadcast, watch};

/// How many user changes a slow cache may fall behind before it forgets every user.
const USER_CHANGES_BACKLOG: usize = 1024;

/// The wake-up signal of one store (shared by its clones).
#[derive(Debug)]
pub(crate) struct Wake {
    tx: watch::Sender<u64>,
    users: broadcast::Sender<UserChange>,
}

impl Wake {
    pub(crate) fn new() -> Self {
        Self {
            tx: watch::channel(0).0,
            users: broadcast::channel(USER_CHANGES_BACKLOG).0,
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

    /// Tells the user caches of this process about a change (a no-op without any).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn user_changed(&self, change: UserChange) {
        let _ = self.users.send(change);
    }

    /// A receiver of every later user change.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn user_changes(&self) -> broadcast::Receiver<UserChange> {
        self.users.subscribe()
    }
}
