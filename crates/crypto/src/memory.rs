//! Reused argon2 working memory.
//!
//! Each argon2id hash needs `m` KiB of working memory (19 MiB at the OWASP parameters). Letting
//! the argon2 crate allocate it per hash had two costs, both measured under a login storm: every
//! hash faulted 19 MiB of fresh pages in, and glibc, whose mmap threshold rises to the size of
//! the last freed mapping, then served those buffers from per-thread arenas that it never gave
//! back: the server grew to 1.7 GB after a few hundred logins.
//!
//! So the hasher keeps the buffers (at most one per concurrent hash: the hasher's semaphore
//! bounds them) and reuses them; buffers unused for [`IDLE`] are freed. Their capacity is above
//! glibc's largest mmap threshold (32 MiB), so they always get a mapping of their own and
//! freeing one returns it to the system (pages beyond the `m` KiB in use are never touched, so
//! they cost address space, not memory).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Block;

/// Buffers unused for this long are freed.
pub(crate) const IDLE: Duration = Duration::from_secs(10);

/// Capacity (in 1 KiB blocks) above glibc's maximum mmap threshold.
const MMAP_FLOOR_BLOCKS: usize = 33 * 1024;

/// Free buffers, each with the time it was last returned.
#[derive(Debug, Default)]
pub(crate) struct MemoryPool {
    free: Mutex<Vec<(Vec<Block>, Instant)>>,
}

impl MemoryPool {
    /// A buffer of at least `blocks` blocks: a free one, or a new one.
    pub(crate) fn take(&self, blocks: usize) -> Vec<Block> {
        let reused = {
            let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            free.iter()
                .position(|(b, _)| b.len() >= blocks)
                .map(|i| free.swap_remove(i).0)
        };
        reused.unwrap_or_else(|| {
            let mut buffer = Vec::with_capacity(blocks.max(MMAP_FLOOR_BLOCKS));
            buffer.resize(blocks, Block::default());
            buffer
        })
    }

    /// Returns a buffer for reuse.
    pub(crate) fn give(&self, buffer: Vec<Block>) {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        free.push((buffer, Instant::now()));
    }

    /// Frees the buffers unused for at least `idle`.
    pub(crate) fn trim(&self, idle: Duration) {
        let dropped: Vec<(Vec<Block>, Instant)> = {
            let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            let (old, keep): (Vec<_>, Vec<_>) =
                free.drain(..).partition(|(_, at)| at.elapsed() >= idle);
            *free = keep;
            old
        };
        drop(dropped);
    }

    /// How many free buffers are kept (tests).
    #[cfg(test)]
    pub(crate) fn kept(&self) -> usize {
        self.free.lock().map(|f| f.len()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_and_trims() {
        let pool = MemoryPool::default();
        let a = pool.take(8);
        assert_eq!(a.len(), 8);
        pool.give(a);
        let b = pool.take(4);
        assert_eq!(b.len(), 8, "the free buffer is reused");
        pool.give(b);
        pool.trim(Duration::from_secs(3600));
        assert_eq!(pool.kept(), 1);
        pool.trim(Duration::ZERO);
        assert_eq!(pool.kept(), 0);
    }
}
