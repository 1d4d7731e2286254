//! Text search on SQLite. The FTS5 table `tickets_fts` indexes `tickets.search_text` (the stored
//! words, [`crate::words`]) with the `ascii` tokenizer, which splits only on ASCII
//! non-alphanumerics and folds only `A-Z`: on such text it yields exactly the domain's words,
//! whatever the script. A query is one quoted prefix term per domain term, implicitly AND-ed.

use diesel::BoxableExpression;
use diesel::dsl::sql;
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::Sqlite;
use ticketing_domain::listing::SearchText;

use crate::schema::tickets;

/// The FTS5 query: `"term1"* "term2"*` (every term a prefix, all required).
pub(crate) fn fts_query(q: &SearchText) -> String {
    q.terms()
        .iter()
        .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `tickets.seq IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)`.
pub(crate) fn matches(
    q: &SearchText,
) -> Box<dyn BoxableExpression<tickets::table, Sqlite, SqlType = Bool>> {
    Box::new(
        sql::<Bool>("tickets.seq IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ")
            .bind::<Text, _>(fts_query(q))
            .sql(")"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn builds_prefix_queries() {
        let q = SearchText::parse("Foo, bär").unwrap();
        assert_eq!(fts_query(&q), "\"foo\"* \"bär\"*");
    }
}
