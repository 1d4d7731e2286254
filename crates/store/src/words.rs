//! The words of a ticket as both databases store them for text search: `tickets.search_text`
//! (topic and description), `tickets.conversation_text` (the public messages) and
//! `tickets.notes_text` (the internal notes), each exactly the domain tokenizer's words
//! ([`ticketing_domain::listing::tokenize`]: split and lower-cased), joined by single spaces;
//! the two conversation columns hold each word once, in the order it first appeared. Each backend indexes that column its own way
//! (`postgres/search.rs`, `sqlite/search.rs`) and matches the same prefix semantics as
//! `SearchText::matches`.

use std::collections::HashSet;

use ticketing_domain::listing::tokenize;

/// How a text search finds its matches (each backend's `search::condition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Through the text index: the matches are few; they are fetched, then sorted.
    Index,
    /// Row by row while walking the list's order index, stopping when the page is full: the
    /// matches are many (see `ticketing_domain::listing::SEARCH_WALK`).
    Walk,
}

/// Stored words are cut to this many bytes (at a character boundary): longer than any search
/// term can be (see the test below), so prefix matches are unchanged, and below PostgreSQL's
/// limit of 2047 bytes per lexeme.
pub const MAX_WORD_BYTES: usize = 1024;

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
pub fn search_text(topic: &str, description: &str) -> String {
    let mut out = String::new();
    for word in tokenize(&format!("{topic} {description}")) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(cut(&word, MAX_WORD_BYTES));
    }
    out
}

/// Which of a ticket's conversation word columns a message adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WordColumn {
    /// `conversation_text`: the public messages.
    Conversation,
    /// `notes_text`: the internal notes.
    Notes,
}

/// The words of `body` as stored (cut), each once, in the order they first appear.
pub(crate) fn distinct(body: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    tokenize(body)
        .iter()
        .map(|w| cut(w, MAX_WORD_BYTES))
        .filter(|w| seen.insert(*w))
        .map(str::to_owned)
        .collect()
}

/// `stored` (conversation words) with the words of `body` it lacks appended; `None` when it
/// holds them all already (nothing to write).
pub fn merged(stored: &str, body: &str) -> Option<String> {
    let mut seen: HashSet<&str> = stored.split(' ').filter(|w| !w.is_empty()).collect();
    let words = distinct(body);
    let mut out = stored.to_owned();
    let mut changed = false;
    for word in &words {
        if seen.insert(word) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
            changed = true;
        }
    }
    changed.then_some(out)
}

/// The conversation words of a ticket from scratch: its messages' bodies, in order (the
/// upgrade's backfill, see `queries::messages::backfill_conversation_words`).
pub fn conversation_text<'a>(bodies: impl IntoIterator<Item = &'a str>) -> String {
    bodies.into_iter().fold(String::new(), |stored, body| {
        merged(&stored, body).unwrap_or(stored)
    })
}

#[cfg(test)]
mod tests {
    use ticketing_domain::listing::SearchText;

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
    fn merges_new_words_once() {
        assert_eq!(
            merged("", "Hello, hello WORLD"),
            Some("hello world".to_owned())
        );
        assert_eq!(merged("hello world", "world HELLO!"), None);
        assert_eq!(
            merged("hello world", "Wörld peace"),
            Some("hello world wörld peace".to_owned())
        );
        assert_eq!(merged("x", "..."), None);
        assert_eq!(conversation_text(["A b", "b c", "!"]), "a b c");
        assert_eq!(conversation_text([]), "");
    }
}
