//! How SQLite shows a plan, for the shared `queries/explain.rs`: `EXPLAIN QUERY PLAN` on the
//! database file named by `TICKETING_EXPLAIN_SQLITE`, drawn as a tree like the `sqlite3` shell
//! does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::sql_types::{Integer, Text};
use diesel::sqlite::Sqlite;

use super::queries::Explain;

/// The filled database of `TICKETING_EXPLAIN_SQLITE`.
pub(super) fn connect() -> SqliteConnection {
    let path = std::env::var("TICKETING_EXPLAIN_SQLITE").unwrap();
    SqliteConnection::establish(&path).unwrap()
}

/// The lines of `EXPLAIN QUERY PLAN <q>`, as a tree.
pub(super) fn plan<Q>(c: &mut SqliteConnection, q: Q) -> Vec<String>
where
    Q: QueryFragment<Sqlite> + QueryId,
{
    let rows: Vec<(i32, i32, i32, String)> =
        Explain::<Q, (Integer, Integer, Integer, Text)>::new("EXPLAIN QUERY PLAN ", q)
            .load(c)
            .unwrap();
    let mut lines = vec!["QUERY PLAN".to_owned()];
    let mut depth = HashMap::new();
    for (id, parent, _, detail) in rows {
        let d = depth.get(&parent).map_or(0, |d| d + 1);
        depth.insert(id, d);
        lines.push(format!("{}`--{detail}", "   ".repeat(d)));
    }
    lines
}
