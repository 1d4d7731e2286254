//! Fuzz target `login_name`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::LoginName;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(login) = LoginName::parse(raw) {
        let again = match &login {
            LoginName::Email(e) => LoginName::parse(e.as_str()),
            LoginName::Username(u) => LoginName::parse(u.as_str()),
        };
        assert_eq!(again, Ok(login));
    }
});
