//! `CounterRepository`: the shared counters of the abuse limits (`limit_counters`).
//!
//! On PostgreSQL the hits are counted, per key, by one upsert that adds them, or starts the
//! window afresh with them when it ended (`INSERT ... ON CONFLICT (key) DO UPDATE SET hits = CASE
//! WHEN window_start <= cutoff THEN n ELSE hits + n END, window_start = CASE ... END RETURNING`),
//! each its own transaction (one statement, one round trip: no `BEGIN`, `SET LOCAL`, `COMMIT`).
//! The upsert locks the row until its commit, and a concurrent hit's upsert waits, then evaluates
//! its `CASE` on the committed row (read committed), so concurrent hits from any number of
//! processes are all counted, in one window; one row per transaction, so two hits never
//! deadlock. The commits skip the WAL flush (the statement's own
//! `set_config('synchronous_commit', 'off', true)`, `locking::unflushed_one`): a crash of
//! PostgreSQL may forget the last moments of counting, no more.
//!
//! Concurrent hits of one process are counted together ([`crate::grouped`]): while one batch of
//! upserts runs, the next hits queue, and the next batch adds each key's queued hits at once
//! (`n` above) and hands each caller its own count, in the order they queued. A user's burst of
//! writes (every write counts against `write:USER`) takes one upsert per batch instead of one
//! per write queued behind the same row lock; every hit is still in the table before its caller
//! gets an answer.
//!
//! On SQLite (one process serves the file) the store counts in memory and writes the counts
//! within a second ([`crate::local_counters`]); `Store::local_counters` says which.

use crate::kept::kept;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use ticketing_app::RepoError;
use ticketing_app::ports::{CounterRepository, WindowCount};

use std::sync::Arc;

use super::{Store, locking};
use crate::error::corrupt;
use crate::grouped::Grouped;
use crate::local_counters::{FLUSH_AFTER, LocalCounters};
use crate::schema::limit_counters as lc;
use crate::sql_types::DbTime;

/// The SQL type of `window_start` (not the same in both databases).
type StartType = <lc::window_start as Expression>::SqlType;

/// One caller's hits: one on each of `keys`, in windows of `window`, at `now`.
#[derive(Debug)]
pub(crate) struct HitRequest {
    keys: Vec<String>,
    window: std::time::Duration,
    now: DateTime<Utc>,
}

/// What a [`HitRequest`] gets: the count of each of its keys, this hit included.
pub(crate) type HitAnswer = Result<Vec<WindowCount>, RepoError>;

/// Where a store counts the hits of its limits (`Store::counting`): each backend builds one of
/// the two.
#[allow(dead_code)]
pub(crate) enum Counting<'s> {
    /// In this process's memory, written to the table within a second (SQLite: one process
    /// serves the file; see `local_counters.rs`).
    Local(Arc<LocalCounters>),
    /// In the table, every hit (PostgreSQL: every replica counts there), this process's
    /// concurrent hits together.
    Table(&'s Grouped<HitRequest, HitAnswer>),
}

/// The hits of one key in a batch.
struct KeyHits {
    /// How many of the batch's requests hit the key.
    n: u32,
    window: std::time::Duration,
    /// The latest request's time: a window that ended starts afresh then.
    now: DateTime<Utc>,
    /// The key's count after the batch, and when its window started.
    after: Option<WindowCount>,
}

/// Counts the hits of `batch` in the table (the upserts described in the module: one per key,
/// adding every hit the batch has on it) and answers each request with its own counts, the
/// requests counted in their order. A key hit with two windows in one batch (no limit does
/// that) is counted in the first request's window.
fn hit_rows(
    c: &mut super::Conn,
    batch: &[HitRequest],
) -> crate::error::DbResult<Vec<Vec<WindowCount>>> {
    let mut keys: Vec<(&str, KeyHits)> = Vec::new();
    for req in batch {
        for key in &req.keys {
            match keys.iter_mut().find(|(k, _)| *k == key.as_str()) {
                Some((_, hits)) => {
                    hits.n += 1;
                    hits.now = hits.now.max(req.now);
                }
                None => keys.push((
                    key,
                    KeyHits {
                        n: 1,
                        window: req.window,
                        now: req.now,
                        after: None,
                    },
                )),
            }
        }
    }
    for (key, hits) in &mut keys {
        let span = chrono::Duration::from_std(hits.window).unwrap_or(chrono::Duration::MAX);
        let cutoff = DbTime::from(
            hits.now
                .checked_sub_signed(span)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        );
        let now = DbTime::from(hits.now);
        let n = i32::try_from(hits.n).unwrap_or(i32::MAX);
        // A window that ended starts afresh at `now` (both `SET` expressions read the row as
        // it was before the statement).
        let ended = lc::window_start.le(cutoff);
        let (count, start): (i32, DbTime) = kept(
            diesel::insert_into(lc::table)
                .values((
                    lc::key.eq(*key),
                    lc::window_start.eq(now),
                    lc::hits.eq(locking::unflushed_one() * n),
                ))
                .on_conflict(lc::key)
                .do_update()
                .set((
                    lc::hits.eq(case_when::<_, _, Integer>(ended, n).otherwise(lc::hits + n)),
                    lc::window_start
                        .eq(case_when::<_, _, StartType>(ended, now).otherwise(lc::window_start)),
                ))
                .returning((lc::hits, lc::window_start)),
        )
        .get_result(c)?;
        hits.after = Some(WindowCount {
            hits: u32::try_from(count).map_err(|e| corrupt("limit counter", e))?,
            window_start: start.get(),
        });
    }
    // Each request's count of a key: the count before the batch plus the hits of the batch up to
    // and including this one.
    let mut given: Vec<u32> = vec![0; keys.len()];
    Ok(batch
        .iter()
        .map(|req| {
            req.keys
                .iter()
                .filter_map(|key| {
                    let i = keys.iter().position(|(k, _)| *k == key.as_str())?;
                    let hits = &keys[i].1;
                    let after = hits.after?;
                    given[i] += 1;
                    Some(WindowCount {
                        hits: after.hits.saturating_sub(hits.n - given[i]),
                        window_start: after.window_start,
                    })
                })
                .collect()
        })
        .collect())
}

/// Takes back one hit of each of `take_back` and deletes the counts of `forget`, in the table.
fn release_rows(
    c: &mut super::Conn,
    take_back: &[String],
    forget: &[String],
) -> crate::error::DbResult<()> {
    for key in take_back {
        diesel::update(lc::table.filter(lc::key.eq(key)).filter(lc::hits.gt(0)))
            .set(lc::hits.eq(lc::hits - 1))
            .execute(c)?;
    }
    if !forget.is_empty() {
        diesel::delete(lc::table.filter(lc::key.eq_any(forget))).execute(c)?;
    }
    Ok(())
}

/// The stored counts of `keys` (those that have one).
fn load_rows(
    c: &mut super::Conn,
    keys: &[String],
) -> crate::error::DbResult<Vec<(String, WindowCount)>> {
    let rows: Vec<(String, i32, DbTime)> = lc::table
        .filter(lc::key.eq_any(keys))
        .select((lc::key, lc::hits, lc::window_start))
        .load(c)?;
    rows.into_iter()
        .map(|(key, hits, start)| {
            let hits = u32::try_from(hits).map_err(|e| corrupt("limit counter", e))?;
            Ok((
                key,
                WindowCount {
                    hits,
                    window_start: start.get(),
                },
            ))
        })
        .collect()
}

/// Writes the counts of `changes` as they are (a `None` count deletes the key's row).
fn store_rows(
    c: &mut super::Conn,
    changes: &[(String, Option<WindowCount>)],
) -> crate::error::DbResult<()> {
    for (key, count) in changes {
        match count {
            Some(count) => {
                let hits = i32::try_from(count.hits).unwrap_or(i32::MAX);
                let start = DbTime::from(count.window_start);
                kept(
                    diesel::insert_into(lc::table)
                        .values((
                            lc::key.eq(key),
                            lc::window_start.eq(start),
                            lc::hits.eq(hits),
                        ))
                        .on_conflict(lc::key)
                        .do_update()
                        .set((lc::hits.eq(hits), lc::window_start.eq(start))),
                )
                .execute(c)?;
            }
            None => {
                diesel::delete(lc::table.filter(lc::key.eq(key))).execute(c)?;
            }
        }
    }
    Ok(())
}

/// `e` for each caller of a batch that failed with it.
fn shared_error(e: &RepoError) -> RepoError {
    match e {
        RepoError::NotFound => RepoError::NotFound,
        RepoError::Conflict { field } => RepoError::Conflict { field },
        RepoError::Stale => RepoError::Stale,
        RepoError::Unavailable(why) => RepoError::Unavailable(why.clone()),
        RepoError::Unexpected(e) => RepoError::Unexpected(anyhow::anyhow!("{e:#}")),
    }
}

impl Store {
    /// Reads into `local` the stored counts of the keys of `keys` it has not read yet.
    async fn load_counters(&self, local: &LocalCounters, keys: &[String]) -> Result<(), RepoError> {
        let missing = local.unloaded(keys);
        if missing.is_empty() {
            return Ok(());
        }
        let wanted = missing.clone();
        let stored = self.read(move |c| load_rows(c, &wanted)).await?;
        for (key, count) in stored {
            local.memory.seed(&key, count);
        }
        local.loaded(missing);
        Ok(())
    }

    /// Marks `keys` as changed in `local` and writes them within [`FLUSH_AFTER`].
    fn counters_changed<'a>(
        &self,
        local: &Arc<LocalCounters>,
        keys: impl IntoIterator<Item = &'a String>,
    ) {
        if local.changed(keys) {
            let store = self.clone();
            let local = Arc::clone(local);
            tokio::spawn(async move {
                tokio::time::sleep(FLUSH_AFTER).await;
                if let Err(e) = store.flush_counters(&local).await {
                    tracing::warn!(error = %e, "could not write the limit counters");
                }
            });
        }
    }

    /// Writes the changed counts of `local` now. On a failure they stay marked, for the next
    /// write.
    async fn flush_counters(&self, local: &Arc<LocalCounters>) -> Result<(), RepoError> {
        let _one_at_a_time = local.flushing.lock().await;
        let changes = local.take_changes();
        if changes.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = changes.iter().map(|(k, _)| k.clone()).collect();
        let written = self.write(move |c| store_rows(c, &changes)).await;
        if written.is_err() {
            self.counters_changed(local, &keys);
        }
        written
    }
}

#[async_trait]
impl CounterRepository for Store {
    async fn hit(
        &self,
        keys: &[String],
        window: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<WindowCount>, RepoError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let queue = match self.counting() {
            Counting::Local(local) => {
                self.load_counters(&local, keys).await?;
                let counts = local.memory.hit(keys, window, now).await?;
                self.counters_changed(&local, keys);
                return Ok(counts);
            }
            Counting::Table(queue) => queue,
        };
        let req = HitRequest {
            keys: keys.to_vec(),
            window,
            now,
        };
        let store = self.clone();
        queue
            .call(req, move |batch| async move {
                let n = batch.len();
                // Outside a transaction: each upsert commits on its own (see the module).
                match store.read(move |c| hit_rows(c, &batch)).await {
                    Ok(counts) => counts.into_iter().map(Ok).collect(),
                    Err(e) => (0..n).map(|_| Err(shared_error(&e))).collect(),
                }
            })
            .await
            .unwrap_or_else(|| {
                Err(RepoError::Unavailable(
                    "the limit counters could not be written".to_owned(),
                ))
            })
    }

    async fn release(&self, take_back: &[String], forget: &[String]) -> Result<(), RepoError> {
        if take_back.is_empty() && forget.is_empty() {
            return Ok(());
        }
        if let Counting::Local(local) = self.counting() {
            self.load_counters(&local, take_back).await?;
            local.memory.release(take_back, forget).await?;
            self.counters_changed(&local, take_back.iter().chain(forget));
            return Ok(());
        }
        let mut take_back = take_back.to_vec();
        take_back.sort();
        let forget = forget.to_vec();
        self.write_unflushed(move |c| release_rows(c, &take_back, &forget))
            .await
    }

    async fn prune_counters(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let local = match self.counting() {
            Counting::Local(local) => Some(local),
            Counting::Table(_) => None,
        };
        if let Some(local) = &local {
            // The table is the one to count in: bring it up to date first.
            self.flush_counters(local).await?;
        }
        let cutoff = DbTime::from(before);
        let pruned = self
            .write(move |c| {
                let n = diesel::delete(lc::table.filter(lc::window_start.lt(cutoff))).execute(c)?;
                Ok(u64::try_from(n).unwrap_or(u64::MAX))
            })
            .await?;
        if let Some(local) = &local {
            local.memory.prune_counters(before).await?;
        }
        Ok(pruned)
    }
}
