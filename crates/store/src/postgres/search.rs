//! Text search on PostgreSQL. The generated column `tickets.search_vector` is
//! `array_to_tsvector` of the words of the three word columns (`search_text`,
//! `conversation_text`, `notes_text`: the stored words, [`crate::words`]): they become lexemes
//! verbatim, with no text-search parser and no dictionary (whose behaviour depends on the
//! database's locale). A query is `'term1':* & 'term2':*` cast to `tsquery` (also verbatim, no
//! parser): every term a prefix of some word, all required. Staff match `search_vector` through
//! its GIN index; a customer's list (one owner's tickets, found by the owner index) matches the
//! lexemes of the public columns only, made from them on the fly. The shared listing query puts
//! these pieces together.

/// The condition, around the bound query text, for staff: every word column.
const MATCH_ALL: (&str, &str) = ("tickets.search_vector @@ CAST(", " AS tsquery)");

/// The condition for a customer's list: topic, description and public messages.
const MATCH_PUBLIC: (&str, &str) = (
    "array_to_tsvector(string_to_array(tickets.search_text, ' ') \
     || string_to_array(tickets.conversation_text, ' ')) @@ CAST(",
    " AS tsquery)",
);

/// The condition around the bound query text of [`query`]. `many` (a search with many matches)
/// changes nothing: PostgreSQL's planner weighs the GIN index against walking the order index
/// from its statistics of the lexemes.
pub(crate) fn matching(public_only: bool, _many: bool) -> (&'static str, &'static str) {
    if public_only { MATCH_PUBLIC } else { MATCH_ALL }
}

/// The query text: every term a prefix (`'foo':*`, quotes and backslashes escaped, though terms
/// are letters and digits only), all required. Where it looks depends on [`matching`].
pub(crate) fn query(terms: &[String], _public_only: bool) -> String {
    terms
        .iter()
        .map(|t| format!("'{}':*", t.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_prefix_queries() {
        let terms = ["foo", "bär", "o'k"].map(String::from);
        assert_eq!(query(&terms, false), "'foo':* & 'bär':* & 'o''k':*");
        assert_eq!(query(&terms, true), query(&terms, false));
    }
}
