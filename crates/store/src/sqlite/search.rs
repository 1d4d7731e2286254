//! Text search on SQLite. The FTS5 table `tickets_fts` indexes the three word columns of
//! `tickets` (`search_text`, `conversation_text`, `notes_text`: the stored words,
//! [`crate::words`]) with the `ascii` tokenizer, which splits only on ASCII non-alphanumerics and
//! folds only `A-Z`: on such text it yields exactly the domain's words, whatever the script. A
//! query is one quoted prefix term per domain term, implicitly AND-ed; a customer's query is
//! limited to the public columns by a column filter. The shared listing query puts these pieces
//! together.

/// The condition, around the bound query text: the FTS5 rowids that match it.
const MATCH: (&str, &str) = (
    "tickets.seq IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ",
    ")",
);

/// [`MATCH`] for a search with many matches: the unary `+` keeps SQLite from looking tickets up
/// by the matching rowids, so it walks the list's order index backwards instead and tests each
/// ticket against the matches (materialized once), stopping when the page is full, rather than
/// fetching and sorting every match.
const MATCH_MANY: (&str, &str) = (
    "+tickets.seq IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ",
    ")",
);

/// The condition around the bound query text of [`query`] (the same for everyone: the column
/// filter is in the query text); `many`: the plan for a search with many matches.
pub(crate) fn matching(_public_only: bool, many: bool) -> (&'static str, &'static str) {
    if many { MATCH_MANY } else { MATCH }
}

/// The query text: every term a prefix (`"foo"*`, quotes doubled, though terms are letters and
/// digits only), all required (FTS5 requires every term of a space-separated list); with
/// `public_only`, in topic, description and public messages only.
pub(crate) fn query(terms: &[String], public_only: bool) -> String {
    let all = terms
        .iter()
        .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ");
    if public_only {
        format!("{{search_text conversation_text}} : ({all})")
    } else {
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_prefix_queries() {
        let terms = ["foo", "bär", "o\"k"].map(String::from);
        assert_eq!(query(&terms, false), "\"foo\"* \"bär\"* \"o\"\"k\"*");
        assert_eq!(
            query(&terms[..1], true),
            "{search_text conversation_text} : (\"foo\"*)"
        );
    }
}
