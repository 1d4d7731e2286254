//! How PostgreSQL shows a plan, for the shared `queries/explain.rs`: `EXPLAIN (ANALYZE)` on the
//! database named by `TICKETING_EXPLAIN_PG`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::sql_types::Text;

use super::queries::Explain;

/// The filled database of `TICKETING_EXPLAIN_PG`.
pub(super) fn connect() -> PgConnection {
    let url = std::env::var("TICKETING_EXPLAIN_PG").unwrap();
    PgConnection::establish(&url).unwrap()
}

/// The lines of `EXPLAIN (ANALYZE) <q>`.
pub(super) fn plan<Q: QueryFragment<Pg> + QueryId>(c: &mut PgConnection, q: Q) -> Vec<String> {
    Explain::<Q, Text>::new("EXPLAIN (ANALYZE) ", q)
        .load(c)
        .unwrap()
}
