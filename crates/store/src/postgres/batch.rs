//! Statements sent together on PostgreSQL: one round trip for a write's main statement and the
//! INSERTs that go with it.
//!
//! A write adds rows that nobody reads back in the transaction: the message or file, its
//! activity entries, its staged events. Sent one by one, each is a round trip, and on a small
//! machine where PostgreSQL, the server and the clients share the cores every round trip costs
//! two context switches on each side: more than the INSERT itself. Here they go as one
//! statement, the rows in data-modifying `WITH` clauses before the main statement:
//!
//! ```sql
//! WITH t0 AS (INSERT INTO messages ...), t1 AS (INSERT INTO activities ...),
//!      t2 AS (INSERT INTO events_staged ...),
//!      head AS (UPDATE tickets SET ... WHERE ... RETURNING 1)
//! SELECT count(*) FROM head
//! ```
//!
//! The statement is atomic like any other; the main statement (`head`, read by the outer
//! `SELECT`) runs first, lock waits included, and the unread `WITH` clauses run to completion
//! after it, in their order, so the staged events take their keys after every lock the
//! statement waited for (`postgres/outbox.rs`). When `head` changed no row (a stale guard, a
//! ticket gone) the outer `SELECT` fails the statement before the `WITH` clauses run (its
//! count cast to an integer is then the text [`NO_ROW`]), so nothing is written, and
//! [`Tail::run_after`] answers 0: the statement can be a write of its own, without `BEGIN` and
//! `COMMIT` around it (`PgStore::write_statement`). Foreign keys are checked at the end of the
//! statement, when the `head`'s row is there.
//!
//! SQLite runs in the server's process: `sqlite/batch.rs` runs the same statements one by one.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::BigInt;
use diesel::{QueryResult, RunQueryDsl};

use diesel::result::Error as DieselError;

use super::Conn;
use crate::error::DbResult;

/// The text whose cast to an integer fails a tail's statement when its `head` changed no row.
const NO_ROW: &str = "ticketing: no row changed";

/// One statement of a [`Tail`].
type Part<'a> = Box<dyn QueryFragment<Pg> + 'a>;

/// The INSERTs a write adds beside its main statement, sent with it (see the module).
#[derive(Default)]
pub(crate) struct Tail<'a> {
    parts: Vec<Part<'a>>,
}

impl<'a> Tail<'a> {
    /// Adds `insert` (an INSERT without `RETURNING`: nobody reads its rows).
    pub(crate) fn push(&mut self, insert: impl QueryFragment<Pg> + 'a) {
        self.parts.push(Box::new(insert));
    }

    /// Runs `head` (an UPDATE or INSERT without `RETURNING`) and the tail in one statement; the
    /// number of rows `head` changed. When that is 0 nothing is written (the statement failed;
    /// inside a transaction, the transaction is failed too: the caller rolls it back).
    pub(crate) fn run_after(self, c: &mut Conn, head: impl QueryFragment<Pg>) -> DbResult<usize> {
        let ran = Together {
            parts: &self.parts,
            main: Main::Counted(&head),
        }
        .get_result::<i64>(c);
        match ran {
            Ok(changed) => Ok(usize::try_from(changed).unwrap_or(0)),
            Err(DieselError::DatabaseError(_, info)) if info.message().contains(NO_ROW) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `head` (an INSERT `RETURNING` one `bigint`, such as a new ticket's number) and the
    /// tail in one statement; what `head` returned. The tail's rows may refer to `head`'s
    /// (foreign keys are checked at the end of the statement).
    pub(crate) fn run_returning(self, c: &mut Conn, head: impl QueryFragment<Pg>) -> DbResult<i64> {
        Ok(Together {
            parts: &self.parts,
            main: Main::Returning(&head),
        }
        .get_result::<i64>(c)?)
    }

    /// Runs the tail alone, as one statement (nothing when it is empty).
    pub(crate) fn run(self, c: &mut Conn) -> DbResult<()> {
        if !self.parts.is_empty() {
            Together {
                parts: &self.parts,
                main: Main::Last,
            }
            .execute(c)?;
        }
        Ok(())
    }
}

/// The one statement of a tail: its parts in `WITH` clauses, then [`Main`].
struct Together<'q, 'a> {
    parts: &'q [Part<'a>],
    main: Main<'q>,
}

/// The main statement of [`Together`].
#[derive(Clone, Copy)]
enum Main<'q> {
    /// [`Tail::run_after`]: the head, whose changed rows are counted (none fails the statement).
    Counted(&'q dyn QueryFragment<Pg>),
    /// [`Tail::run_returning`]: the head, with its own `RETURNING`.
    Returning(&'q dyn QueryFragment<Pg>),
    /// [`Tail::run`]: the tail's last part.
    Last,
}

impl QueryId for Together<'_, '_> {
    type QueryId = ();
    // No identity by type: kept prepared under its SQL text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Together<'_, '_> {
    // The head's count of rows, or what it returns; a head-less run is only executed.
    type SqlType = BigInt;
}

impl QueryFragment<Pg> for Together<'_, '_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let (with, last) = match self.main {
            Main::Counted(_) | Main::Returning(_) => (self.parts, None),
            Main::Last => match self.parts.split_last() {
                Some((last, with)) => (with, Some(last)),
                None => return Ok(()),
            },
        };
        for (i, part) in with.iter().enumerate() {
            out.push_sql(if i == 0 { "WITH " } else { ", " });
            out.push_sql(&format!("t{i} AS ("));
            part.walk_ast(out.reborrow())?;
            out.push_sql(")");
        }
        match self.main {
            Main::Counted(head) => {
                out.push_sql(if with.is_empty() { "WITH " } else { ", " });
                out.push_sql("head AS (");
                head.walk_ast(out.reborrow())?;
                out.push_sql(" RETURNING 1) SELECT CAST(CASE count(*) WHEN 0 THEN '");
                out.push_sql(NO_ROW);
                out.push_sql("' ELSE CAST(count(*) AS text) END AS bigint) FROM head");
            }
            Main::Returning(head) => {
                out.push_sql(" ");
                head.walk_ast(out.reborrow())?;
            }
            Main::Last => {
                if let Some(last) = last {
                    out.push_sql(" ");
                    last.walk_ast(out.reborrow())?;
                }
            }
        }
        Ok(())
    }

    // The writes that use a tail add a bounded number of rows (a message, its entries and
    // events), so the statement takes a few forms: keep each prepared.
    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<C> RunQueryDsl<C> for Together<'_, '_> {}
