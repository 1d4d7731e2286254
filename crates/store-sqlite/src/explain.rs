//! `EXPLAIN QUERY PLAN` of the exact list queries the adapter runs, for docs/database.md. An
//! ignored test: `TICKETING_EXPLAIN_SQLITE=path/to/filled.db cargo test -p
//! ticketing-store-sqlite --lib -- --ignored --nocapture explain`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Binary, Integer, Text};
use diesel::sqlite::Sqlite;
use ticketing_domain::listing::{Limit, Scope, SearchText, TicketQuery};
use ticketing_domain::{Status, TicketId, UserId};

use crate::listing::{filtered, page_query};
use crate::messages::{activities_query, messages_query};
use crate::rows::{ActivityRow, MessageRow, TicketRow, uuid};

/// `EXPLAIN QUERY PLAN <query>`, binds included.
#[derive(Debug, QueryId)]
struct Explain<Q>(Q);

impl<Q: QueryFragment<Sqlite>> QueryFragment<Sqlite> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("EXPLAIN QUERY PLAN ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> Query for Explain<Q> {
    type SqlType = (Integer, Integer, Integer, Text);
}

impl<Q> RunQueryDsl<SqliteConnection> for Explain<Q> {}

fn show<Q>(c: &mut SqliteConnection, title: &str, q: Q)
where
    Q: QueryFragment<Sqlite> + QueryId,
{
    let sql = diesel::debug_query::<Sqlite, _>(&q).to_string();
    let rows: Vec<(i32, i32, i32, String)> = Explain(q).load(c).unwrap();
    println!("#### {title}\n\n```sql\n{sql}\n```\n\n```text\nQUERY PLAN");
    let mut depth = std::collections::HashMap::new();
    for (id, parent, _, detail) in rows {
        let d = depth.get(&parent).map_or(0, |d| d + 1);
        depth.insert(id, d);
        println!("{}`--{detail}", "   ".repeat(d));
    }
    println!("```\n");
}

#[derive(QueryableByName)]
struct Sample {
    #[diesel(sql_type = Binary)]
    id: Vec<u8>,
}

fn sample(c: &mut SqliteConnection, sql: &str) -> uuid::Uuid {
    let rows: Vec<Sample> = diesel::sql_query(sql).load(c).unwrap();
    uuid(&rows[0].id).map_err(|_| "uuid").unwrap()
}

#[test]
#[ignore = "needs TICKETING_EXPLAIN_SQLITE=<a filled database>; prints plans for the docs"]
fn explain() {
    let path = std::env::var("TICKETING_EXPLAIN_SQLITE").unwrap();
    let mut c = SqliteConnection::establish(&path).unwrap();
    let owner = UserId::from_uuid(sample(
        &mut c,
        "SELECT owner_id AS id FROM tickets GROUP BY owner_id ORDER BY count(*) DESC LIMIT 1",
    ));
    let agent = UserId::from_uuid(sample(
        &mut c,
        "SELECT assigned_to_id AS id FROM tickets WHERE assigned_to_id IS NOT NULL \
         GROUP BY assigned_to_id ORDER BY count(*) DESC LIMIT 1",
    ));
    let busy = TicketId::from_uuid(sample(
        &mut c,
        "SELECT ticket_id AS id FROM messages GROUP BY ticket_id ORDER BY count(*) DESC LIMIT 1",
    ));
    let limit = |q: TicketQuery| q.limit.get() as i64 + 1;
    let page = |c: &mut SqliteConnection, title: &str, q: &TicketQuery| {
        show(
            c,
            title,
            page_query(q)
                .unwrap()
                .limit(limit(q.clone()))
                .select(TicketRow::as_select()),
        );
    };
    let next_of = |c: &mut SqliteConnection, q: &TicketQuery| {
        let p = crate::listing::list(c, q).map_err(|_| "list").unwrap();
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
    show(&mut c, "Search: total", filtered(&search).count());

    show(
        &mut c,
        "A ticket's messages (customer: no internal notes)",
        messages_query(busy, false).select(MessageRow::as_select()),
    );
    show(
        &mut c,
        "A ticket's activities (staff: everything)",
        activities_query(busy, true).select(ActivityRow::as_select()),
    );
}
