//! The plans of the exact list queries the stores run, for docs/database.md: an ignored test
//! per backend that prints each query and its plan (`plans.rs` of the backend says how: `EXPLAIN
//! (ANALYZE)` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite).
//!
//! ```text
//! TICKETING_EXPLAIN_PG=postgres://.../filled cargo test -p ticketing-store --lib -- \
//!     --ignored --nocapture postgres::queries::explain
//! TICKETING_EXPLAIN_SQLITE=path/to/filled.db cargo test -p ticketing-store --lib -- \
//!     --ignored --nocapture sqlite::queries::explain
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::marker::PhantomData;

use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::SqlType;
use ticketing_domain::listing::{Limit, Scope, SearchText, TicketQuery, TimelineQuery};
use ticketing_domain::{Status, TicketId, UserId};

use super::listing::{filtered, page_query, up_to_the_cap};
use super::messages::{activities_query, messages_query};
use super::{Conn, Db, plans};
use crate::rows::{ActivityRow, MessageRow, TicketRow};
use crate::sql_types::{DbId, Id};

/// `<prefix><query>` (binds included), whose rows are `ST`: the backend's `EXPLAIN`.
#[derive(Debug)]
pub(crate) struct Explain<Q, ST> {
    prefix: &'static str,
    query: Q,
    rows: PhantomData<ST>,
}

impl<Q, ST> Explain<Q, ST> {
    pub(crate) fn new(prefix: &'static str, query: Q) -> Self {
        Explain {
            prefix,
            query,
            rows: PhantomData,
        }
    }
}

impl<Q, ST> QueryId for Explain<Q, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<Db>, ST> QueryFragment<Db> for Explain<Q, ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        out.push_sql(self.prefix);
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, ST: SqlType> Query for Explain<Q, ST> {
    type SqlType = ST;
}

impl<Q, ST> RunQueryDsl<Conn> for Explain<Q, ST> {}

/// Prints `q` and its plan as Markdown.
fn show<Q>(c: &mut Conn, title: &str, q: Q)
where
    Q: QueryFragment<Db> + QueryId,
{
    let sql = diesel::debug_query::<Db, _>(&q).to_string();
    println!("#### {title}\n\n```sql\n{sql}\n```\n\n```text");
    for line in plans::plan(c, q) {
        println!("{line}");
    }
    println!("```\n");
}

#[derive(QueryableByName)]
struct Sample {
    #[diesel(sql_type = Id)]
    id: DbId,
}

/// The id in the first row of `sql`.
fn sample<T: From<uuid::Uuid>>(c: &mut Conn, sql: &str) -> T {
    let rows: Vec<Sample> = diesel::sql_query(sql).load(c).unwrap();
    rows[0].id.get()
}

#[test]
#[ignore = "needs TICKETING_EXPLAIN_PG or TICKETING_EXPLAIN_SQLITE (a filled database); prints plans"]
fn explain() {
    let mut c = plans::connect();
    let owner = sample::<UserId>(
        &mut c,
        "SELECT owner_id AS id FROM tickets GROUP BY owner_id ORDER BY count(*) DESC LIMIT 1",
    );
    let agent = sample::<UserId>(
        &mut c,
        "SELECT assigned_to_id AS id FROM tickets WHERE assigned_to_id IS NOT NULL \
         GROUP BY assigned_to_id ORDER BY count(*) DESC LIMIT 1",
    );
    let busy = sample::<TicketId>(
        &mut c,
        "SELECT ticket_id AS id FROM messages GROUP BY ticket_id ORDER BY count(*) DESC LIMIT 1",
    );
    let limit = |q: TicketQuery| q.limit.get() as i64 + 1;
    let page = |c: &mut Conn, title: &str, q: &TicketQuery| {
        show(
            c,
            title,
            page_query(q)
                .unwrap()
                .limit(limit(q.clone()))
                .select(TicketRow::as_select()),
        );
    };
    let next_of = |c: &mut Conn, q: &TicketQuery| {
        let p = super::listing::list(c, q).map_err(|_| "list").unwrap();
        let text = p.next.unwrap();
        ticketing_domain::listing::Cursor::decode(&text, q.ordering).unwrap()
    };

    let staff = TicketQuery::new(Scope::All);
    page(&mut c, "Staff list, -created_at, first page", &staff);
    show(&mut c, "Staff list: total", filtered(&staff).count());
    let mut deeper = staff.clone();
    for _ in 0..100 {
        deeper.after = Some(next_of(&mut c, &deeper));
    }
    page(
        &mut c,
        "Staff list, -created_at, with a cursor (page 101)",
        &deeper,
    );

    let owned = TicketQuery {
        statuses: vec![Status::Open, Status::InProgress],
        ..TicketQuery::new(Scope::OwnedBy(owner))
    };
    page(
        &mut c,
        "Owner list (my-tickets) with status=open,in_progress",
        &owned,
    );
    show(&mut c, "Owner list: total", filtered(&owned).count());

    let assigned = TicketQuery::new(Scope::AssignedTo(agent));
    page(&mut c, "Assigned list (assigned-tickets)", &assigned);
    show(&mut c, "Assigned list: total", filtered(&assigned).count());

    let by_priority = TicketQuery {
        ordering: "-priority".parse().unwrap(),
        ..staff.clone()
    };
    page(&mut c, "Staff list, -priority, first page", &by_priority);
    let after = next_of(&mut c, &by_priority);
    page(
        &mut c,
        "Staff list, -priority, with a cursor",
        &TicketQuery {
            after: Some(after),
            ..by_priority
        },
    );

    let search = TicketQuery {
        text: Some(SearchText::parse("print jam").unwrap()),
        limit: Limit::default(),
        ..staff.clone()
    };
    page(&mut c, "Search q=\"print jam\"", &search);
    show(
        &mut c,
        "Search: total (up to the cap)",
        up_to_the_cap(&search),
    );

    show(
        &mut c,
        "A ticket's messages (customer: no internal notes)",
        messages_query(busy, false, &TimelineQuery::oldest_first(Limit::default()))
            .unwrap()
            .limit(51)
            .select(MessageRow::as_select()),
    );
    show(
        &mut c,
        "A ticket's activities (staff: everything)",
        activities_query(busy, true, &TimelineQuery::newest_first(Limit::default()))
            .unwrap()
            .limit(51)
            .select(ActivityRow::as_select()),
    );
}
