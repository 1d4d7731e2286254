//! Fuzz target `person_name`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::PersonName;

// Parsing never panics; an accepted value is trimmed, at most PersonName::MAX_CHARS characters,
// may be blank, free of control characters, and parses again to itself.
fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = PersonName::parse(raw) {
        let s = value.as_str();
        assert_eq!(s, s.trim(), "kept surrounding whitespace");
        assert!(s.chars().count() <= PersonName::MAX_CHARS, "too long");
        assert!(s.chars().all(|c| !c.is_control()), "control character kept");
        assert_eq!(
            PersonName::parse(s).as_ref().map(PersonName::as_str),
            Ok(s),
            "not idempotent"
        );
    }
});
