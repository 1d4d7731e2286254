//! The store handle: opening, pragmas, migrations and the blocking-task runner.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, HandleError, Pool};
use diesel::{Connection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use ticketing_app::RepoError;
use ticketing_app::metrics;

use super::DATABASE;
use super::error::{StoreError, pool_error, translate};
use super::queries::Counting;
use crate::local_counters::LocalCounters;
use crate::run::{Gate, Work};
use crate::wake::Wake;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Tuning of the SQLite store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Connections in the pool (default twice the number of CPUs, at least 4), each with its
    /// own page cache and thread. SQLite runs one writer at a time; readers run in parallel
    /// thanks to WAL.
    pub pool_size: u32,
    /// How long a statement waits for a lock held by another connection before giving up with
    /// `Unavailable` (default 5 s). Also bounds the wait for a free pooled connection.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            pool_size: crate::run::default_pool_size(),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The SQLite store: implements every repository port of `ticketing-app`. Cheap to clone (the
/// pool is shared).
#[derive(Clone)]
pub struct SqliteStore {
    pub(super) pool: Pool<ConnectionManager<SqliteConnection>>,
    /// As many blocking tasks at once as the pool has connections (see [`Gate`]).
    gate: Gate,
    path: Arc<PathBuf>,
    /// Writers of this process queue here, in order (see [`SqliteStore::write`]).
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Wakes this process's event readers after a commit that appended events.
    wake: Arc<Wake>,
    /// Write transactions committed by this process: every [`CHECKPOINT_EVERY`]th commit starts
    /// a checkpoint of the WAL in the background (see [`SqliteStore::write`]).
    commits: Arc<AtomicU64>,
    /// A background checkpoint is running.
    checkpointing: Arc<AtomicBool>,
    /// The limit counters of the file, counted in this process (see `local_counters.rs`).
    counters: Arc<LocalCounters>,
}

/// Commits between two background checkpoints of the WAL (a message writes some 10 to 20 pages;
/// 16 measured a lower p99 than 64 at the same rate of writes).
const CHECKPOINT_EVERY: u64 = 16;

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("pool", &self.pool.state())
            .finish()
    }
}

/// The path of a `sqlite://PATH` or `sqlite:PATH` URL (relative paths allowed, e.g.
/// `sqlite://./data/ticketing.db`; `sqlite:///var/lib/x.db` is absolute). `None` for another
/// scheme or an empty path. A `?query` suffix is ignored.
///
/// ```
/// use std::path::PathBuf;
/// use ticketing_store::sqlite::parse_url;
/// assert_eq!(parse_url("sqlite://./data/ticketing.db"), Some(PathBuf::from("./data/ticketing.db")));
/// assert_eq!(parse_url("sqlite:///var/lib/t.db"), Some(PathBuf::from("/var/lib/t.db")));
/// assert_eq!(parse_url("sqlite:t.db"), Some(PathBuf::from("t.db")));
/// assert_eq!(parse_url("postgres://localhost/db"), None);
/// assert_eq!(parse_url("sqlite://"), None);
/// ```
pub fn parse_url(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    (!path.is_empty()).then(|| PathBuf::from(path))
}

fn is_in_memory(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower == ":memory:"
        || lower.starts_with("file::memory:")
        || (lower.starts_with("file:") && lower.contains("mode=memory"))
}

/// The WAL size (in pages) at which a commit checkpoints by itself, inside SQLite's commit. The
/// store checkpoints in the background every [`CHECKPOINT_EVERY`] commits, so this is only the
/// bound of the WAL should they fall behind (SQLite's default, 1,000 pages, made every writer
/// wait for the checkpoint's disk flush of whichever commit crossed it).
const AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// A passive checkpoint of the WAL (copies committed pages into the database file, never waits
/// for or blocks a reader or a writer). A failure is logged: the next one, or SQLite's own at
/// [`AUTOCHECKPOINT_PAGES`], does the work.
fn checkpoint(conn: &mut SqliteConnection) {
    if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
        tracing::debug!(error = %e, "WAL checkpoint failed");
    }
}

/// Pragmas applied to every new connection.
#[derive(Debug, Clone, Copy)]
struct Pragmas {
    busy_timeout: Duration,
}

impl Pragmas {
    fn apply(&self, conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
        // busy_timeout first: switching to WAL needs a lock another connection may hold. SQLite
        // answers "database is locked" at once, without waiting, where waiting could deadlock
        // (two connections switching a new file to WAL together): try again until the timeout.
        let deadline = Instant::now() + self.busy_timeout;
        loop {
            let result = conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {};
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES};
                 PRAGMA foreign_keys = ON;",
                self.busy_timeout.as_millis()
            ));
            match result {
                Err(diesel::result::Error::DatabaseError(_, ref info))
                    if Instant::now() < deadline
                        && (info.message().contains("locked")
                            || info.message().contains("busy")) =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        self.apply(conn).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Reports pool failures through `tracing` instead of the `log` crate.
#[derive(Debug, Clone, Copy)]
struct TracingErrors;

impl HandleError<diesel::r2d2::Error> for TracingErrors {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        tracing::warn!(error = %error, "SQLite connection failed");
    }
}

impl SqliteStore {
    /// Opens (creating it and its parent directory when missing) the database file at `path`.
    /// Refuses `:memory:`. Does not migrate: call [`SqliteStore::migrate`].
    pub fn open(path: &Path, options: SqliteOptions) -> Result<SqliteStore, StoreError> {
        let bad = |reason: String| StoreError::BadPath {
            path: path.to_path_buf(),
            reason,
        };
        let text = path
            .to_str()
            .ok_or_else(|| bad("the path is not valid UTF-8".to_owned()))?;
        if text.trim().is_empty() {
            return Err(bad("the path is empty".to_owned()));
        }
        if is_in_memory(text) {
            return Err(StoreError::InMemoryRefused);
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| bad(format!("cannot create the parent directory: {e}")))?;
        }
        let pragmas = Pragmas {
            busy_timeout: options.busy_timeout,
        };
        // One connection now, so that a bad path or a file that is not a database fails here
        // with a clear message rather than at the first request.
        let mut probe = SqliteConnection::establish(text).map_err(|e| bad(e.to_string()))?;
        pragmas.apply(&mut probe).map_err(|e| bad(e.to_string()))?;
        drop(probe);

        let pool = Pool::builder()
            .max_size(options.pool_size.max(1))
            .min_idle(Some(0))
            // A connection to a local file does not go stale: no `SELECT 1` on every checkout.
            .test_on_check_out(false)
            .connection_timeout(options.busy_timeout.max(Duration::from_millis(250)))
            .error_handler(Box::new(TracingErrors))
            .connection_customizer(Box::new(pragmas))
            .build_unchecked(ConnectionManager::new(text));
        Ok(SqliteStore {
            gate: Gate::new(pool.max_size(), "sqlite")
                .map_err(|e| StoreError::Unavailable(format!("no threads for the queries: {e}")))?,
            pool,
            path: Arc::new(path.to_path_buf()),
            writer: Arc::new(tokio::sync::Mutex::new(())),
            wake: Arc::new(Wake::new()),
            commits: Arc::new(AtomicU64::new(0)),
            checkpointing: Arc::new(AtomicBool::new(false)),
            counters: LocalCounters::of(path),
        })
    }

    /// Applies the pending embedded migrations (from `migrations/sqlite/`) in one immediate
    /// transaction, so that two processes starting together apply them once, then fills in the
    /// username skeletons still missing (one statement per account) and runs `PRAGMA optimize`. Returns the names of the migrations applied now (empty when the schema
    /// was up to date).
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let applied = conn.immediate_transaction(|c| {
            let pending = c
                .pending_migrations(MIGRATIONS)
                .map_err(|e| MigrateFail(e.to_string()))?;
            let mut names = Vec::with_capacity(pending.len());
            for migration in &pending {
                let name = migration.name().to_string();
                c.run_migration(migration.as_ref())
                    .map_err(|e| MigrateFail(format!("{name}: {e}")))?;
                tracing::info!(migration = %name, "applied SQLite migration");
                names.push(name);
            }
            Ok::<_, MigrateFail>(names)
        });
        let applied = applied.map_err(|MigrateFail(m)| StoreError::Migration(m))?;
        // Stored accounts without a username skeleton (see the `audit_log` migration).
        let (filled, left) = super::queries::backfill_username_skeletons(&mut conn)
            .map_err(|e| StoreError::Migration(format!("username skeletons: {e:?}")))?;
        if filled + left > 0 {
            tracing::info!(filled, left, "computed username skeletons");
        }
        // Stored accounts without a search key (see the `user_must_change_password` migration).
        let filled = super::queries::backfill_search_keys(&mut conn)
            .map_err(|e| StoreError::Migration(format!("user search keys: {e:?}")))?;
        if filled > 0 {
            tracing::info!(filled, "computed user search keys");
        }
        // Tickets whose messages predate conversation search (the `conversation_search`
        // migration).
        let filled = super::queries::backfill_conversation_words(&mut conn)
            .map_err(|e| StoreError::Migration(format!("conversation words: {e:?}")))?;
        if filled > 0 {
            tracing::info!(filled, "indexed the words of stored conversations");
        }
        // Refresh the planner's statistics where they are stale (cheap when they are not).
        conn.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize;")
            .map_err(|e| StoreError::Migration(format!("PRAGMA optimize: {e}")))?;
        Ok(applied)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a pooled connection on the blocking thread pool, inside the caller's span.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl Work<SqliteConnection, T>,
    ) -> Result<T, RepoError> {
        let pool = self.pool.clone();
        self.gate
            .blocking(DATABASE, move || {
                let waited = Instant::now();
                let conn = pool.get();
                metrics::db_pool_checkout(waited.elapsed(), conn.is_ok());
                let mut conn = conn.map_err(|e| pool_error(&e))?;
                f(&mut conn).map_err(|e| e.into_repo(DATABASE, translate))
            })
            .await
    }

    /// Like [`SqliteStore::read`], inside one `BEGIN IMMEDIATE` transaction (the write lock is
    /// taken up front, so a transaction never fails half-way on an upgrade from a stale read).
    ///
    /// Writers of this process first queue, in order, on an async mutex: SQLite runs one writer
    /// at a time anyway, and its busy handler makes a waiting writer sleep in growing steps (up
    /// to 100 ms), which showed as a 100-250 ms p99 under concurrent writes. Writers of other
    /// processes still meet `busy_timeout`. Every [`CHECKPOINT_EVERY`]th commit starts a
    /// checkpoint of the WAL in the background, so that no writer waits for its disk flush.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl Work<SqliteConnection, T>,
    ) -> Result<T, RepoError> {
        let turn = Arc::clone(&self.writer).lock_owned().await;
        let wake = Arc::clone(&self.wake);
        let out = self
            .read(move |conn| {
                let out = conn.immediate_transaction(f);
                drop(turn);
                // A committed transaction that appended events wakes this process's readers.
                if super::queries::after_commit(out.is_ok()) != super::queries::AfterCommit::Nothing
                {
                    wake.signal();
                }
                out
            })
            .await;
        if out.is_ok() && self.commits.fetch_add(1, Ordering::Relaxed) % CHECKPOINT_EVERY == 0 {
            self.checkpoint_later();
        }
        out
    }

    /// A write that PostgreSQL's store sends as one statement, without a transaction around it
    /// (`PgStore::write_statement`): here the same as [`SqliteStore::write`] (its reads and
    /// statements cost no round trips).
    pub(crate) async fn write_statement<T: Send + 'static>(
        &self,
        f: impl Work<SqliteConnection, T>,
    ) -> Result<T, RepoError> {
        self.write(f).await
    }

    /// Checkpoints the WAL on a pooled connection in the background (no request waits for it),
    /// unless a checkpoint is still running; on the store's threads, like every other task.
    fn checkpoint_later(&self) {
        if self.checkpointing.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool = self.pool.clone();
        let running = Arc::clone(&self.checkpointing);
        self.gate.detach(move || {
            if let Ok(mut conn) = pool.get() {
                checkpoint(&mut conn);
            }
            running.store(false, Ordering::Release);
        });
    }

    /// The limit counters, counted in this process's memory (one process serves the file).
    pub(crate) fn counting(&self) -> Counting<'_> {
        Counting::Local(Arc::clone(&self.counters))
    }

    /// The wake-ups of the event readers (one process writes the file: no other source).
    pub(crate) fn wakeups(&self) -> tokio::sync::watch::Receiver<u64> {
        self.wake.subscribe()
    }

    /// No feed of user changes: one process serves the file, and its user cache sees its own
    /// writes (`UserRepository::user_changes`).
    pub(crate) fn user_feed(
        &self,
    ) -> Option<tokio::sync::broadcast::Receiver<ticketing_app::ports::UserChange>> {
        None
    }

    /// Nothing to watch (see [`SqliteStore::user_feed`]).
    pub(crate) fn watch_users(
        &self,
    ) -> Option<tokio::sync::broadcast::Receiver<ticketing_app::ports::UserChange>> {
        None
    }

    /// Nothing to wait for (see [`SqliteStore::user_feed`]).
    pub(crate) async fn relayed(
        &self,
        _user: ticketing_domain::UserId,
        _watch: Option<tokio::sync::broadcast::Receiver<ticketing_app::ports::UserChange>>,
    ) {
    }

    /// [`SqliteStore::write`]: SQLite in WAL mode with `synchronous = NORMAL` never waits for
    /// a disk flush at commit, so the login writes need no lighter variant (see
    /// `PgStore::write_unflushed`).
    pub(crate) async fn write_unflushed<T: Send + 'static>(
        &self,
        f: impl Work<SqliteConnection, T>,
    ) -> Result<T, RepoError> {
        self.write(f).await
    }

    /// Like [`SqliteStore::read`], inside one (deferred) transaction: several queries see one
    /// snapshot of the WAL (a page and its total agree), and other writers are not held up.
    pub(crate) async fn snapshot<T: Send + 'static>(
        &self,
        f: impl Work<SqliteConnection, T>,
    ) -> Result<T, RepoError> {
        self.read(move |conn| conn.transaction(f)).await
    }
}

/// A migration failure (the transaction's error type).
#[derive(Debug)]
struct MigrateFail(String);

impl From<diesel::result::Error> for MigrateFail {
    fn from(e: diesel::result::Error) -> Self {
        MigrateFail(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_in_memory_names() {
        assert!(is_in_memory(":memory:"));
        assert!(is_in_memory("file::memory:?cache=shared"));
        assert!(is_in_memory("file:x?mode=memory"));
        assert!(!is_in_memory("./data/ticketing.db"));
    }

    #[test]
    fn refuses_memory_and_reports_bad_paths() {
        let err = SqliteStore::open(Path::new(":memory:"), SqliteOptions::default());
        assert!(matches!(err, Err(StoreError::InMemoryRefused)));
        let err = SqliteStore::open(Path::new(""), SqliteOptions::default());
        assert!(matches!(err, Err(StoreError::BadPath { .. })));
    }
}
