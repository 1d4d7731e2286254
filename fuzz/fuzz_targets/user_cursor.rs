//! Fuzz target `user_cursor`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::listing::{decode_user_cursor, encode_user_cursor};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((key, id)) = decode_user_cursor(text) {
        assert_eq!(
            decode_user_cursor(&encode_user_cursor(&key, id)),
            Ok((key, id))
        );
    }
});
