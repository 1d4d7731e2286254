//! Text search on PostgreSQL. The generated column `tickets.search_vector` is
//! `array_to_tsvector(string_to_array(search_text, ' '))`: the stored words ([`crate::words`])
//! become lexemes verbatim, with no text-search parser and no dictionary (whose behaviour
//! depends on the database's locale). A query is `'term1':* & 'term2':*` cast to `tsquery`
//! (also verbatim, no parser): every term a prefix of some word, all required.

use diesel::BoxableExpression;
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Text};
use ticketing_domain::listing::SearchText;

use crate::schema::tickets;

/// The `tsquery` text: `'term1':* & 'term2':*` (quotes and backslashes escaped, though terms
/// are letters and digits only).
pub(crate) fn tsquery(q: &SearchText) -> String {
    q.terms()
        .iter()
        .map(|t| format!("'{}':*", t.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// `tickets.search_vector @@ $1::tsquery`.
pub(crate) fn matches(
    q: &SearchText,
) -> Box<dyn BoxableExpression<tickets::table, Pg, SqlType = Bool>> {
    Box::new(
        sql::<Bool>("tickets.search_vector @@ CAST(")
            .bind::<Text, _>(tsquery(q))
            .sql(" AS tsquery)"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn builds_prefix_queries() {
        let q = SearchText::parse("Foo, bär").unwrap();
        assert_eq!(tsquery(&q), "'foo':* & 'bär':*");
    }
}
