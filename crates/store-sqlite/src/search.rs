//! Text search. The adapter stores the words of topic and description exactly as the domain
//! tokenizer ([`ticketing_domain::listing::tokenize`]) splits and lower-cases them, joined by
//! single spaces (`tickets.search_text`). The FTS5 table indexes that column with the `ascii`
//! tokenizer, which splits only on ASCII non-alphanumerics and folds only `A-Z`: on such text it
//! yields exactly the domain's words, whatever the script. A query is one quoted prefix term per
//! domain term, implicitly AND-ed: the same semantics as `SearchText::matches`.

use diesel::BoxableExpression;
use diesel::dsl::sql;
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::Sqlite;
use ticketing_domain::listing::{SearchText, tokenize};

/// Stored words are cut to this many bytes (at a character boundary): longer than any search
/// term can be (`SearchText::MAX_CHARS` characters, each lower-casing to at most 4 bytes... see
/// the test below), so prefix matches are unchanged, and short enough for PostgreSQL lexemes.
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
) -> Box<dyn BoxableExpression<crate::schema::tickets::table, Sqlite, SqlType = Bool>> {
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
    fn cuts_long_words_at_a_char_boundary() {
        let long = "é".repeat(600);
        let stored = search_text("t", &long);
        let word = stored.split(' ').nth(1).unwrap_or_default();
        assert!(word.len() <= MAX_WORD_BYTES);
        assert!(long.starts_with(word));
    }

    #[test]
    fn builds_prefix_queries() {
        let q = SearchText::parse("Foo, bär").unwrap();
        assert_eq!(fts_query(&q), "\"foo\"* \"bär\"*");
    }
}
