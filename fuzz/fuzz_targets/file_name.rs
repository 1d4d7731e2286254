//! Fuzz target `file_name`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::FileName;

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let name = FileName::sanitize(&raw);
    let s = name.as_str();
    assert!(!s.is_empty() && s.chars().count() <= FileName::MAX_CHARS);
    assert!(
        !s.contains('/') && !s.contains('\\'),
        "a path separator survived: {s:?}"
    );
    assert!(!s.starts_with('.'), "a leading dot survived: {s:?}");
    assert!(
        !s.chars().any(char::is_control),
        "a control character survived: {s:?}"
    );
    assert!(
        !s.chars()
            .any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
        "a bidi control survived: {s:?}"
    );
    assert_eq!(s, s.trim_end());
    assert_eq!(FileName::sanitize(s).as_str(), s, "not idempotent");
});
