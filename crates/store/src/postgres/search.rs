//! Text search on PostgreSQL. The generated column `tickets.search_vector` is
//! `array_to_tsvector(string_to_array(search_text, ' '))`: the stored words ([`crate::words`])
//! become lexemes verbatim, with no text-search parser and no dictionary (whose behaviour
//! depends on the database's locale). A query is `'term1':* & 'term2':*` cast to `tsquery`
//! (also verbatim, no parser): every term a prefix of some word, all required. The shared
//! listing query puts these pieces together.

/// The condition, around the bound query text: `tickets.search_vector @@ CAST($1 AS tsquery)`.
pub(crate) const MATCH: (&str, &str) = ("tickets.search_vector @@ CAST(", " AS tsquery)");

/// One prefix term: `'foo':*` (quotes and backslashes escaped, though terms are letters and
/// digits only).
pub(crate) fn term(t: &str) -> String {
    format!("'{}':*", t.replace('\\', "\\\\").replace('\'', "''"))
}

/// Between terms: all are required.
pub(crate) const AND: &str = " & ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_prefix_queries() {
        assert_eq!(
            ["foo", "bär", "o'k"].map(term).join(AND),
            "'foo':* & 'bär':* & 'o''k':*"
        );
    }
}
