//! Fuzz target `username`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::Username;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(name) = Username::parse(raw) {
        let s = name.as_str();
        let n = s.chars().count();
        assert!((Username::MIN_CHARS..=Username::MAX_CHARS).contains(&n));
        assert!(
            s.chars()
                .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
        );
        assert_eq!(Username::parse(s).map(|u| u.key()), Ok(name.key()));
    }
});
