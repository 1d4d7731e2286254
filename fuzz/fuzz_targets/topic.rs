//! Fuzz target `topic`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::Topic;

// Parsing never panics; an accepted value is trimmed, at most Topic::MAX_CHARS characters,
// not blank, free of control characters, and parses again to itself.
fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = Topic::parse(raw) {
        let s = value.as_str();
        assert_eq!(s, s.trim(), "kept surrounding whitespace");
        assert!(s.chars().count() <= Topic::MAX_CHARS, "too long");
        assert!(!s.is_empty(), "blank accepted");
        assert!(s.chars().all(|c| !c.is_control()), "control character kept");
        assert_eq!(
            Topic::parse(s).as_ref().map(Topic::as_str),
            Ok(s),
            "not idempotent"
        );
    }
});
