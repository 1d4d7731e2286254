//! The store handle: the pool, migrations under an advisory lock, and the blocking-task runner.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, HandleError, Pool};
use diesel::{Connection, PgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use ticketing_app::RepoError;
use ticketing_app::metrics;

use super::DATABASE;
use super::error::{Redactor, StoreError, one_line, pool_error, translate};
use super::pool::Manager;
use super::queries::{AfterCommit, Counting, HitAnswer, HitRequest};
use crate::grouped::Grouped;
use crate::run::{Work, blocking};
use crate::wake::Wake;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// How long a write that changed a user's access waits for the listener to relay it.
const RELAY_WAIT: Duration = Duration::from_secs(2);

/// The key of the session-level advisory lock held while migrating ("ticketing" in ASCII).
const MIGRATION_LOCK: i64 = 0x7469_636b_6574_696e;

/// Tuning of the PostgreSQL store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// Connections in the pool (default: twice the number of CPUs, at least 4). More
    /// connections than the database can run at once only queue inside PostgreSQL: on a 2-core
    /// machine a pool of 10 served fewer requests, with a p99 ten times worse, than a pool of 4
    /// (docs/benchmarks).
    pub pool_size: u32,
    /// How long to wait for a new connection (libpq `connect_timeout`, at least 2 s) and for a
    /// free pooled connection (default 5 s). When it passes, calls fail with `Unavailable`.
    pub connect_timeout: Duration,
    /// Cache named prepared statements per connection (default). Turn it off behind a pooler in
    /// transaction mode (PgBouncer before 1.21): there the next transaction may run on another
    /// server connection, where a statement prepared on the first one does not exist. Unnamed
    /// statements are used then (one more parse per query).
    pub prepared_statements: bool,
    /// A direct connection to PostgreSQL (not through a pooler) for what needs a session of its
    /// own: the `LISTEN` of the event and user-change listener, and the advisory lock held while
    /// migrating. `None` (the default): the store's URL, right when it is PostgreSQL itself.
    /// Set it when the store's URL is a pooler in transaction mode (PgBouncer).
    pub direct_url: Option<String>,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            pool_size: crate::run::default_pool_size(),
            connect_timeout: Duration::from_secs(5),
            prepared_statements: true,
            direct_url: None,
        }
    }
}

/// The URL, kept out of `Debug`.
#[derive(Clone)]
struct Secret(String);

/// The PostgreSQL store: implements every repository port of `ticketing-app`. Cheap to clone
/// (the pool is shared).
#[derive(Clone)]
pub struct PgStore {
    pub(super) pool: Pool<Manager>,
    url: Secret,
    /// The direct URL (`PgOptions::direct_url`, else `url`).
    direct: Secret,
    redactor: Redactor,
    /// Wakes this process's event readers (see `outbox.rs`).
    wake: Arc<Wake>,
    /// Set once the `LISTEN` thread runs.
    listening: Arc<OnceLock<()>>,
    /// The numbering runs after commits ([`PgStore::number_committed`]).
    numbering: Arc<Numbering>,
    /// This process's limit counter hits, counted together (`queries/counters.rs`).
    hits: Arc<Grouped<HitRequest, HitAnswer>>,
}

/// The numbering runs of this process's writers ([`PgStore::number_committed`]).
#[derive(Debug, Default)]
struct Numbering {
    /// The committed writers waiting for a run; one run serves all of them.
    runs: Grouped<(), ()>,
    /// When this process last started a vacuum of the stage.
    vacuumed: std::sync::Mutex<Option<Instant>>,
    /// Whether a vacuum failed already (logged once).
    vacuum_failed: AtomicBool,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.redacted_url())
            .field("pool", &self.pool.state())
            .finish()
    }
}

/// Reports pool failures through `tracing`, password masked.
#[derive(Debug, Clone)]
struct TracingErrors(Redactor);

impl HandleError<diesel::r2d2::Error> for TracingErrors {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        let message = self.0.clean(&one_line(&error.to_string()));
        tracing::warn!(error = %message, "PostgreSQL connection failed");
    }
}

/// `url` with a libpq `connect_timeout` (whole seconds, at least 2) unless it has one.
fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let secs = timeout.as_secs_f64().ceil().max(2.0) as u64;
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={secs}")
}

impl PgStore {
    /// Prepares a pool for `url` (`postgres://` or `postgresql://`). Connects lazily: this never
    /// waits for the server; an unreachable server shows up as `StoreError::Unreachable` from
    /// [`PgStore::migrate`] and as `RepoError::Unavailable` from the ports.
    pub fn connect(url: &str, options: PgOptions) -> Result<PgStore, StoreError> {
        let mut redactor = Redactor::for_url(url);
        let is_postgres = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
        if !is_postgres(url) {
            return Err(StoreError::InvalidUrl(
                "expected a postgres:// or postgresql:// URL".to_owned(),
            ));
        }
        if let Some(direct) = &options.direct_url {
            redactor = redactor.and_url(direct);
            if !is_postgres(direct) {
                return Err(StoreError::InvalidUrl(
                    "expected a postgres:// or postgresql:// URL for the direct connection"
                        .to_owned(),
                ));
            }
        }
        let direct = with_connect_timeout(
            options.direct_url.as_deref().unwrap_or(url),
            options.connect_timeout,
        );
        let url = with_connect_timeout(url, options.connect_timeout);
        let pool = Pool::builder()
            .max_size(options.pool_size.max(1))
            .min_idle(Some(0))
            .connection_timeout(options.connect_timeout.max(Duration::from_millis(250)))
            .error_handler(Box::new(TracingErrors(redactor.clone())))
            .build_unchecked(Manager {
                inner: ConnectionManager::new(url.clone()),
                prepared_statements: options.prepared_statements,
            });
        Ok(PgStore {
            pool,
            url: Secret(url),
            direct: Secret(direct),
            redactor,
            wake: Arc::new(Wake::new()),
            listening: Arc::new(OnceLock::new()),
            numbering: Arc::new(Numbering::default()),
            hits: Arc::default(),
        })
    }

    /// The URL with its password masked (for logs).
    pub fn redacted_url(&self) -> String {
        self.redactor.clean(&self.url.0)
    }

    fn unreachable(&self, e: impl fmt::Display) -> StoreError {
        StoreError::Unreachable {
            target: self.redacted_url(),
            reason: self.redactor.clean(&one_line(&e.to_string())),
        }
    }

    /// Applies the pending embedded migrations (from `migrations/postgres/`), each in its own
    /// transaction, while holding a PostgreSQL advisory lock on a dedicated connection (to the
    /// direct URL: a session lock needs a session, which a transaction-mode pooler does not
    /// keep): replicas
    /// starting together wait for each other and apply each migration once; then, still under
    /// the lock, fills in the username skeletons and user search keys still missing. Returns the names
    /// of the migrations applied by this call (empty when the schema was up to date).
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = PgConnection::establish(&self.direct.0).map_err(|e| self.unreachable(e))?;
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            .map_err(|e| self.unreachable(e))?;
        let outcome = run_pending(&mut conn).and_then(|applied| {
            // Stored accounts without a username skeleton (see the `audit_log` migration), still
            // under the lock, one statement per account.
            let (filled, left) = super::queries::backfill_username_skeletons(&mut conn)
                .map_err(|e| format!("username skeletons: {e:?}"))?;
            if filled + left > 0 {
                tracing::info!(filled, left, "computed username skeletons");
            }
            // Stored accounts without a search key (see the `user_must_change_password`
            // migration).
            let filled = super::queries::backfill_search_keys(&mut conn)
                .map_err(|e| format!("user search keys: {e:?}"))?;
            if filled > 0 {
                tracing::info!(filled, "computed user search keys");
            }
            // Tickets whose messages predate conversation search (the `conversation_search`
            // migration).
            let filled = super::queries::backfill_conversation_words(&mut conn)
                .map_err(|e| format!("conversation words: {e:?}"))?;
            if filled > 0 {
                tracing::info!(filled, "indexed the words of stored conversations");
            }
            Ok(applied)
        });
        // Closing the connection releases the lock too; unlock explicitly all the same.
        let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
        outcome.map_err(|m| StoreError::Migration(self.redactor.clean(&one_line(&m))))
    }

    /// In the table: every hit, for every replica, this process's concurrent hits together
    /// (see `queries/counters.rs`).
    pub(crate) fn counting(&self) -> Counting<'_> {
        Counting::Table(&self.hits)
    }

    /// Runs `f` on a pooled connection on the blocking thread pool, inside the caller's span.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl Work<PgConnection, T>,
    ) -> Result<T, RepoError> {
        let pool = self.pool.clone();
        let redactor = self.redactor.clone();
        blocking(DATABASE, move || {
            let waited = Instant::now();
            let conn = pool.get();
            metrics::db_pool_checkout(waited.elapsed(), conn.is_ok());
            let mut conn = conn.map_err(|e| pool_error(&e, &redactor))?;
            let out = f(&mut conn.conn).map_err(|e| e.into_repo(DATABASE, translate));
            conn.record(out.is_ok(), matches!(out, Err(RepoError::Unavailable(_))));
            out
        })
        .await
    }

    /// Like [`PgStore::read`], inside one transaction (read committed; writes are guarded by
    /// row conditions such as the expected version). A committed transaction that staged
    /// events returns once they are numbered ([`PgStore::number_committed`]); one that only
    /// asked for a wake-up wakes this process's readers.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl Work<PgConnection, T>,
    ) -> Result<T, RepoError> {
        self.write_as(f, true).await
    }

    /// Like [`PgStore::write`] for a write of **one statement** (`batch::Tail::run_after` or
    /// `run_returning`: a message, a file, a new ticket), which is atomic by itself: no `BEGIN` and `COMMIT` around it, two round
    /// trips fewer. `f` must run exactly one statement that writes; a second one would commit
    /// on its own.
    pub(crate) async fn write_statement<T: Send + 'static>(
        &self,
        f: impl Work<PgConnection, T>,
    ) -> Result<T, RepoError> {
        self.write_as(f, false).await
    }

    async fn write_as<T: Send + 'static>(
        &self,
        f: impl Work<PgConnection, T>,
        transaction: bool,
    ) -> Result<T, RepoError> {
        // What is left after the commit is taken on the thread that ran the transaction; a
        // transaction that failed left nothing.
        let (out, left) = self
            .read(move |conn| {
                let out = if transaction {
                    conn.transaction(f)
                } else {
                    f(conn)
                };
                let left = super::queries::after_commit(out.is_ok());
                out.map(|out| (out, left))
            })
            .await?;
        match left {
            AfterCommit::Number => self.number_committed().await,
            AfterCommit::Wake => self.wake.signal(),
            AfterCommit::Nothing => {}
        }
        Ok(out)
    }

    /// Numbers the events staged by every transaction of this process committed so far, then
    /// wakes this process's readers: one numbering run (`outbox::number_staged`, a short
    /// transaction on a pooled connection) serves every writer that committed before it started
    /// ([`Grouped`]: writers that commit while a run is under way queue for the next one, which
    /// the first of them starts). Under load this is one run for many writes instead of one each
    /// (each run also queued on the numbering lock). A failed run is logged and counts as done:
    /// the events stay staged and the listener numbers them within a second.
    async fn number_committed(&self) {
        let store = self.clone();
        // Queued after the commit: the run that serves it starts later and sees it.
        self.numbering
            .runs
            .call((), move |writers| async move {
                if let Err(e) = store.read(super::outbox::number_staged).await {
                    tracing::warn!(error = %e, "could not number the events just committed; they stay staged and are numbered within a second");
                }
                store.wake.signal();
                store.vacuum_stage_later();
                vec![(); writers.len()]
            })
            .await;
    }

    /// Vacuums the stage in the background (`outbox::vacuum_stage`), unless this process did
    /// less than [`outbox::VACUUM_EVERY`] ago; nobody waits for it. A failure (a role that may
    /// not vacuum the table) is logged once: numbering still works, only slower.
    fn vacuum_stage_later(&self) {
        {
            let mut last = self
                .numbering
                .vacuumed
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < super::outbox::VACUUM_EVERY) {
                return;
            }
            *last = Some(Instant::now());
        }
        let store = self.clone();
        tokio::spawn(async move {
            if let Err(e) = store.read(super::outbox::vacuum_stage).await
                && !store.numbering.vacuum_failed.swap(true, Ordering::Relaxed)
            {
                tracing::warn!(error = %e, "cannot vacuum the staged events; numbering them slows down as dead rows pile up");
            }
        });
    }

    /// The wake-ups of the event readers; the first call starts the `LISTEN` thread that
    /// brings other processes' commits.
    pub(crate) fn wakeups(&self) -> tokio::sync::watch::Receiver<u64> {
        self.listen();
        self.wake.subscribe()
    }

    /// Starts the `LISTEN` thread (on the direct URL) unless it runs.
    fn listen(&self) {
        self.listening.get_or_init(|| {
            super::outbox::spawn_listener(
                self.direct.0.clone(),
                self.redactor.clone(),
                Arc::downgrade(&self.wake),
            );
        });
    }

    /// The changes of users committed by any process (`UserRepository::user_changes`); starts
    /// the `LISTEN` thread.
    pub(crate) fn user_feed(
        &self,
    ) -> Option<tokio::sync::broadcast::Receiver<ticketing_app::ports::UserChange>> {
        self.listen();
        Some(self.wake.user_changes())
    }

    /// Before a write that changes a user's access: a receiver of the relayed changes, when this
    /// process listens (see [`PgStore::relayed`]).
    pub(crate) fn watch_users(
        &self,
    ) -> Option<tokio::sync::broadcast::Receiver<ticketing_app::ports::UserChange>> {
        self.listening.get().map(|()| self.wake.user_changes())
    }

    /// After a committed write that changed `user`'s access (deactivation, role, password,
    /// token epoch): waits until this process's listener relayed the change (at most
    /// [`RELAY_WAIT`]), then for the poll interval of the listeners twice. PostgreSQL delivers
    /// a notification to every listener at the commit, so by then every other process's
    /// listener has relayed it too and its user cache has dropped the user: the change applies
    /// to the next request on every replica, not only within the cache's lifetime.
    pub(crate) async fn relayed(
        &self,
        user: ticketing_domain::UserId,
        watch: Option<tokio::sync::broadcast::Receiver<ticketing_app::ports::UserChange>>,
    ) {
        use ticketing_app::ports::UserChange;
        use tokio::sync::broadcast::error::RecvError;
        let Some(mut rx) = watch else {
            return;
        };
        let seen = tokio::time::timeout(RELAY_WAIT, async {
            loop {
                match rx.recv().await {
                    Ok(UserChange::One(id)) if id == user => return true,
                    // The listener (re)connected: every cache here was cleared, and the other
                    // processes' listeners, connected at the commit, got the notification.
                    Ok(UserChange::Any) | Err(RecvError::Lagged(_)) => return true,
                    Ok(UserChange::One(_)) => {}
                    Err(RecvError::Closed) => return false,
                }
            }
        })
        .await;
        if seen == Ok(true) {
            tokio::time::sleep(super::outbox::POLL * 2).await;
        } else {
            tracing::warn!(%user, "the change of a user was not relayed by this process's listener in time: other replicas may serve the user from their cache for up to its lifetime");
        }
    }

    /// Like [`PgStore::write`], but the commit does not wait for the WAL flush
    /// (`synchronous_commit` off for this transaction only). For the writes of a login (last-login
    /// time, a new session): under a login storm those flushes held every pooled connection and
    /// other requests queued for one. A PostgreSQL crash may lose the last moments of such
    /// writes (those users log in again); nothing revoked can come back, since rotations and
    /// revocations use [`PgStore::write`].
    pub(crate) async fn write_unflushed<T: Send + 'static>(
        &self,
        f: impl Work<PgConnection, T>,
    ) -> Result<T, RepoError> {
        self.write(move |c| {
            c.batch_execute("SET LOCAL synchronous_commit TO OFF")?;
            f(c)
        })
        .await
    }

    /// Like [`PgStore::read`], in a read-only repeatable-read transaction: several queries see
    /// one snapshot (a page and its total agree).
    pub(crate) async fn snapshot<T: Send + 'static>(
        &self,
        f: impl Work<PgConnection, T>,
    ) -> Result<T, RepoError> {
        self.read(move |conn| {
            conn.build_transaction()
                .read_only()
                .repeatable_read()
                .run(f)
        })
        .await
    }
}

fn run_pending(conn: &mut PgConnection) -> Result<Vec<String>, String> {
    let pending = conn
        .pending_migrations(MIGRATIONS)
        .map_err(|e| e.to_string())?;
    let mut names = Vec::with_capacity(pending.len());
    for migration in &pending {
        let name = migration.name().to_string();
        conn.run_migration(migration.as_ref())
            .map_err(|e| format!("{name}: {e}"))?;
        tracing::info!(migration = %name, "applied PostgreSQL migration");
        names.push(name);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TEST_DATABASE_URL`, or `None` (the test is skipped) unless
    /// `TICKETING_REQUIRE_POSTGRES=1`.
    fn test_url() -> Option<String> {
        let url = std::env::var("TEST_DATABASE_URL").ok();
        assert!(
            url.is_some() || std::env::var("TICKETING_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "TICKETING_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set"
        );
        url
    }

    /// What relaxes the WAL flush relaxes only its own transaction: `write_unflushed`, and the
    /// expression of a limit counter's hit (`locking::unflushed_one`) in a statement run outside
    /// a transaction. The pooled connection (a pool of one, so the very same connection) is back
    /// to synchronous commits for the next statement.
    #[tokio::test]
    async fn unflushed_writes_do_not_leak_their_setting() {
        use diesel::RunQueryDsl;
        use diesel::dsl::sql;
        use diesel::sql_types::Text;
        const SETTING: &str = "current_setting('synchronous_commit')";
        let Some(url) = test_url() else { return };
        let options = PgOptions {
            pool_size: 1,
            ..PgOptions::default()
        };
        let store = PgStore::connect(&url, options).unwrap_or_else(|e| panic!("{e}"));
        let setting = |c: &mut PgConnection| -> crate::error::DbResult<String> {
            Ok(diesel::select(sql::<Text>(SETTING)).get_result(c)?)
        };
        let inside = store.write_unflushed(setting).await;
        let after = store.write(setting).await;
        assert_eq!(inside.ok().as_deref(), Some("off"));
        assert_eq!(after.ok().as_deref(), Some("on"));

        let one = |c: &mut PgConnection| -> crate::error::DbResult<(i32, String)> {
            let unflushed = super::super::locking::unflushed_one();
            Ok(diesel::select((unflushed, sql::<Text>(SETTING))).get_result(c)?)
        };
        let inside = store.read(one).await;
        let after = store.read(setting).await;
        assert_eq!(inside.ok(), Some((1, "off".to_owned())));
        assert_eq!(after.ok().as_deref(), Some("on"));
    }

    /// Without the prepared-statement cache (PgBouncer in transaction mode) no named statement
    /// is left on the server connection; with it (the default) the same query leaves one.
    #[tokio::test]
    async fn the_prepared_statement_cache_can_be_turned_off() {
        diesel::table! {
            pg_database (datname) {
                datname -> Text,
            }
        }
        let Some(url) = test_url() else { return };
        let prepared_after_a_query = |prepared_statements: bool| {
            let url = url.clone();
            async move {
                let options = PgOptions {
                    pool_size: 1,
                    prepared_statements,
                    ..PgOptions::default()
                };
                let store = PgStore::connect(&url, options).unwrap_or_else(|e| panic!("{e}"));
                store
                    .read(|c| {
                        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
                        for _ in 0..2 {
                            pg_database::table
                                .filter(pg_database::datname.eq("no such database"))
                                .count()
                                .get_result::<i64>(c)?;
                        }
                        Ok(
                            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                                "(SELECT count(*) FROM pg_prepared_statements)",
                            ))
                            .get_result::<i64>(c)?,
                        )
                    })
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        assert_eq!(prepared_after_a_query(false).await, 0);
        assert!(
            prepared_after_a_query(true).await > 0,
            "the cache is on by default"
        );
    }

    #[test]
    fn adds_a_connect_timeout() {
        let t = Duration::from_millis(500);
        assert_eq!(
            with_connect_timeout("postgres://h/db", t),
            "postgres://h/db?connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=disable", Duration::from_secs(7)),
            "postgres://h/db?sslmode=disable&connect_timeout=7"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=9", t),
            "postgres://h/db?connect_timeout=9"
        );
    }

    #[test]
    fn refuses_other_schemes_and_hides_the_password() {
        let err = PgStore::connect("mysql://u:pw@h/db", PgOptions::default());
        assert!(matches!(err, Err(StoreError::InvalidUrl(_))));
        let store = PgStore::connect("postgres://u:hunter2@h/db", PgOptions::default());
        let text = format!("{store:?}");
        assert!(!text.contains("hunter2") && text.contains("***"), "{text}");
    }
}
