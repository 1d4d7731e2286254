//! Text search. The adapter stores the words of topic and description exactly as the domain
//! tokenizer ([`ticketing_domain::listing::tokenize`]) splits and lower-cases them, joined by
//! single spaces (`tickets.search_text`). The generated column `search_vector` is
//! `array_to_tsvector(string_to_array(search_text, ' '))`: the words become lexemes verbatim, with
//! no text-search parser and no dictionary (whose behaviour depends on the database's locale).
//! A query is `'term1':* & 'term2':*` cast to `tsquery` (also verbatim, no parser): every term a
//! prefix of some word, all required, the same semantics as `SearchText::matches`.

use diesel::BoxableExpression;
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Text};
use ticketing_domain::listing::{SearchText, tokenize};

/// Stored words are cut to this many bytes (at a character boundary): longer than any search
/// term can be (see the test below), so prefix matches are unchanged, and below PostgreSQL's
/// limit of 2047 bytes per lexeme.
pub(crate) const MAX_WORD_BYTES: usize = 1024;

fn cut(word: &str, max: usize) -> &str {
    if word.len() <= max {
        return word;
    }
    let mut end = max;
    while !word.is_char_boundary(end) {
        end -= 1;
    }
    &word[..end]
}

/// The words of a ticket for the search index.
pub(crate) fn search_text(topic: &str, description: &str) -> String {
    let mut out = String::new();
    for word in tokenize(&format!("{topic} {description}")) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(cut(&word, MAX_WORD_BYTES));
    }
    out
}

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
) -> Box<dyn BoxableExpression<crate::schema::tickets::table, Pg, SqlType = Bool>> {
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
    fn stores_the_domain_words() {
        assert_eq!(
            search_text("Printer BROKEN!", "e\u{301}té, שלום 😀 x2"),
            "printer broken e té שלום x2"
        );
        assert_eq!(search_text("!!!", "..."), "");
    }

    #[test]
    fn no_search_term_can_outgrow_a_stored_word() {
        let widest = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .map(|c| c.to_lowercase().map(char::len_utf8).sum::<usize>())
            .max()
            .unwrap_or(0);
        assert!(SearchText::MAX_CHARS * widest <= MAX_WORD_BYTES, "{widest}");
    }

    #[test]
    fn builds_prefix_queries() {
        let q = SearchText::parse("Foo, bär").unwrap();
        assert_eq!(tsquery(&q), "'foo':* & 'bär':*");
    }
}
