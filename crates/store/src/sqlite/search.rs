//! Text search on SQLite. The FTS5 table `tickets_fts` indexes `tickets.search_text` (the stored
//! words, [`crate::words`]) with the `ascii` tokenizer, which splits only on ASCII
//! non-alphanumerics and folds only `A-Z`: on such text it yields exactly the domain's words,
//! whatever the script. A query is one quoted prefix term per domain term, implicitly AND-ed.
//! The shared listing query puts these pieces together.

/// The condition, around the bound query text: the FTS5 rowids that match it.
pub(crate) const MATCH: (&str, &str) = (
    "tickets.seq IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ",
    ")",
);

/// One prefix term: `"foo"*` (quotes doubled, though terms are letters and digits only).
pub(crate) fn term(t: &str) -> String {
    format!("\"{}\"*", t.replace('"', "\"\""))
}

/// Between terms: FTS5 requires every term of a space-separated list.
pub(crate) const AND: &str = " ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_prefix_queries() {
        assert_eq!(
            ["foo", "bär", "o\"k"].map(term).join(AND),
            "\"foo\"* \"bär\"* \"o\"\"k\"*"
        );
    }
}
