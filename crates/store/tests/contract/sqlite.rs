//! The shared contract suite on SQLite (a fresh database file per test), plus SQLite-specific
//! tests: migrations, lock contention, the search tokenizer.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use ticketing_app::RepoError;
use ticketing_app::ports::UserRepository;
use ticketing_domain::{Role, UserId};
use ticketing_store::sqlite::{SqliteOptions, SqliteStore, StoreError};
use ticketing_store_contract::fixtures;
use ticketing_store_contract::{Fixture, store_contract_tests};

use super::{
    MIGRATIONS, add_every_letter, assert_concurrent_migrations_apply_once, assert_same_words,
};

struct SqliteFixture {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl Fixture for SqliteFixture {
    type Store = SqliteStore;
    fn store(&self) -> &SqliteStore {
        &self.store
    }
}

fn fixture_with(options: SqliteOptions) -> SqliteFixture {
    let dir = tempfile::tempdir().unwrap();
    // A missing parent directory is created.
    let store = SqliteStore::open(&dir.path().join("data").join("t.db"), options).unwrap();
    store.migrate().unwrap();
    SqliteFixture { store, _dir: dir }
}

fn fixture() -> Option<SqliteFixture> {
    Some(fixture_with(SqliteOptions::default()))
}

store_contract_tests!(fixture());

#[test]
fn migrating_twice_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    assert_eq!(store.migrate().unwrap(), MIGRATIONS);
    assert!(store.migrate().unwrap().is_empty());
    // Another process (another store on the same file) finds nothing to do either.
    let again = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    assert!(again.migrate().unwrap().is_empty());
}

#[test]
fn concurrent_migrations_apply_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    assert_concurrent_migrations_apply_once(move || {
        SqliteStore::open(&path, SqliteOptions::default())
            .unwrap()
            .migrate()
            .unwrap()
    });
}

#[test]
fn refuses_in_memory_databases_and_reports_bad_paths() {
    let err =
        SqliteStore::open(std::path::Path::new(":memory:"), SqliteOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::InMemoryRefused));
    assert!(err.to_string().contains("in-memory"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "not a directory").unwrap();
    let err = SqliteStore::open(&file.join("t.db"), SqliteOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::BadPath { .. }), "{err}");
    assert!(!err.to_string().contains('\n'));

    let not_db = dir.path().join("garbage.db");
    std::fs::write(&not_db, vec![b'x'; 4096]).unwrap();
    let err = SqliteStore::open(&not_db, SqliteOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::BadPath { .. }), "{err}");
}

#[test]
fn parses_urls() {
    use std::path::PathBuf;
    use ticketing_store::sqlite::parse_url;
    assert_eq!(
        parse_url("sqlite://./data/ticketing.db"),
        Some(PathBuf::from("./data/ticketing.db"))
    );
    assert_eq!(parse_url("sqlite:data.db"), Some(PathBuf::from("data.db")));
    assert_eq!(
        parse_url("sqlite:///tmp/x.db?mode=rwc"),
        Some(PathBuf::from("/tmp/x.db"))
    );
    assert_eq!(parse_url("postgres://h/db"), None);
    assert_eq!(parse_url("sqlite:"), None);
}

/// A database locked by someone else: a write gives `Unavailable` after the busy timeout, not
/// a hang and not an `Unexpected`.
#[tokio::test]
async fn a_locked_database_is_unavailable() {
    let f = fixture_with(SqliteOptions {
        pool_size: 2,
        busy_timeout: Duration::from_millis(300),
    });
    let path = f.store.path().to_str().unwrap().to_owned();
    let mut locker = SqliteConnection::establish(&path).unwrap();
    locker.batch_execute("BEGIN EXCLUSIVE").unwrap();
    let started = Instant::now();
    let u = fixtures::user("blocked", Role::Customer);
    let r = UserRepository::insert(&f.store, &u, "h", &[]).await;
    assert!(matches!(r, Err(RepoError::Unavailable(_))), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    locker.batch_execute("ROLLBACK").unwrap();
    UserRepository::insert(&f.store, &u, "h", &[])
        .await
        .unwrap();
    let missing = UserRepository::get(&f.store, UserId::from_uuid(uuid::Uuid::nil())).await;
    assert!(matches!(missing, Err(RepoError::NotFound)));
}

#[derive(QueryableByName)]
struct Term {
    #[diesel(sql_type = Text)]
    term: String,
}

/// For every letter and digit of Unicode, the FTS index holds exactly the words the domain's
/// tokenizer makes (no extra splitting, folding or accent removal).
#[tokio::test]
async fn the_fts_index_holds_exactly_the_domain_words() {
    let f = fixture();
    let f = f.as_ref().unwrap();
    let want = add_every_letter(f.store()).await;
    let mut conn = SqliteConnection::establish(f.store.path().to_str().unwrap()).unwrap();
    conn.batch_execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, tickets_fts, row)")
        .unwrap();
    let got: BTreeSet<String> = diesel::sql_query("SELECT term FROM temp.vocab")
        .load::<Term>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|t| t.term)
        .collect();
    assert_same_words(&want, &got);
}

raw_sql_checks! {
    fixture: fixture_with(SqliteOptions::default()),
    connect: |f| SqliteConnection::establish(f.store.path().to_str().unwrap()).unwrap(),
    new_id: "randomblob(16)",
    numbers_migration: (
        include_str!("../../../../migrations/sqlite/2025-01-01-000009_ticket_numbers/down.sql"),
        include_str!("../../../../migrations/sqlite/2025-01-01-000009_ticket_numbers/up.sql"),
    ),
    // Undone and redone with the later migration that rebuilds the search index from the words.
    conversation_migration: (
        concat!(
            include_str!("../../../../migrations/sqlite/2025-01-01-000021_search_lexemes/down.sql"),
            include_str!("../../../../migrations/sqlite/2025-01-01-000018_conversation_search/down.sql"),
        ),
        concat!(
            include_str!("../../../../migrations/sqlite/2025-01-01-000018_conversation_search/up.sql"),
            include_str!("../../../../migrations/sqlite/2025-01-01-000021_search_lexemes/up.sql"),
        ),
    ),
}

#[derive(QueryableByName)]
struct CompileOption {
    #[diesel(sql_type = Text)]
    compile_options: String,
}

/// The bundled SQLite is built without its global memory statistics and without memory
/// management (`.cargo/config.toml`): with the statistics, every allocation takes one
/// process-wide mutex that concurrent readers queue on; with memory management, every page
/// fetched from the connections' caches does.
#[test]
fn sqlite_is_built_without_memory_statistics_or_a_shared_page_cache() {
    let mut conn = SqliteConnection::establish(":memory:").unwrap();
    let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
        .load::<CompileOption>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|o| o.compile_options)
        .collect();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "compile options: {options:?}"
    );
    // With it, the page caches of all connections are one, behind one mutex.
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "compile options: {options:?}"
    );
}

/// The limit counters are counted in memory and written within a second: a restart (every store
/// of the file closed, a new one opened) goes on from the stored counts, and a key forgotten in
/// memory is deleted from the table too.
#[tokio::test]
async fn limit_counters_are_written_and_read_back_after_a_restart() {
    use ticketing_app::ports::CounterRepository;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let minute = Duration::from_secs(60);
    let keys = |k: &str| vec![k.to_owned()];
    let stored = |store: &SqliteStore| {
        let path = store.path().to_path_buf();
        move |key: &str| -> Option<i32> {
            let mut c = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            #[derive(QueryableByName)]
            struct Hits {
                #[diesel(sql_type = diesel::sql_types::Integer)]
                hits: i32,
            }
            diesel::sql_query("SELECT hits FROM limit_counters WHERE key = ?")
                .bind::<Text, _>(key)
                .get_result::<Hits>(&mut c)
                .optional()
                .unwrap()
                .map(|h| h.hits)
        }
    };
    let now = fixtures::t0();
    {
        let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
        store.migrate().unwrap();
        for _ in 0..3 {
            store.hit(&keys("kept"), minute, now).await.unwrap();
        }
        store.hit(&keys("gone"), minute, now).await.unwrap();
        let read = stored(&store);
        assert_eq!(read("kept"), None, "not written at once");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(read("kept"), Some(3), "written within a second");
        assert_eq!(read("gone"), Some(1));
        store.release(&[], &keys("gone")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(read("gone"), None, "a forgotten key is deleted");
    }
    let restarted = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    let counts = restarted
        .hit(&[keys("kept"), keys("gone")].concat(), minute, now)
        .await
        .unwrap();
    assert_eq!(
        counts.iter().map(|c| c.hits).collect::<Vec<_>>(),
        [4, 1],
        "the stored count goes on after a restart"
    );
}
