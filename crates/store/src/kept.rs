//! Statements kept prepared although diesel would prepare them afresh on every run.
//!
//! diesel keeps a statement prepared on its connection only when it can prove the SQL text is
//! the same on every run, and conservatively refuses for every `UPDATE`, every
//! `ON CONFLICT ... DO UPDATE` and every SQL literal. That is a parse and plan of each such
//! statement on every write (on SQLite inside the writer's turn; on PostgreSQL unless the
//! connections run without prepared statements behind a pooler, see `postgres/pool.rs`). [`kept`] marks one query as safe to keep: it is then
//! kept under its SQL text, so that each distinct text (an `UPDATE` whose optional parts vary
//! gives a few) is prepared once per connection. Only for statements whose text takes a bounded
//! number of forms: never one whose text grows with its input (an `IN` list, a batch insert).

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// `query`, kept prepared under its SQL text (see the module).
pub(crate) fn kept<Q>(query: Q) -> Kept<Q> {
    Kept(query)
}

/// See [`kept`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kept<Q>(Q);

impl<Q> QueryId for Kept<Q> {
    type QueryId = ();
    // No identity by type: kept under the SQL text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Kept<Q> {
    type SqlType = Q::SqlType;
}

impl<DB: Backend, Q: QueryFragment<DB>> QueryFragment<DB> for Kept<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for Kept<Q> {}
