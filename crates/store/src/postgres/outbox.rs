//! The outbox on PostgreSQL: writers stage their events, and a numbering transaction right
//! after each commit gives them ids (`queries/events.rs`) and sends a `NOTIFY` (delivered to the
//! listeners at its commit, never before, never for a rollback); one thread per store
//! `LISTEN`s on its own connection, wakes this process's readers when another process committed
//! events, and numbers every second what a dead writer left staged. The outbox stays the truth:
//! readers also poll, so a lost notification (the listener reconnecting, say) delays delivery
//! and loses nothing.
//!
//! The same listener relays the changes of users (channel `ticketing_users`, the user's id as
//! payload, sent by the writes that change what a user cache holds) to this process's user
//! caches. When it may have missed some (connecting, reconnecting) it relays
//! `UserChange::Any`: the caches forget every user.
//!
//! `LISTEN` is session state: its connection goes straight to PostgreSQL (the store's direct
//! URL), never through a pooler in transaction mode. `NOTIFY` is sent inside the writing
//! transaction and works through such a pooler.

use std::sync::Weak;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use ticketing_app::ports::UserChange;
use ticketing_domain::UserId;

use super::error::{Redactor, one_line};
use crate::error::DbResult;
use crate::wake::Wake;

/// The channel of the notifications.
const CHANNEL: &str = "ticketing_events";

/// The channel of the changes of users.
const USERS_CHANNEL: &str = "ticketing_users";

/// How often the listener reads what the server sent (diesel gives no blocking wait).
pub(super) const POLL: Duration = Duration::from_millis(25);

/// How often the listener checks that its connection is still alive.
const PROBE: Duration = Duration::from_secs(30);

/// The longest pause between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Writing transactions stage their events; the numbering transaction after the commit gives
/// them ids (`queries/events.rs`).
pub(crate) const NUMBERED_AFTER_COMMIT: bool = true;

/// The key of the transaction-level advisory lock of the numbering ("outbox" in ASCII).
const NUMBERING_LOCK: i64 = 0x6f75_7462_6f78;

/// How often the listener numbers events left staged (a writer that died between its commit
/// and the numbering, or whose numbering failed).
const NUMBER_LEFTOVERS: Duration = Duration::from_secs(1);

/// Numbers every staged event committed so far (`queries/events.rs`): in one transaction, sent
/// as one simple query (one round trip), under the numbering lock (transaction-level advisory
/// lock, taken by its own statement so that the next statement's snapshot sees every batch
/// committed before the lock was granted), moves the staged rows into `events` with the next
/// ids of the counter row, and sends the `NOTIFY` when it moved any. A writing transaction's
/// rows (one `xid`) get consecutive ids in the order of their keys, at the place of its first
/// key: the keys come from its last statement, after every lock it waited for, so a
/// transaction that waited for another's commit is numbered after it. Numbering transactions
/// run one at a time and ids grow in the order readers can see them. A run that finds nothing
/// staged writes nothing.
///
/// Its commit does not wait for the WAL flush: the lock is held for one statement, not for a
/// flush, so writers that finish together do not queue behind each other's flushes. What it
/// moves was made durable by the writers' own commits; a crash before its commit record
/// reaches the disk leaves the rows staged, and they are numbered again, in the same order,
/// from the same counter. A consumer that committed a cursor past these ids flushed the WAL up
/// to its own commit, this one included, so no durable cursor can point past a lost numbering.
pub(crate) fn number_staged(c: &mut PgConnection) -> DbResult<()> {
    c.batch_execute(&format!(
        "SET LOCAL synchronous_commit TO OFF;
         SELECT pg_advisory_xact_lock({NUMBERING_LOCK});
         WITH moved AS (
             DELETE FROM events_staged
             RETURNING key, xid, type, ticket_id, owner_id, actor_id, at, visibility, payload
         ), placed AS (
             SELECT min(key) OVER (PARTITION BY xid) AS first, * FROM moved
         ), counter AS (
             UPDATE outbox_state SET value = value + (SELECT count(*) FROM moved)
             WHERE name = 'last_event_id' AND EXISTS (SELECT 1 FROM moved)
             RETURNING value - (SELECT count(*) FROM moved) AS base,
                       pg_notify('{CHANNEL}', '') AS woke
         )
         INSERT INTO events (id, type, ticket_id, owner_id, actor_id, at, visibility, payload)
         SELECT counter.base + row_number() OVER (ORDER BY placed.first, placed.key),
                placed.type, placed.ticket_id, placed.owner_id, placed.actor_id, placed.at,
                placed.visibility, placed.payload
         FROM placed CROSS JOIN counter"
    ))?;
    Ok(())
}

/// How often, at most, a process vacuums `events_staged` after its numbering runs.
pub(super) const VACUUM_EVERY: Duration = Duration::from_secs(1);

/// Vacuums `events_staged` (a pooled connection outside any transaction; the store runs it in
/// the background after a numbering run, at most every [`VACUUM_EVERY`]). Every staged row is
/// deleted by its numbering a moment after it was inserted, and the numbering's `DELETE` reads
/// the whole table, dead rows included: between two autovacuum runs of the database (at most
/// one a minute by default, none when autovacuum is off) a busy server left a quarter of a
/// million of them, and each numbering took 2 ms instead of a tenth of that. `SKIP_LOCKED`:
/// another replica's vacuum running is as good as this one. `TRUNCATE false`: the stage is
/// empty most of the time, so a vacuum would try to give its pages back to the system, which
/// takes the table's exclusive lock: with writers inserting all the time it retried every
/// 50 ms (158 ms a vacuum under load), and when it got the lock every writer waited for it. Not
/// on the listener's thread: it relays the changes of users, which must not wait behind a
/// vacuum.
pub(crate) fn vacuum_stage(c: &mut PgConnection) -> DbResult<()> {
    c.batch_execute("VACUUM (SKIP_LOCKED, TRUNCATE false) events_staged")?;
    Ok(())
}

/// Tells the listeners, at the commit of the caller's transaction, that events were appended.
pub(crate) fn notify(c: &mut PgConnection) -> DbResult<()> {
    c.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
    Ok(())
}

/// Tells every process's user cache, at the commit of the caller's transaction, that `user`
/// changed (several notices of one user in a transaction are folded into one by PostgreSQL).
pub(crate) fn notify_user(c: &mut PgConnection, user: UserId) -> DbResult<()> {
    // A UUID's text is hex digits and dashes: nothing to quote.
    c.batch_execute(&format!("NOTIFY {USERS_CHANNEL}, '{user}'"))?;
    Ok(())
}

/// Starts the listener of a store: it runs until the store (`wake`) is dropped.
pub(super) fn spawn_listener(url: String, redactor: Redactor, wake: Weak<Wake>) {
    let started = std::thread::Builder::new()
        .name("ticketing-listen".to_owned())
        .spawn(move || listen(&url, &redactor, &wake));
    if let Err(e) = started {
        tracing::warn!(error = %e, "cannot start the event listener: other processes' events arrive by polling only");
    }
}

fn listen(url: &str, redactor: &Redactor, wake: &Weak<Wake>) {
    let mut backoff = Duration::from_millis(500);
    while wake.strong_count() > 0 {
        let connected = PgConnection::establish(url)
            .map_err(|e| e.to_string())
            .and_then(|mut c| {
                c.batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {USERS_CHANNEL}"))
                    .map(|()| c)
                    .map_err(|e| e.to_string())
            });
        match connected {
            Ok(mut conn) => {
                backoff = Duration::from_millis(500);
                // Events and changes of users may have been committed while nobody listened.
                if let Some(w) = wake.upgrade() {
                    w.signal();
                    w.user_changed(UserChange::Any);
                }
                match pump(&mut conn, wake) {
                    None => return,
                    Some(e) => {
                        tracing::warn!(
                            error = %redactor.clean(&one_line(&e)),
                            "the event listener lost its connection; reconnecting"
                        );
                        if let Some(w) = wake.upgrade() {
                            w.user_changed(UserChange::Any);
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(
                error = %redactor.clean(&one_line(&e)),
                "the event listener cannot connect; retrying"
            ),
        }
        let until = Instant::now() + backoff;
        while Instant::now() < until {
            if wake.strong_count() == 0 {
                return;
            }
            std::thread::sleep(POLL * 4);
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Reads notifications until the store is gone (`None`) or the connection fails (the error).
fn pump(conn: &mut PgConnection, wake: &Weak<Wake>) -> Option<String> {
    let mut probed = Instant::now();
    let mut numbered = Instant::now();
    loop {
        std::thread::sleep(POLL);
        let w = wake.upgrade()?;
        let mut notified = false;
        let mut failure = None;
        for n in conn.notifications_iter() {
            match n {
                Ok(n) if n.channel == USERS_CHANNEL => {
                    let change = n
                        .payload
                        .parse::<uuid::Uuid>()
                        .map_or(UserChange::Any, |id| UserChange::One(UserId::from_uuid(id)));
                    w.user_changed(change);
                }
                Ok(_) => notified = true,
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        if notified {
            w.signal();
        }
        if failure.is_none() && numbered.elapsed() >= NUMBER_LEFTOVERS {
            numbered = Instant::now();
            failure = number_staged(conn)
                .err()
                .map(|e| format!("numbering staged events: {e:?}"));
        }
        if failure.is_none() && probed.elapsed() >= PROBE {
            probed = Instant::now();
            failure = conn.batch_execute("SELECT 1").err().map(|e| e.to_string());
        }
        if failure.is_some() {
            return failure;
        }
    }
}
