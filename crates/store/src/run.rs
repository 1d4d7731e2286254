//! Running diesel, which blocks, off the async workers: both stores hand their pooled
//! connection work to [`blocking`], SQLite's through a [`Gate`].

use std::sync::Arc;

use ticketing_app::RepoError;
use tokio::sync::Semaphore;

use crate::error::DbResult;

/// Work on one connection `C` giving a `T`: what a store method runs on the blocking pool.
pub(crate) trait Work<C, T>: FnOnce(&mut C) -> DbResult<T> + Send + 'static {}

impl<C, T, F> Work<C, T> for F where F: FnOnce(&mut C) -> DbResult<T> + Send + 'static {}

/// Runs `f` on tokio's blocking pool, inside the caller's tracing span. A task that panicked is
/// `Unexpected`, naming `database`.
pub(crate) async fn blocking<T, F>(database: &'static str, f: F) -> Result<T, RepoError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, RepoError> + Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        f()
    })
    .await
    .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("{database} task failed: {e}")))?
}

/// At most as many tasks of a store on the blocking pool as it has connections: the others wait
/// here, as futures, instead of on a blocking thread inside the pool's checkout. Without it, 16
/// concurrent searches on SQLite kept 31-35 threads (one per waiting request), each with its
/// own allocator heaps; with it 24-28, and 10-20 MB less peak RSS (docs/benchmarks/README.md,
/// "Search at 1k, 100k and 1M"). The PostgreSQL store is not gated: its checkout timeout is how
/// an outage becomes a 503 within the configured time.
#[derive(Debug, Clone)]
pub(crate) struct Gate(Arc<Semaphore>);

impl Gate {
    /// A gate letting `tasks` tasks through at once (a pool's `max_size`, at least one).
    pub(crate) fn new(tasks: u32) -> Self {
        Gate(Arc::new(Semaphore::new(
            usize::try_from(tasks).unwrap_or(1).max(1),
        )))
    }

    /// [`blocking`], once a place is free.
    pub(crate) async fn blocking<T, F>(&self, database: &'static str, f: F) -> Result<T, RepoError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, RepoError> + Send + 'static,
    {
        // The semaphore is never closed.
        let place = Arc::clone(&self.0)
            .acquire_owned()
            .await
            .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("{database} gate closed: {e}")))?;
        // Held until the task has returned, so that the next task finds its thread idle (the
        // blocking pool starts a new thread for a task that finds none).
        let out = blocking(database, f).await;
        drop(place);
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_gate_runs_at_most_its_number_of_tasks_at_once() {
        let gate = Gate::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks = (0..8).map(|_| {
            let (gate, running, most) = (gate.clone(), Arc::clone(&running), Arc::clone(&most));
            tokio::spawn(async move {
                gate.blocking("test", move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })
                .await
            })
        });
        for t in tasks.collect::<Vec<_>>() {
            assert!(matches!(t.await, Ok(Ok(()))));
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
