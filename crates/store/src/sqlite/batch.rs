//! Statements sent together: on SQLite, one by one. The database runs in the server's process,
//! so a statement costs no round trip; `postgres/batch.rs` sends a write's INSERTs with its main
//! statement as one.

use diesel::RunQueryDsl;
use diesel::query_dsl::methods::ExecuteDsl;

use super::Conn;
use crate::error::DbResult;

/// One statement of a [`Tail`], run when the tail runs.
type Part<'a> = Box<dyn FnOnce(&mut Conn) -> DbResult<()> + 'a>;

/// The INSERTs a write adds beside its main statement, run after it.
#[derive(Default)]
pub(crate) struct Tail<'a> {
    parts: Vec<Part<'a>>,
}

impl<'a> Tail<'a> {
    /// Adds `insert` (an INSERT whose rows nobody reads).
    pub(crate) fn push<Q>(&mut self, insert: Q)
    where
        Q: ExecuteDsl<Conn> + 'a,
    {
        self.parts.push(Box::new(move |c| {
            ExecuteDsl::execute(insert, c)?;
            Ok(())
        }));
    }

    /// Runs `head`, then the tail unless `head` changed no row (nothing is written then); the
    /// number of rows `head` changed.
    pub(crate) fn run_after<Q>(self, c: &mut Conn, head: Q) -> DbResult<usize>
    where
        Q: RunQueryDsl<Conn> + ExecuteDsl<Conn>,
    {
        let changed = head.execute(c)?;
        if changed > 0 {
            self.run(c)?;
        }
        Ok(changed)
    }

    /// Runs `head` (an INSERT `RETURNING` one `bigint`), then the tail; what `head` returned.
    pub(crate) fn run_returning<'q, Q>(self, c: &mut Conn, head: Q) -> DbResult<i64>
    where
        Q: RunQueryDsl<Conn> + diesel::query_dsl::LoadQuery<'q, Conn, i64>,
    {
        let returned = head.get_result::<i64>(c)?;
        self.run(c)?;
        Ok(returned)
    }

    /// Runs the tail's statements in order.
    pub(crate) fn run(self, c: &mut Conn) -> DbResult<()> {
        for part in self.parts {
            part(c)?;
        }
        Ok(())
    }
}
