//! The threads that compute password hashes, at the lowest CPU priority.
//!
//! argon2id is expensive on purpose (tens of milliseconds of one core per hash at the OWASP
//! parameters). Run on tokio's blocking pool, a login storm took every core, and requests that
//! need a few microseconds of CPU (a list, a detail) waited behind the hashes. These threads run
//! at nice 19 instead: whenever an HTTP worker or a database thread wants a core it gets it
//! first, and hashing uses what is left, which is all of it when nothing else runs. So logins
//! are as fast as before on an idle server and cannot slow the rest down on a busy one.
//!
//! Where the priority cannot be lowered (another platform, a seccomp profile that forbids it)
//! the threads run at normal priority and a warning is logged once.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use ticketing_app::error::CryptoError;
use ticketing_app::metrics;

use crate::memory::IDLE;

/// A unit of work for a hashing thread.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// Called by a thread that waited [`IDLE`] without getting a job (to free cached memory).
pub(crate) type OnIdle = Box<dyn Fn() + Send + Sync + 'static>;

/// A fixed set of low-priority threads, started on first use.
pub(crate) struct Workers {
    name: &'static str,
    threads: usize,
    low_priority: bool,
    idle: Duration,
    on_idle: Arc<OnIdle>,
    sender: OnceLock<Result<Sender<Job>, String>>,
}

impl Workers {
    /// `threads` threads (at least one) named `name-N`; `low_priority` lowers their CPU priority
    /// to the minimum; `on_idle` runs when no job came for [`IDLE`].
    pub(crate) fn new(
        name: &'static str,
        threads: usize,
        low_priority: bool,
        on_idle: OnIdle,
    ) -> Self {
        Self::with_idle(name, threads, low_priority, IDLE, on_idle)
    }

    fn with_idle(
        name: &'static str,
        threads: usize,
        low_priority: bool,
        idle: Duration,
        on_idle: OnIdle,
    ) -> Self {
        Self {
            name,
            threads: threads.max(1),
            low_priority,
            idle,
            on_idle: Arc::new(on_idle),
            sender: OnceLock::new(),
        }
    }

    /// Queues `job` for the next free thread.
    pub(crate) fn submit(&self, job: Job) -> Result<(), CryptoError> {
        let sender = self
            .sender
            .get_or_init(|| self.start())
            .as_ref()
            .map_err(|e| CryptoError::Unexpected(anyhow!("password hashing threads: {e}")))?;
        sender
            .send(job)
            .map_err(|_| CryptoError::Unexpected(anyhow!("password hashing threads are gone")))
    }

    fn start(&self) -> Result<Sender<Job>, String> {
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..self.threads {
            let receiver = Arc::clone(&receiver);
            let (low_priority, idle, on_idle) =
                (self.low_priority, self.idle, Arc::clone(&self.on_idle));
            std::thread::Builder::new()
                .name(format!("{}-{i}", self.name))
                .spawn(move || {
                    if low_priority {
                        lower_priority();
                    }
                    serve(&receiver, idle, &on_idle);
                })
                .map_err(|e| format!("cannot start a thread: {e}"))?;
        }
        Ok(sender)
    }
}

/// Runs jobs until the sender is dropped, calling `on_idle` whenever no job came for `idle`
/// (the thread waiting for the queue does: one call per idle period, not one per thread). A
/// panicking job drops its reply channel (its caller gets an error) and leaves the thread serving.
/// The time of each job (one hash or verification) goes to the hashing-time histogram.
fn serve(receiver: &Mutex<Receiver<Job>>, idle: Duration, on_idle: &OnIdle) {
    loop {
        let job = {
            let guard = receiver.lock().unwrap_or_else(|p| p.into_inner());
            guard.recv_timeout(idle)
        };
        match job {
            Ok(job) => {
                let started = Instant::now();
                if catch_unwind(AssertUnwindSafe(job)).is_err() {
                    tracing::error!("a password hashing job panicked");
                }
                metrics::password_hash_done(started.elapsed());
            }
            Err(RecvTimeoutError::Timeout) => on_idle(),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn lower_priority() {
    static WARNED: OnceLock<()> = OnceLock::new();
    #[cfg(unix)]
    let outcome =
        thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
            .map_err(|e| format!("{e:?}"));
    #[cfg(not(unix))]
    let outcome: Result<(), String> = Err("not supported on this platform".to_owned());
    if let Err(e) = outcome {
        WARNED.get_or_init(|| {
            tracing::warn!(error = %e, "cannot lower the priority of the password hashing threads");
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run_on(workers: &Workers) -> std::thread::Thread {
        let (tx, rx) = std::sync::mpsc::channel();
        workers
            .submit(Box::new(move || {
                let _ = tx.send(std::thread::current());
            }))
            .unwrap();
        rx.recv().unwrap()
    }

    #[test]
    fn runs_jobs_on_named_threads_and_survives_a_panic() {
        let workers = Workers::new("argon2", 1, false, Box::new(|| {}));
        workers.submit(Box::new(|| panic!("boom"))).unwrap();
        let thread = run_on(&workers);
        assert_eq!(thread.name(), Some("argon2-0"));
    }

    /// The nice value in a `/proc/.../stat` file (Linux: field 19).
    #[cfg(target_os = "linux")]
    fn nice_in(path: &str) -> i64 {
        let stat = std::fs::read_to_string(path).unwrap();
        // The command name (field 2) may hold spaces: count from the closing paren.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        rest.split(' ').nth(16).unwrap().parse::<i64>().unwrap()
    }

    /// The nice value of the thread that runs a job (Linux: field 19 of /proc/thread-self/stat).
    #[cfg(target_os = "linux")]
    fn nice_of_a_job(workers: &Workers) -> i64 {
        let (tx, rx) = std::sync::mpsc::channel();
        workers
            .submit(Box::new(move || {
                let _ = tx.send(nice_in("/proc/thread-self/stat"));
            }))
            .unwrap();
        rx.recv().unwrap()
    }

    #[test]
    fn calls_on_idle_when_no_job_comes() {
        let (tx, rx) = std::sync::mpsc::channel();
        let tx = Mutex::new(tx);
        let workers = Workers::with_idle(
            "argon2",
            1,
            false,
            Duration::from_millis(20),
            Box::new(move || {
                let _ = tx.lock().unwrap().send(());
            }),
        );
        run_on(&workers);
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn hashing_threads_run_at_the_lowest_priority() {
        assert_eq!(
            nice_of_a_job(&Workers::new("argon2", 2, true, Box::new(|| {}))),
            19
        );
        // Without lowering, a job runs at the nice value it inherits (0 unless the test run
        // itself was started under `nice`).
        let inherited = nice_in("/proc/self/stat");
        assert_eq!(
            nice_of_a_job(&Workers::new("argon2", 1, false, Box::new(|| {}))),
            inherited
        );
    }
}
