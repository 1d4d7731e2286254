//! Fuzz target `email`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::{Email, Username};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(email) = Email::parse(raw) {
        let s = email.as_str();
        assert!(s.chars().count() <= Email::MAX_CHARS);
        assert_eq!(s.matches('@').count(), 1, "one @");
        assert!(!email.local_part().is_empty());
        assert!(!s.chars().any(char::is_control));
        assert_eq!(Email::parse(s).map(|e| e.key()), Ok(email.key()));
        // A username can always be derived from it.
        let derived = Username::derive_from_email(&email);
        assert!(Username::parse(derived.as_str()).is_ok(), "{derived:?}");
    }
});
