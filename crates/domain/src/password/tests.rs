#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use PasswordProblem::*;

fn account(username: &str, email: &str) -> (Username, Email) {
    (
        Username::parse(username).unwrap(),
        Email::parse(email).unwrap(),
    )
}

fn problems(password: &str, username: &str, email: &str) -> Vec<PasswordProblem> {
    let (u, e) = account(username, email);
    match NewPassword::parse(Password::new(password), &u, &e) {
        Ok(p) => {
            assert_eq!(p.password().expose(), password);
            Vec::new()
        }
        Err(PasswordError(problems)) => problems,
    }
}

fn alice(password: &str) -> Vec<PasswordProblem> {
    problems(password, "alice", "alice@example.com")
}

#[test]
fn good_passwords_pass() {
    for ok in [
        "correct horse battery",
        "xq7#kLm2",
        "Tr0ub4dor&3",
        "ünïcödé-pässwörd",
        "密码是一个秘密的东西",
        "        ",
    ] {
        assert_eq!(alice(ok), [], "{ok:?}");
    }
}

#[test]
fn too_short_alone() {
    assert_eq!(alice("xq7#kLm"), [TooShort]);
    // Counted in characters: 7 four-byte characters are 28 bytes but still too short.
    assert_eq!(alice("😀😀😀😀😀😀😀"), [TooShort]);
    assert_eq!(alice("😀😀😀😀😀😀😀😀"), []);
}

#[test]
fn too_long_alone() {
    let at_limit = "x".repeat(Password::MAX_BYTES);
    assert_eq!(alice(&at_limit), []);
    assert_eq!(alice(&"x".repeat(Password::MAX_BYTES + 1)), [TooLong]);
    // The limit is in bytes: 342 three-byte characters are 1026 bytes.
    assert_eq!(alice(&"€".repeat(342)), [TooLong]);
    assert_eq!(alice(&"€".repeat(341)), []);
}

#[test]
fn entirely_numeric_alone() {
    assert_eq!(alice("4829175036"), [EntirelyNumeric]);
    // Digits of other scripts are digits too.
    assert_eq!(alice("٤٨٢٩١٧٥٠٣٦"), [EntirelyNumeric]);
    assert_eq!(alice("48291750x6"), []);
}

#[test]
fn too_common_alone() {
    for common in [
        "iloveyou",
        "qwertyuiop",
        "password1",
        "PassWord1",
        "SUNSHINE",
    ] {
        assert_eq!(alice(common), [TooCommon], "{common}");
    }
}

#[test]
fn too_similar_alone() {
    let u = "zaphod";
    let e = "ford.prefect@heart-of-gold.space";
    for similar in [
        "zaphod2024",
        "ford.prefect",
        "Ford.Prefect",
        "FORD.PREFECT2024",
        "ford.prefect!!",
        "ford.prefect@heart-of-gold.space",
        "Ford.Prefect@Heart-Of-Gold.Space",
    ] {
        assert_eq!(problems(similar, u, e), [TooSimilarToAccount], "{similar}");
    }
    let u = "zaphodbeeblebrox";
    for similar in [
        "zaphodbeeblebrox",
        "ZaphodBeeblebrox",
        "zaphodbeeblebrox42",
        "Zaphodbeeblebrox1!",
    ] {
        assert_eq!(problems(similar, u, e), [TooSimilarToAccount], "{similar}");
    }
    // Not just a prefix: something else follows.
    for different in [
        "zaphodbeeblebrox is cool",
        "zaphodbeeblebroxx",
        "xzaphodbeeblebrox",
    ] {
        assert_eq!(problems(different, u, e), [], "{different}");
    }
}

#[test]
fn similarity_with_usernames_ending_in_digits() {
    let (u, e) = ("marvin99", "robot@example.com");
    assert_eq!(problems("marvin99", u, e), [TooSimilarToAccount]);
    assert_eq!(problems("Marvin99123", u, e), [TooSimilarToAccount]);
    assert_eq!(problems("marvin99!", u, e), [TooSimilarToAccount]);
    assert_eq!(problems("marvin9", u, e), [TooShort]);
}

#[test]
fn several_problems_at_once() {
    assert_eq!(alice("123456"), [TooShort, EntirelyNumeric, TooCommon]);
    assert_eq!(alice("Alice"), [TooShort, TooCommon, TooSimilarToAccount]);
    assert_eq!(alice("alice1"), [TooShort, TooCommon, TooSimilarToAccount]);
    assert_eq!(alice("alice#7"), [TooShort, TooSimilarToAccount]);
    assert_eq!(alice(""), [TooShort]);
    assert_eq!(
        problems("12345678", "12345678", "x@example.com"),
        [EntirelyNumeric, TooCommon, TooSimilarToAccount]
    );
    assert_eq!(
        problems(&"9".repeat(1100), "zaphod", "x@example.com"),
        [TooLong, EntirelyNumeric]
    );
    let long_name = "q".repeat(150);
    let long_pw = format!("{long_name}{}", "1".repeat(1000));
    assert_eq!(
        problems(&long_pw, &long_name, "x@example.com"),
        [TooLong, TooSimilarToAccount]
    );
}

#[test]
fn the_common_list_is_large() {
    let n = common_password_count();
    assert!(n >= 10_000, "{n}");
    assert!(n <= 20_000, "{n}");
}

#[test]
fn secrets_stay_out_of_debug() {
    let p = Password::new("hunter2hunter2");
    assert_eq!(format!("{p:?}"), "Password(<redacted>)");
    let (u, e) = account("alice", "alice@example.com");
    let n = NewPassword::parse(p.clone(), &u, &e).unwrap();
    assert_eq!(format!("{n:?}"), "NewPassword(<redacted>)");
    assert_eq!(n.password(), &p);
}

#[test]
fn error_messages() {
    let e = PasswordError(vec![
        TooShort,
        TooLong,
        EntirelyNumeric,
        TooCommon,
        TooSimilarToAccount,
    ]);
    assert_eq!(
        e.to_string(),
        "password refused: must be at least 8 characters; must be at most 1024 bytes; \
         must not be entirely numeric; is too common; is too similar to the username or email"
    );
}
