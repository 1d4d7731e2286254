//! Fuzz target `search_text`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::listing::SearchText;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = SearchText::parse(raw) {
        assert!(!q.terms().is_empty() && q.terms().len() <= SearchText::MAX_TERMS);
        for t in q.terms() {
            assert!(
                !t.is_empty() && t.chars().all(char::is_alphanumeric),
                "{t:?}"
            );
        }
        // The query matches the text it was made from.
        assert!(q.matches(raw), "{raw:?} does not match itself");
    }
});
