//! `CounterRepository`: the shared counters of the abuse limits (`limit_counters`).
//!
//! A hit is, per key and in one transaction, one upsert that adds one, or starts the window
//! afresh at one when it ended (`INSERT ... ON CONFLICT (key) DO UPDATE SET hits = CASE WHEN
//! window_start <= cutoff THEN 1 ELSE hits + 1 END, window_start = CASE ... END RETURNING`).
//! On PostgreSQL the upsert locks the row until the commit, and a concurrent hit's upsert waits,
//! then evaluates its `CASE` on the committed row (read committed), so concurrent hits from any
//! number of processes are all counted, in one window; keys are taken in sorted order, so two
//! hits never deadlock. SQLite has one writer at a time. The writes skip the WAL flush at commit
//! (`write_unflushed`): a crash of PostgreSQL may forget the last moments of counting, no more.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use ticketing_app::RepoError;
use ticketing_app::ports::{CounterRepository, WindowCount};

use super::Store;
use crate::error::corrupt;
use crate::schema::limit_counters as lc;
use crate::sql_types::DbTime;

/// The SQL type of `window_start` (not the same in both databases).
type StartType = <lc::window_start as Expression>::SqlType;

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
        let keys = keys.to_vec();
        let span = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        let cutoff = DbTime::from(
            now.checked_sub_signed(span)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        );
        let now = DbTime::from(now);
        self.write_unflushed(move |c| {
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
            let mut counts = vec![None; keys.len()];
            for i in order {
                let key = &keys[i];
                // One upsert per key: a window that ended starts afresh at `now` (both `SET`
                // expressions read the row as it was before the statement).
                let ended = lc::window_start.le(cutoff);
                let (hits, start): (i32, DbTime) = diesel::insert_into(lc::table)
                    .values((lc::key.eq(key), lc::window_start.eq(now), lc::hits.eq(1)))
                    .on_conflict(lc::key)
                    .do_update()
                    .set((
                        lc::hits.eq(case_when::<_, _, Integer>(ended, 1).otherwise(lc::hits + 1)),
                        lc::window_start
                            .eq(case_when::<_, _, StartType>(ended, now)
                                .otherwise(lc::window_start)),
                    ))
                    .returning((lc::hits, lc::window_start))
                    .get_result(c)?;
                counts[i] = Some(WindowCount {
                    hits: u32::try_from(hits).map_err(|e| corrupt("limit counter", e))?,
                    window_start: start.get(),
                });
            }
            Ok(counts.into_iter().flatten().collect())
        })
        .await
    }

    async fn release(&self, take_back: &[String], forget: &[String]) -> Result<(), RepoError> {
        if take_back.is_empty() && forget.is_empty() {
            return Ok(());
        }
        let mut take_back = take_back.to_vec();
        take_back.sort();
        let forget = forget.to_vec();
        self.write_unflushed(move |c| {
            for key in &take_back {
                diesel::update(lc::table.filter(lc::key.eq(key)).filter(lc::hits.gt(0)))
                    .set(lc::hits.eq(lc::hits - 1))
                    .execute(c)?;
            }
            if !forget.is_empty() {
                diesel::delete(lc::table.filter(lc::key.eq_any(&forget))).execute(c)?;
            }
            Ok(())
        })
        .await
    }

    async fn prune_counters(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let before = DbTime::from(before);
        self.write(move |c| {
            let n = diesel::delete(lc::table.filter(lc::window_start.lt(before))).execute(c)?;
            Ok(u64::try_from(n).unwrap_or(u64::MAX))
        })
        .await
    }
}
