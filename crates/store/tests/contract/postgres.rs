//! The shared contract suite on PostgreSQL, plus PostgreSQL-specific tests (migrations, an
//! unreachable server, the search lexemes).
//!
//! Needs `TEST_DATABASE_URL` (e.g. `postgres://postgres@127.0.0.1:5432/postgres`, a role that may
//! create databases). A template database (`stc_tpl_<fingerprint of the migrations>`) is
//! migrated once and shared by the test processes (nextest runs one per test); each test gets a
//! fresh database cloned from it (`CREATE DATABASE .. TEMPLATE ..`), dropped at the end. Without
//! the variable every test passes with a note on stderr, unless `TICKETING_REQUIRE_POSTGRES=1`
//! (CI), where the missing variable fails the tests.

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use ticketing_app::RepoError;
use ticketing_app::ports::{HealthCheck, UserRepository};
use ticketing_domain::Role;
use ticketing_store::postgres::{PgOptions, PgStore, StoreError};
use ticketing_store_contract::fixtures;
use ticketing_store_contract::{Fixture, store_contract_tests};

use super::{
    MIGRATIONS, add_every_letter, assert_concurrent_migrations_apply_once, assert_same_words,
};

const PREFIX: &str = "stc_";

/// The server URL from the environment, or `None` (skip) with a note; a failure when
/// PostgreSQL is required.
fn admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("TICKETING_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "TICKETING_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set"
            );
            eprintln!(
                "skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) \
                 to run the PostgreSQL store tests"
            );
            None
        }
    }
}

/// `url` pointing at database `name` instead.
fn db_url(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (scheme, rest) = base.split_once("://").unwrap();
    let authority = rest.split('/').next().unwrap();
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn admin(url: &str) -> PgConnection {
    PgConnection::establish(url).unwrap()
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Drops the per-test databases of test processes that are gone (killed before they could
/// clean up) and templates made from other migrations.
fn drop_leftovers(c: &mut PgConnection, template: &str) {
    let names: Vec<Name> = diesel::sql_query(format!(
        "SELECT datname AS name FROM pg_database WHERE datname LIKE '{PREFIX}%'"
    ))
    .load(c)
    .unwrap();
    for Name { name } in names {
        let stale = if name.starts_with(&format!("{PREFIX}tpl_")) {
            // Another set of migrations (another branch, another checkout) may be testing with
            // its template right now: only templates unused for a day go.
            name != template && built_long_ago(c, &name)
        } else {
            let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
            pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
        };
        if stale {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// Whether the template `name` was built more than a day ago (its comment holds the time it
/// was built; a template without one predates the comment and counts as old).
fn built_long_ago(c: &mut PgConnection, name: &str) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Built {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        built: Option<String>,
    }
    let built: Vec<Built> = diesel::sql_query(format!(
        "SELECT shobj_description(oid, 'pg_database') AS built FROM pg_database WHERE datname = '{name}'"
    ))
    .load(c)
    .unwrap();
    let built_at = built
        .first()
        .and_then(|b| b.built.as_deref())
        .and_then(|b| b.strip_prefix("built "))
        .and_then(|t| t.parse::<u64>().ok());
    match built_at {
        Some(at) => unix_now().saturating_sub(at) > 24 * 3600,
        None => true,
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A fingerprint of the PostgreSQL migrations (FNV-1a over names and contents): the template's
/// name, so that test processes share one template and a changed migration gets a new one.
fn migrations_fingerprint() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        for file in std::fs::read_dir(&dir).unwrap() {
            files.push(file.unwrap().path());
        }
    }
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let name = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for byte in name.bytes().chain(std::fs::read(&file).unwrap()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Serialises template creation between test processes (nextest runs one per test).
const TEMPLATE_LOCK: i64 = 0x7374_635f_7470_6c00;

static TEMPLATE: OnceLock<String> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database name unique to this process: `stc_<kind>_<pid>_<n>`.
fn unique_name(kind: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{PREFIX}{kind}_{}_{n}", std::process::id())
}

/// The migrated template database, shared by every test process of these migrations. Built
/// under another name and renamed when complete, so a killed builder leaves no half template.
fn template(url: &str) -> &'static str {
    TEMPLATE.get_or_init(|| {
        let name = format!("{PREFIX}tpl_{}", migrations_fingerprint());
        let mut c = admin(url);
        c.batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))
            .unwrap();
        drop_leftovers(&mut c, &name);
        let exists: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "(SELECT count(*) FROM pg_database WHERE datname = '{name}')"
        )))
        .get_result(&mut c)
        .unwrap();
        if exists == 0 {
            let building = unique_name("tplb");
            c.batch_execute(&format!("CREATE DATABASE \"{building}\""))
                .unwrap();
            let store = PgStore::connect(&db_url(url, &building), PgOptions::default()).unwrap();
            assert_eq!(store.migrate().unwrap(), MIGRATIONS);
            drop(store);
            c.batch_execute(&format!(
                "ALTER DATABASE \"{building}\" RENAME TO \"{name}\"; \
                 COMMENT ON DATABASE \"{name}\" IS 'built {}'",
                unix_now()
            ))
            .unwrap();
        }
        c.batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"))
            .unwrap();
        name
    })
}

/// A database of its own for one test, dropped (forcefully) when the fixture goes.
struct PgFixture {
    store: PgStore,
    url: String,
    db: String,
}

impl Fixture for PgFixture {
    type Store = PgStore;
    fn store(&self) -> &PgStore {
        &self.store
    }
}

impl Drop for PgFixture {
    fn drop(&mut self) {
        if let Ok(mut c) = PgConnection::establish(&self.url) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.db
            ));
        }
    }
}

fn empty_database(url: &str, template: Option<&str>) -> PgFixture {
    let db = unique_name(if template.is_some() { "t" } else { "e" });
    let sql = match template {
        Some(tpl) => format!("CREATE DATABASE \"{db}\" TEMPLATE \"{tpl}\""),
        None => format!("CREATE DATABASE \"{db}\""),
    };
    admin(url).batch_execute(&sql).unwrap();
    let store = PgStore::connect(&db_url(url, &db), PgOptions::default()).unwrap();
    PgFixture {
        store,
        url: url.to_owned(),
        db,
    }
}

fn fixture() -> Option<PgFixture> {
    let url = admin_url()?;
    let tpl = template(&url);
    Some(empty_database(&url, Some(tpl)))
}

store_contract_tests!(fixture());

#[test]
fn migrating_twice_is_a_no_op() {
    let Some(url) = admin_url() else { return };
    let f = empty_database(&url, None);
    assert_eq!(f.store.migrate().unwrap(), MIGRATIONS);
    assert!(f.store.migrate().unwrap().is_empty());
}

#[test]
fn concurrent_migrations_both_succeed_and_apply_once() {
    let Some(url) = admin_url() else { return };
    let f = empty_database(&url, None);
    let target = db_url(&url, &f.db);
    assert_concurrent_migrations_apply_once(move || {
        PgStore::connect(&target, PgOptions::default())
            .unwrap()
            .migrate()
            .unwrap()
    });
}

/// Nothing listens on port 1: building the store does not wait, `migrate` says unreachable,
/// the ports say `Unavailable` within the timeout, and the password shows nowhere.
#[tokio::test]
async fn an_unreachable_server_is_reported_quickly_without_the_password() {
    let url = "postgres://app:hunter2secret@127.0.0.1:1/ticketing";
    let options = PgOptions {
        pool_size: 2,
        connect_timeout: Duration::from_secs(2),
        ..PgOptions::default()
    };
    let started = Instant::now();
    let store = PgStore::connect(url, options).unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "connect must not wait"
    );
    assert!(!format!("{store:?}").contains("hunter2secret"));

    let err = store.migrate().unwrap_err();
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("hunter2secret"), "{text}");
    assert!(!err.to_string().contains('\n'), "{err}");

    let started = Instant::now();
    let r = HealthCheck::ping(&store).await;
    assert!(matches!(&r, Err(RepoError::Unavailable(_))), "{r:?}");
    assert!(!format!("{r:?}").contains("hunter2secret"));
    let u = fixtures::user("nobody", Role::Customer);
    let r = UserRepository::insert(&store, &u, "h", &[]).await;
    assert!(matches!(&r, Err(RepoError::Unavailable(_))), "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn refuses_other_url_schemes() {
    let err = PgStore::connect("sqlite://x.db", PgOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::InvalidUrl(_)), "{err:?}");
}

#[derive(QueryableByName)]
struct Lexeme {
    #[diesel(sql_type = Text)]
    lexeme: String,
}

/// For every letter and digit of Unicode, the lexemes are exactly the domain's words.
#[tokio::test]
async fn the_search_lexemes_are_exactly_the_domain_words() {
    let Some(f) = fixture() else { return };
    let want = add_every_letter(f.store()).await;
    let mut conn = PgConnection::establish(&db_url(&f.url, &f.db)).unwrap();
    let got: BTreeSet<String> = diesel::sql_query(
        "SELECT DISTINCT unnest(tsvector_to_array(lexemes)) AS lexeme FROM ticket_lexemes",
    )
    .load::<Lexeme>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|l| l.lexeme)
    .collect();
    drop(conn);
    assert_same_words(&want, &got);
}

/// A ticket's stored words and the row version (`xmin`) and lexemes of its `ticket_lexemes` row.
#[derive(QueryableByName, Debug, PartialEq)]
struct WordsAndLexemes {
    #[diesel(sql_type = Text)]
    conversation_text: String,
    #[diesel(sql_type = Text)]
    notes_text: String,
    #[diesel(sql_type = Text)]
    written_by: String,
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    lexemes: Vec<String>,
}

fn words_and_lexemes(conn: &mut PgConnection, ticket: uuid::Uuid) -> WordsAndLexemes {
    diesel::sql_query(
        "SELECT t.conversation_text, t.notes_text, l.xmin::text AS written_by, \
         tsvector_to_array(l.lexemes) AS lexemes \
         FROM tickets t JOIN ticket_lexemes l ON l.ticket_id = t.id WHERE t.id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(ticket)
    .get_result(conn)
    .unwrap()
}

/// The `UPDATE` of a message merges its words into the stored ones in SQL (`search::set_words`):
/// the result is what the Rust merge of the same bodies gives (`words::conversation_text`, also
/// the start-up backfill's): each word once, in the order it first appeared, cut to the stored
/// length, public messages and internal notes apart, a message with no new word leaving them as
/// they were. The ticket's lexemes (`ticket_lexemes`, kept by triggers) are its words after
/// every message, and their row is written again only by a message that brought new words.
#[tokio::test]
async fn messages_store_the_words_the_rust_merge_gives() {
    use ticketing_app::ports::MessageRepository;
    use ticketing_store::words::{MAX_WORD_BYTES, conversation_text};
    use ticketing_store_contract::fixtures::{add_ticket, add_user, at, message, ticket, touch};

    let Some(f) = fixture() else { return };
    let s = f.store();
    let customer = add_user(s, "customer", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    let mut t = ticket(&customer, "Words", "of a conversation", at(0));
    add_ticket(s, &mut t).await;
    let long = "ü".repeat(MAX_WORD_BYTES);
    let bodies = [
        ("Hello hello WORLD, world!", false),
        ("Internal: ask Zephyr about the world", true),
        ("world hello", false),
        ("Grüße, and a new word: printer", false),
        ("", false),
        (long.as_str(), false),
        ("printer again; hello world", false),
        ("zephyr ZEPHYR internal again", true),
    ];
    let mut conn = PgConnection::establish(&db_url(&f.url, &f.db)).unwrap();
    let mut rewrites = 0;
    for (i, (body, internal)) in bodies.iter().enumerate() {
        if body.is_empty() {
            continue;
        }
        let before = words_and_lexemes(&mut conn, t.id.as_uuid());
        let minute = i64::try_from(i).unwrap() + 1;
        let m = message(t.id, &agent, body, *internal, at(minute));
        let effect = touch(t.id, at(minute), u32::from(!internal), u32::from(*internal));
        MessageRepository::add(s, &m, &effect, &[], &[])
            .await
            .unwrap();
        let after = words_and_lexemes(&mut conn, t.id.as_uuid());
        let words_changed = (&before.conversation_text, &before.notes_text)
            != (&after.conversation_text, &after.notes_text);
        assert_eq!(
            before.written_by != after.written_by,
            words_changed,
            "message {i}: lexemes rewritten exactly when the words changed"
        );
        rewrites += usize::from(words_changed);
        let want: Vec<String> = format!(
            "words of a conversation {} {}",
            after.conversation_text, after.notes_text
        )
        .split_whitespace()
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
        let mut got = after.lexemes;
        got.sort();
        assert_eq!(got, want, "message {i}: the lexemes are the stored words");
    }
    assert_eq!(
        rewrites, 6,
        "one of the seven messages (\"world hello\") brings no new word"
    );
    let stored = words_and_lexemes(&mut conn, t.id.as_uuid());
    let of = |internal: bool| {
        conversation_text(
            bodies
                .iter()
                .filter(|(b, i)| *i == internal && !b.is_empty())
                .map(|(b, _)| *b),
        )
    };
    assert_eq!(stored.conversation_text, of(false));
    assert_eq!(stored.notes_text, of(true));
    assert!(
        stored.conversation_text.starts_with("hello world grüße"),
        "{}",
        stored.conversation_text
    );
}

raw_sql_checks! {
    fixture: match fixture() {
        Some(f) => f,
        None => return,
    },
    connect: |f| PgConnection::establish(&db_url(&f.url, &f.db)).unwrap(),
    new_id: "gen_random_uuid()",
    numbers_migration: (
        include_str!("../../../../migrations/postgres/2025-01-01-000009_ticket_numbers/down.sql"),
        include_str!("../../../../migrations/postgres/2025-01-01-000009_ticket_numbers/up.sql"),
    ),
    // Undone and redone with the later migration that rebuilds the search index from the words.
    conversation_migration: (
        concat!(
            include_str!("../../../../migrations/postgres/2025-01-01-000021_search_lexemes/down.sql"),
            include_str!("../../../../migrations/postgres/2025-01-01-000018_conversation_search/down.sql"),
        ),
        concat!(
            include_str!("../../../../migrations/postgres/2025-01-01-000018_conversation_search/up.sql"),
            include_str!("../../../../migrations/postgres/2025-01-01-000021_search_lexemes/up.sql"),
        ),
    ),
}

/// Events committed through one store (one replica) wake the readers of another store on the
/// same database (`LISTEN`/`NOTIFY`), soon; its reads then see them. A transaction that rolls
/// back notifies nobody.
#[tokio::test]
async fn another_stores_commits_wake_this_stores_readers() {
    use ticketing_app::ports::{EventRepository, TicketRepository};
    use ticketing_domain::{Action, Event, EventKind, event::TicketRemoved};

    let Some(f) = fixture() else { return };
    let other = PgStore::connect(&db_url(&f.url, &f.db), PgOptions::default()).unwrap();
    let mut rx = other.event_wakeups();
    // The listener wakes its readers once connected (events may have come in before).
    let _ = tokio::time::timeout(Duration::from_secs(5), rx.changed()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    rx.borrow_and_update();

    let owner = fixtures::add_user(f.store(), "owner", Role::Customer).await;
    let mut t = fixtures::ticket(&owner, "Replicas", "two of them", fixtures::t0());
    fixtures::add_ticket(f.store(), &mut t).await;
    let gone = |version: i64| {
        let event = Event::about_ticket(
            EventKind::TicketDeleted(TicketRemoved {}),
            &t,
            owner.id,
            fixtures::at(version),
            false,
        );
        let next = ticketing_domain::Ticket {
            version: version + 1,
            updated_at: fixtures::at(version),
            ..t.clone()
        };
        (next, event)
    };
    // Stale: rolled back, no notification.
    let (next, event) = gone(5);
    assert!(
        TicketRepository::update(f.store(), &next, 5, &[], &[event])
            .await
            .is_err()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!rx.has_changed().unwrap(), "a rollback notified");

    let (next, event) = gone(1);
    let created = fixtures::entry(t.id, Action::Updated, owner.id, false, fixtures::at(1));
    let started = Instant::now();
    TicketRepository::update(f.store(), &next, 1, &[created], &[event])
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(2), rx.changed())
        .await
        .expect("another store's commit wakes this store's readers")
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let seen = other.events_after(0, 10).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].event.type_name(), "ticket.deleted");
}

/// A store whose listener runs, a direct connection to its database, and the last event id
/// before `n` events were staged there by that connection (as a writer that died after its
/// commit leaves them).
async fn staged_behind_a_listener(f: &PgFixture, n: usize) -> (PgStore, PgConnection, i64) {
    use ticketing_app::ports::EventRepository;
    use ticketing_domain::{EventKind, event::TicketRemoved};

    let store = PgStore::connect(&db_url(&f.url, &f.db), PgOptions::default()).unwrap();
    let _rx = store.event_wakeups();
    let before = store.last_event_id().await.unwrap();
    let payload = serde_json::to_string(&EventKind::TicketDeleted(TicketRemoved {})).unwrap();
    let mut c = PgConnection::establish(&db_url(&f.url, &f.db)).unwrap();
    let rows = vec![format!("('ticket.deleted', now(), 'staff', '{payload}')"); n].join(", ");
    c.batch_execute(&format!(
        "INSERT INTO events_staged (type, at, visibility, payload) VALUES {rows}"
    ))
    .unwrap();
    (store, c, before)
}

/// Events a writer staged and never numbered (it died between its commit and the numbering, or
/// the numbering failed) are numbered by a listener within about a second, one transaction's
/// events together, and readers get them.
#[tokio::test]
async fn events_left_staged_are_numbered_by_the_listener() {
    use ticketing_app::ports::EventRepository;

    let Some(f) = fixture() else { return };
    let (other, mut c, before) = staged_behind_a_listener(&f, 2).await;
    let started = Instant::now();
    let seen = loop {
        let seen = other.events_after(before, 10).await.unwrap();
        if !seen.is_empty() {
            break seen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "still staged after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let ids: Vec<i64> = seen.iter().map(|e| e.id).collect();
    assert_eq!(ids, [before + 1, before + 2]);
    assert_eq!(other.last_event_id().await.unwrap(), before + 2);
    let left: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM events_staged)",
    ))
    .get_result(&mut c)
    .unwrap();
    assert_eq!(left, 0);
}

/// A numbering run vacuums the stage (in the background, at most once a second): the dead
/// rows that every numbering leaves behind (each staged row is deleted a moment after its
/// insert) are removed whether or not autovacuum runs (it is off on the CI machine's server,
/// and runs at most once a minute).
#[tokio::test]
async fn numbering_runs_vacuum_the_stage() {
    use ticketing_app::ports::TicketRepository;
    use ticketing_domain::{Event, EventKind, event::TicketRemoved};

    let Some(f) = fixture() else { return };
    let mut c = PgConnection::establish(&db_url(&f.url, &f.db)).unwrap();
    let count = |c: &mut PgConnection, sql: &str| -> i64 {
        c.batch_execute("SELECT pg_stat_clear_snapshot()").unwrap();
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(sql))
            .get_result(c)
            .unwrap()
    };
    let vacuums = |c: &mut PgConnection| {
        count(
            c,
            "(SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'events_staged')",
        )
    };
    let before = vacuums(&mut c);
    let owner = fixtures::add_user(f.store(), "owner", Role::Customer).await;
    let mut t = fixtures::ticket(&owner, "Vacuum", "the stage", fixtures::t0());
    fixtures::add_ticket(f.store(), &mut t).await;
    let event = Event::about_ticket(
        EventKind::TicketDeleted(TicketRemoved {}),
        &t,
        owner.id,
        fixtures::at(1),
        false,
    );
    let next = ticketing_domain::Ticket {
        version: 2,
        updated_at: fixtures::at(1),
        ..t.clone()
    };
    TicketRepository::update(f.store(), &next, 1, &[], &[event])
        .await
        .unwrap();
    let started = Instant::now();
    loop {
        let dead = count(
            &mut c,
            "(SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'events_staged')",
        );
        let left = count(&mut c, "(SELECT count(*) FROM events_staged)");
        if vacuums(&mut c) > before && dead == 0 && left == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "after {:?}: {} vacuums, {dead} dead rows, {left} staged",
            started.elapsed(),
            vacuums(&mut c) - before,
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every write that changes a user reaches another store's feed of user changes
/// (`NOTIFY ticketing_users` in the writing transaction, `LISTEN` in the other store) with the
/// user's id; a refused change sends nothing. The other store's pool URL leads nowhere: its
/// listener connects on the direct URL (`PgOptions::direct_url`), as behind PgBouncer.
#[tokio::test]
async fn user_changes_reach_other_stores_through_the_direct_url() {
    use ticketing_app::ports::{AccessChange, AccessOutcome, UserChange};

    let Some(f) = fixture() else { return };
    let options = PgOptions {
        direct_url: Some(db_url(&f.url, &f.db)),
        connect_timeout: Duration::from_secs(1),
        ..PgOptions::default()
    };
    let other = PgStore::connect("postgres://nobody@127.0.0.1:1/nowhere", options).unwrap();
    let mut rx = other.user_changes().expect("PostgreSQL has a feed");
    let next = |rx: &mut tokio::sync::broadcast::Receiver<UserChange>| {
        let mut rx = rx.resubscribe();
        async move {
            tokio::time::timeout(Duration::from_secs(3), rx.recv())
                .await
                .expect("a change within 3 s")
                .unwrap()
        }
    };
    // Once connected, the listener says that it may have missed changes.
    let first = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("the listener connects on the direct URL")
        .unwrap();
    assert_eq!(first, UserChange::Any);

    let carol = fixtures::add_user(f.store(), "carol", Role::Customer).await;
    let root = fixtures::add_user(f.store(), "root", Role::Admin).await;
    let deactivate = AccessChange {
        is_active: Some(false),
        ..AccessChange::default()
    };

    let seen = next(&mut rx);
    UserRepository::update_access(f.store(), carol.id, &deactivate, &[])
        .await
        .unwrap();
    assert_eq!(seen.await, UserChange::One(carol.id));

    let seen = next(&mut rx);
    f.store()
        .set_password(carol.id, "another hash", &[])
        .await
        .unwrap();
    assert_eq!(seen.await, UserChange::One(carol.id));

    let seen = next(&mut rx);
    let renamed = ticketing_domain::Username::parse("caroline").unwrap();
    f.store().rename(carol.id, &renamed, &[]).await.unwrap();
    assert_eq!(seen.await, UserChange::One(carol.id));

    let seen = next(&mut rx);
    let mut profile = f.store().get(carol.id).await.unwrap();
    profile.first_name = ticketing_domain::PersonName::parse("Caro").unwrap();
    f.store().update_profile(&profile).await.unwrap();
    assert_eq!(seen.await, UserChange::One(carol.id));

    // The last admin cannot be deactivated: nothing changed, nothing is sent.
    let mut quiet = rx.resubscribe();
    assert_eq!(
        UserRepository::update_access(f.store(), root.id, &deactivate, &[])
            .await
            .unwrap(),
        AccessOutcome::LastAdmin
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        matches!(
            quiet.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Empty)
        ),
        "a refused change was announced"
    );
}

/// Migrations take their lock and run on the direct URL: a store whose pool URL leads nowhere
/// migrates through it (as behind PgBouncer, where a session lock would be lost).
#[test]
fn migrations_run_on_the_direct_url() {
    let Some(url) = admin_url() else { return };
    let f = empty_database(&url, None);
    let options = PgOptions {
        direct_url: Some(db_url(&f.url, &f.db)),
        connect_timeout: Duration::from_secs(1),
        ..PgOptions::default()
    };
    let pooled = PgStore::connect("postgres://nobody@127.0.0.1:1/nowhere", options).unwrap();
    assert_eq!(pooled.migrate().unwrap(), MIGRATIONS);
    assert!(f.store.migrate().unwrap().is_empty());
}
