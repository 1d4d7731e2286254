//! Fuzz target `new_password`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::{Email, NewPassword, Password, Username};

fuzz_target!(|data: &[u8]| {
    // The first bytes name the account, the rest is the password.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let at = (split as usize).min(rest.len());
    let (account, password) = rest.split_at(at);
    let account = String::from_utf8_lossy(account);
    let username = Username::parse(&account).unwrap_or_else(|_| Username::parse("alice").unwrap());
    let email = Email::parse(&format!("{}@example.com", username.as_str()))
        .unwrap_or_else(|_| Email::parse("alice@example.com").unwrap());
    let password = String::from_utf8_lossy(password).into_owned();
    if let Ok(ok) = NewPassword::parse(Password::new(password.clone()), &username, &email) {
        assert!(password.chars().count() >= 8);
        assert!(password.len() <= Password::MAX_BYTES);
        assert!(!password.chars().all(char::is_numeric));
        assert!(
            !password.to_lowercase().starts_with(&username.key()) || {
                let rest = &password.to_lowercase()[username.key().len()..];
                !rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
            }
        );
        assert_eq!(ok.password().expose(), password);
    }
});
