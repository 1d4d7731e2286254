//! Fuzz target `message_body`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::MessageBody;

// Parsing never panics; an accepted value is trimmed, at most MessageBody::MAX_CHARS characters,
// not blank, free of control characters (but tab, CR, LF), and parses again to itself.
fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = MessageBody::parse(raw) {
        let s = value.as_str();
        assert_eq!(s, s.trim(), "kept surrounding whitespace");
        assert!(s.chars().count() <= MessageBody::MAX_CHARS, "too long");
        assert!(!s.is_empty(), "blank accepted");
        assert!(
            s.chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')),
            "control character kept"
        );
        assert_eq!(
            MessageBody::parse(s).as_ref().map(MessageBody::as_str),
            Ok(s),
            "not idempotent"
        );
    }
});
