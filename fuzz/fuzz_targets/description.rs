//! Fuzz target `description`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::Description;

// Parsing never panics; an accepted value is trimmed, at most Description::MAX_CHARS characters,
// not blank, free of control characters (but tab, CR, LF), and parses again to itself.
fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = Description::parse(raw) {
        let s = value.as_str();
        assert_eq!(s, s.trim(), "kept surrounding whitespace");
        assert!(s.chars().count() <= Description::MAX_CHARS, "too long");
        assert!(!s.is_empty(), "blank accepted");
        assert!(
            s.chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')),
            "control character kept"
        );
        assert_eq!(
            Description::parse(s).as_ref().map(Description::as_str),
            Ok(s),
            "not idempotent"
        );
    }
});
