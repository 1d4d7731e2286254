//! Running diesel, which blocks, off the async workers: both stores hand their pooled
//! connection work to [`blocking`], SQLite's through a [`Gate`].

use std::sync::Arc;

use ticketing_app::RepoError;
use tokio::runtime::{Handle, Runtime};

use crate::error::DbResult;

/// The default number of pooled connections of both stores: twice the number of CPUs, at least
/// 4. More only queue inside the database (PostgreSQL, docs/benchmarks) or hold more threads,
/// page caches and allocator heaps for no more throughput (SQLite: 4 connections served 16
/// concurrent searches at 1M tickets as fast as 8, with 20-60 MB less peak RSS).
pub(crate) fn default_pool_size() -> u32 {
    let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    u32::try_from(cpus * 2).unwrap_or(u32::MAX).max(4)
}

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
    blocking_on(&Handle::current(), database, f).await
}

/// [`blocking`] on the blocking pool of the runtime `home`.
async fn blocking_on<T, F>(home: &Handle, database: &'static str, f: F) -> Result<T, RepoError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, RepoError> + Send + 'static,
{
    let span = tracing::Span::current();
    home.spawn_blocking(move || {
        let _entered = span.enter();
        f()
    })
    .await
    .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("{database} task failed: {e}")))?
}

/// The threads of a store's tasks: at most as many at once as its pool has connections, the
/// others wait as futures, not on a thread of their own blocked inside the pool's checkout. The
/// threads are the blocking pool of a runtime of the gate's own (`max_blocking_threads`, idle
/// ones stop after 10 s), whichever runtime asks: tokio's shared blocking pool starts a thread
/// for every task that finds none idle, and actix-web runs one runtime per worker, each with
/// its own pool, so 16 concurrent searches on SQLite kept 20-35 threads, each with its own
/// allocator heaps holding SQLite's and our memory (docs/benchmarks/README.md). The PostgreSQL
/// store is not gated: its checkout timeout is how an outage becomes a 503 within the
/// configured time.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    /// The runtime whose blocking pool runs the tasks; valid while `_threads` lives.
    home: Handle,
    _threads: Arc<Threads>,
}

/// The gate's runtime, shut down without waiting when the last store is dropped (dropping a
/// runtime waits for its threads, which an async context must not).
#[derive(Debug)]
struct Threads(Option<Runtime>);

impl Drop for Threads {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Gate {
    /// A gate letting `tasks` tasks run at once (a pool's `max_size`, at least one) on threads
    /// named `name`.
    pub(crate) fn new(tasks: u32, name: &str) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(usize::try_from(tasks).unwrap_or(1).max(1))
            .thread_name(name)
            .build()?;
        Ok(Gate {
            home: runtime.handle().clone(),
            _threads: Arc::new(Threads(Some(runtime))),
        })
    }

    /// [`blocking`] on one of the gate's threads, once one is free.
    pub(crate) async fn blocking<T, F>(&self, database: &'static str, f: F) -> Result<T, RepoError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, RepoError> + Send + 'static,
    {
        blocking_on(&self.home, database, f).await
    }

    /// Runs `f` on one of the gate's threads, once one is free, without waiting for it.
    pub(crate) fn detach(&self, f: impl FnOnce() + Send + 'static) {
        drop(self.home.spawn_blocking(f));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_gate_runs_at_most_its_number_of_tasks_at_once() {
        let gate = Gate::new(2, "gate-test").unwrap();
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
                    Ok(std::thread::current().name().map(str::to_owned))
                })
                .await
            })
        });
        for t in tasks.collect::<Vec<_>>() {
            let name = t.await.expect("joined").expect("ran");
            assert_eq!(name.as_deref(), Some("gate-test"));
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    /// A detached task runs on the gate's threads too, without anyone waiting for it.
    #[test]
    fn a_detached_task_runs_on_the_gates_threads() {
        let gate = Gate::new(1, "gate-detach").unwrap();
        let (sent, received) = std::sync::mpsc::channel();
        gate.detach(move || {
            let me = std::thread::current();
            sent.send(me.name().map(str::to_owned)).unwrap();
        });
        let name = received.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(name.as_deref(), Some("gate-detach"));
    }

    /// Whichever runtime asks, the tasks run on the gate's threads, at most its number of them
    /// (tokio's shared pool would start one per waiting task).
    #[test]
    fn a_gate_keeps_its_threads_whichever_runtime_asks() {
        let gate = Gate::new(2, "gate-own").unwrap();
        let names = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
        let workers = (0..3).map(|_| {
            let (gate, names) = (gate.clone(), Arc::clone(&names));
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .thread_name("other")
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let tasks = (0..4).map(|_| {
                        let names = Arc::clone(&names);
                        gate.blocking("test", move || {
                            std::thread::sleep(Duration::from_millis(10));
                            let me = std::thread::current();
                            let id = format!("{:?} {:?}", me.name(), me.id());
                            names.lock().unwrap().insert(id);
                            Ok(())
                        })
                    });
                    for t in tasks {
                        t.await.expect("ran");
                    }
                });
            })
        });
        for w in workers.collect::<Vec<_>>() {
            w.join().unwrap();
        }
        let names = names.lock().unwrap();
        assert!(names.len() <= 2, "threads: {names:?}");
        assert!(
            names.iter().all(|n| n.starts_with("Some(\"gate-own\")")),
            "threads: {names:?}"
        );
    }
}
