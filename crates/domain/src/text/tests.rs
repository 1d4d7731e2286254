#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn rep(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

const ONLY_ALLOWED: ValueProblem =
    ValueProblem::InvalidCharacters("may contain only letters, digits and @ . + - _");
const NOT_EMAIL: ValueProblem = ValueProblem::InvalidFormat("must be a valid email address");

/// What is wrong, without the field (tested once, in `parsers_name_their_field`).
fn problem<T>(r: Result<T, ValueError>) -> Result<T, ValueProblem> {
    r.map_err(|e| e.problem())
}

/// Every C0 and C1 control character except the newline family, plus DEL.
fn controls() -> Vec<char> {
    ('\u{0}'..='\u{1f}')
        .chain('\u{7f}'..='\u{9f}')
        .filter(|c| !matches!(c, '\n' | '\r' | '\t'))
        .collect()
}

#[test]
fn topic_bounds_count_characters_not_bytes() {
    for c in ['a', 'é', '漢', '😀'] {
        let ok = rep(c, 255);
        assert_eq!(Topic::parse(&ok).unwrap().as_str(), ok, "{c}");
        assert_eq!(
            problem(Topic::parse(&rep(c, 256))),
            Err(ValueProblem::TooLong { max: 255 }),
            "{c}"
        );
    }
    // 255 four-byte characters are 1020 bytes and still fine.
    assert_eq!(Topic::parse(&rep('😀', 255)).unwrap().as_str().len(), 1020);
    // Surrounding whitespace does not count.
    let padded = format!("  \t{}\u{3000} ", rep('x', 255));
    assert_eq!(Topic::parse(&padded).unwrap().as_str(), rep('x', 255));
    assert_eq!(Topic::MAX_CHARS, 255);
}

#[test]
fn long_text_bounds() {
    for c in ['a', 'ж', '😀'] {
        let ok = rep(c, 10_000);
        assert_eq!(Description::parse(&ok).unwrap().as_str(), ok);
        assert_eq!(MessageBody::parse(&ok).unwrap().as_str(), ok);
        let long = rep(c, 10_001);
        assert_eq!(
            problem(Description::parse(&long)),
            Err(ValueProblem::TooLong { max: 10_000 })
        );
        assert_eq!(
            problem(MessageBody::parse(&long)),
            Err(ValueProblem::TooLong { max: 10_000 })
        );
    }
    assert_eq!(Description::MAX_CHARS, 10_000);
    assert_eq!(MessageBody::MAX_CHARS, 10_000);
}

#[test]
fn person_name_bounds() {
    assert_eq!(
        PersonName::parse(&rep('ä', 150)).unwrap().as_str(),
        rep('ä', 150)
    );
    assert_eq!(
        problem(PersonName::parse(&rep('ä', 151))),
        Err(ValueProblem::TooLong { max: 150 })
    );
    // Empty is allowed (after trimming too).
    assert_eq!(PersonName::parse("").unwrap(), PersonName::empty());
    assert_eq!(PersonName::parse(" \t ").unwrap().as_str(), "");
    assert_eq!(PersonName::parse("  Zoë  ").unwrap().as_str(), "Zoë");
    assert_eq!(PersonName::MAX_CHARS, 150);
}

#[test]
fn blank_is_refused_except_for_names() {
    for blank in ["", " ", "\t\n\r ", "\u{a0}\u{2003}\u{3000}"] {
        assert_eq!(
            problem(Topic::parse(blank)),
            Err(ValueProblem::Blank),
            "{blank:?}"
        );
        assert_eq!(
            problem(Description::parse(blank)),
            Err(ValueProblem::Blank),
            "{blank:?}"
        );
        assert_eq!(
            problem(MessageBody::parse(blank)),
            Err(ValueProblem::Blank),
            "{blank:?}"
        );
        assert_eq!(
            problem(Username::parse(blank)),
            Err(ValueProblem::Blank),
            "{blank:?}"
        );
        assert_eq!(
            problem(Email::parse(blank)),
            Err(ValueProblem::Blank),
            "{blank:?}"
        );
        assert_eq!(
            problem(LoginName::parse(blank)),
            Err(ValueProblem::Blank),
            "{blank:?}"
        );
        assert_eq!(PersonName::parse(blank).unwrap().as_str(), "");
    }
}

#[test]
fn control_characters_are_refused_everywhere() {
    for c in controls() {
        let s = format!("ab{c}cd");
        assert_eq!(
            problem(Topic::parse(&s)),
            Err(ValueProblem::ControlCharacter),
            "{c:?}"
        );
        assert_eq!(
            problem(Description::parse(&s)),
            Err(ValueProblem::ControlCharacter),
            "{c:?}"
        );
        assert_eq!(
            problem(MessageBody::parse(&s)),
            Err(ValueProblem::ControlCharacter),
            "{c:?}"
        );
        assert_eq!(
            problem(PersonName::parse(&s)),
            Err(ValueProblem::ControlCharacter),
            "{c:?}"
        );
        assert_eq!(problem(Username::parse(&s)), Err(ONLY_ALLOWED), "{c:?}");
        assert!(
            Email::parse(&format!("a{c}b@example.com")).is_err(),
            "{c:?}"
        );
        assert!(
            Email::parse(&format!("ab@exa{c}mple.com")).is_err(),
            "{c:?}"
        );
        assert!(LoginName::parse(&s).is_err(), "{c:?}");
        assert!(!FileName::sanitize(&s).as_str().contains(c), "{c:?}");
    }
    // NUL alone is not blank, it is a control character.
    assert_eq!(
        problem(Topic::parse("\0")),
        Err(ValueProblem::ControlCharacter)
    );
    assert_eq!(
        problem(PersonName::parse("\0")),
        Err(ValueProblem::ControlCharacter)
    );
}

#[test]
fn newlines_and_tabs_only_in_long_texts() {
    let text = "line 1\r\nline 2\n\tindented";
    assert_eq!(Description::parse(text).unwrap().as_str(), text);
    assert_eq!(MessageBody::parse(text).unwrap().as_str(), text);
    for c in ['\n', '\r', '\t'] {
        let s = format!("a{c}b");
        assert_eq!(
            problem(Topic::parse(&s)),
            Err(ValueProblem::ControlCharacter),
            "{c:?}"
        );
        assert_eq!(
            problem(PersonName::parse(&s)),
            Err(ValueProblem::ControlCharacter),
            "{c:?}"
        );
        assert_eq!(problem(Username::parse(&s)), Err(ONLY_ALLOWED), "{c:?}");
    }
    // At the ends they are whitespace and trimmed away.
    assert_eq!(Topic::parse("\n topic \r\n").unwrap().as_str(), "topic");
    assert_eq!(
        MessageBody::parse("\n\nHello,\n\nthanks\n\n")
            .unwrap()
            .as_str(),
        "Hello,\n\nthanks"
    );
}

#[test]
fn text_accessors() {
    let t = Topic::parse(" VPN ").unwrap();
    assert_eq!(t.to_string(), "VPN");
    assert_eq!(format!("{t:?}"), "Topic(\"VPN\")");
    assert_eq!(t.as_ref(), "VPN");
    assert_eq!(Topic::try_from("VPN").unwrap(), t);
    assert_eq!(t.into_inner(), "VPN".to_owned());
    let d = Description::try_from("x").unwrap();
    assert_eq!(format!("{d:?}"), "Description(\"x\")");
}

#[test]
fn username_bounds() {
    assert_eq!(
        problem(Username::parse("ab")),
        Err(ValueProblem::TooShort { min: 3 })
    );
    assert_eq!(
        problem(Username::parse("ü")),
        Err(ValueProblem::TooShort { min: 3 })
    );
    // Two CJK characters are 6 bytes but only 2 characters.
    assert_eq!(
        problem(Username::parse("用户")),
        Err(ValueProblem::TooShort { min: 3 })
    );
    assert_eq!(Username::parse("abc").unwrap().as_str(), "abc");
    assert_eq!(Username::parse("用户名").unwrap().as_str(), "用户名");
    assert_eq!(
        Username::parse(&rep('ß', 150)).unwrap().as_str(),
        rep('ß', 150)
    );
    assert_eq!(
        problem(Username::parse(&rep('b', 151))),
        Err(ValueProblem::TooLong { max: 150 })
    );
    assert_eq!(Username::parse("  bob  ").unwrap().as_str(), "bob");
    assert_eq!((Username::MIN_CHARS, Username::MAX_CHARS), (3, 150));
}

#[test]
fn username_characters() {
    for ok in [
        "alice_1",
        "a.b+c-d_e@f",
        "@@@",
        "___",
        "123",
        "Zoë",
        "Ñandú",
        "Σωκράτης",
        "Пётр",
        "محمد",
        "用户名",
        "x²³",
    ] {
        assert_eq!(Username::parse(ok).unwrap().as_str(), ok, "{ok}");
    }
    for bad in [
        "alice smith",
        "a/b",
        "a\\b",
        "a!b",
        "a#b",
        "a'b",
        "a\"b",
        "a<b>",
        "a,b",
        "a:b",
        "a;b",
        "a=b",
        "a*b",
        "a%b",
        "emoji😀",
        "a\u{a0}b",
        "a\u{200b}b",
    ] {
        assert_eq!(problem(Username::parse(bad)), Err(ONLY_ALLOWED), "{bad:?}");
    }
}

#[test]
fn usernames_compare_case_insensitively() {
    use std::collections::HashSet;
    let a = Username::parse("Alice").unwrap();
    let b = Username::parse("aLICE").unwrap();
    assert_eq!(a, b);
    assert_eq!(a.key(), "alice");
    assert_eq!(a.as_str(), "Alice");
    assert_eq!(a.to_string(), "Alice");
    assert_eq!(format!("{a:?}"), "Username(\"Alice\")");
    assert_ne!(a, Username::parse("alicia").unwrap());
    let set: HashSet<_> = [a, b].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert_eq!(
        Username::parse("ΣΟΦΙΑ").unwrap(),
        Username::parse("σοφια").unwrap()
    );
}

#[test]
fn usernames_derived_from_email() {
    let derive = |e: &str| Username::derive_from_email(&Email::parse(e).unwrap());
    assert_eq!(derive("john.doe+x@example.com").as_str(), "john.doe+x");
    assert_eq!(derive("a@b.co").as_str(), "a__");
    assert_eq!(derive("o'ne!l@b.co").as_str(), "onel");
    assert_eq!(derive("'!#@b.co").as_str(), "___");
    let long = format!("{}@b.co", rep('x', 64));
    assert_eq!(derive(&long).as_str(), rep('x', 64));
    // Derived names are always valid usernames.
    for e in ["a@b.co", "'!#@b.co", long.as_str(), "Zoë@exämple.de"] {
        let u = derive(e);
        assert_eq!(
            Username::parse(u.as_str()).unwrap().as_str(),
            u.as_str(),
            "{e}"
        );
    }
    let u = Username::parse("alice").unwrap();
    assert_eq!(u.with_suffix(7).as_str(), "alice7");
    let longest = Username::parse(&rep('z', 150)).unwrap();
    let suffixed = longest.with_suffix(u32::MAX);
    assert_eq!(suffixed.as_str(), format!("{}{}", rep('z', 139), u32::MAX));
    assert_eq!(Username::parse(suffixed.as_str()).unwrap(), suffixed);
}

#[test]
fn email_valid_shapes() {
    for ok in [
        "a@b.co",
        "first.last+tag@sub.example.org",
        "UPPER@EXAMPLE.COM",
        "a-b_c@a-b.c-d.com",
        "x@xn--bcher-kva.ch",
        "Zoë@exämple.de",
        "user%host!bang#{}~@example.com",
        "1@2.3",
    ] {
        assert_eq!(Email::parse(ok).unwrap().as_str(), ok, "{ok}");
    }
    assert_eq!(
        Email::parse("  a@b.co\n").unwrap().as_str(),
        "a@b.co",
        "trimmed"
    );
}

#[test]
fn email_invalid_shapes() {
    for bad in [
        "plain",
        "@example.com",
        "alice@",
        "alice@localhost",
        "alice@.com",
        "alice@example.",
        "alice@example.com.",
        "alice@example..com",
        "alice@-example.com",
        "alice@example-.com",
        "alice@exa_mple.com",
        "alice@exa mple.com",
        ".alice@example.com",
        "alice.@example.com",
        "al..ice@example.com",
        "al ice@example.com",
        "al\"ice@example.com",
        "al(ice)@example.com",
        "al,ice@example.com",
        "al:ice@example.com",
        "al;ice@example.com",
        "al<ice>@example.com",
        "al[ice]@example.com",
        "al\\ice@example.com",
        "a@b@example.com",
        "alice@example.com/x",
    ] {
        assert_eq!(problem(Email::parse(bad)), Err(NOT_EMAIL), "{bad:?}");
    }
}

#[test]
fn email_lengths() {
    let local64 = rep('l', 64);
    assert!(Email::parse(&format!("{local64}@example.com")).is_ok());
    assert_eq!(
        problem(Email::parse(&format!("{}@example.com", rep('l', 65)))),
        Err(NOT_EMAIL)
    );
    // 64 multi-byte characters are fine: the limit is in characters.
    assert!(Email::parse(&format!("{}@example.com", rep('ü', 64))).is_ok());
    // 64 + 1 + 189 = 254.
    let domain = format!("{}.{}.{}", rep('a', 63), rep('b', 63), rep('c', 61));
    let longest = format!("{local64}@{domain}");
    assert_eq!(longest.chars().count(), 254);
    assert_eq!(Email::parse(&longest).unwrap().as_str(), longest);
    let too_long = format!("{local64}@{domain}c");
    assert_eq!(
        problem(Email::parse(&too_long)),
        Err(ValueProblem::TooLong { max: 254 })
    );
    // Domain labels: at most 63 characters.
    assert!(Email::parse(&format!("a@{}.com", rep('d', 63))).is_ok());
    assert_eq!(
        problem(Email::parse(&format!("a@{}.com", rep('d', 64)))),
        Err(NOT_EMAIL)
    );
    assert_eq!(Email::MAX_CHARS, 254);
}

#[test]
fn emails_compare_case_insensitively() {
    use std::collections::HashSet;
    let a = Email::parse("Alice@Example.COM").unwrap();
    let b = Email::parse("alice@example.com").unwrap();
    assert_eq!(a, b);
    assert_eq!(a.as_str(), "Alice@Example.COM");
    assert_eq!(a.key(), "alice@example.com");
    assert_eq!(a.local_part(), "Alice");
    assert_eq!(a.to_string(), "Alice@Example.COM");
    assert_eq!(format!("{a:?}"), "Email(\"Alice@Example.COM\")");
    assert_ne!(a, Email::parse("alice@example.org").unwrap());
    let set: HashSet<_> = [a, b].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn login_names() {
    assert_eq!(
        LoginName::parse("alice").unwrap(),
        LoginName::Username(Username::parse("alice").unwrap())
    );
    assert_eq!(
        LoginName::parse("  Alice@Example.com ").unwrap(),
        LoginName::Email(Email::parse("alice@example.com").unwrap())
    );
    // An `@` without a valid address is a username (usernames may hold `@`).
    assert_eq!(
        LoginName::parse("bob@host").unwrap(),
        LoginName::Username(Username::parse("bob@host").unwrap())
    );
    assert_eq!(
        problem(LoginName::parse("ab")),
        Err(ValueProblem::TooShort { min: 3 })
    );
    assert_eq!(problem(LoginName::parse("a b@c.com")), Err(ONLY_ALLOWED));
    assert_eq!(problem(LoginName::parse("")), Err(ValueProblem::Blank));
}

#[test]
fn file_names_are_sanitized() {
    let cases = [
        ("report.pdf", "report.pdf"),
        ("  report.pdf  ", "report.pdf"),
        ("résumé 2024.docx", "résumé 2024.docx"),
        ("archive.tar.gz", "archive.tar.gz"),
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("dir/sub\\mixed/name.txt", "name.txt"),
        ("dir/", "file"),
        ("/", "file"),
        ("", "file"),
        ("   ", "file"),
        (".", "file"),
        ("..", "file"),
        ("...", "file"),
        (".bashrc", "bashrc"),
        ("...hidden", "hidden"),
        (". .bashrc", "bashrc"),
        (" . . .env", "env"),
        ("notes.", "notes."),
        ("re\0po\nrt\u{7f}.txt", "report.txt"),
        ("\u{1b}[31mred.txt", "[31mred.txt"),
        ("\0..", "file"),
        ("a\u{85}b", "ab"),
        ("invoice\u{202e}fdp.exe", "invoicefdp.exe"),
        ("\u{2067}a\u{200f}b\u{2069}.txt", "ab.txt"),
    ];
    for (raw, want) in cases {
        assert_eq!(FileName::sanitize(raw).as_str(), want, "{raw:?}");
    }
}

#[test]
fn long_file_names_are_cut_to_255_characters() {
    let name = format!("{}.pdf", rep('n', 296));
    assert_eq!(name.chars().count(), 300);
    assert_eq!(FileName::sanitize(&name).as_str(), rep('n', 255));
    let wide = rep('名', 300);
    assert_eq!(FileName::sanitize(&wide).as_str(), rep('名', 255));
    // A cut that ends in whitespace does not leave it behind.
    let spaced = format!("{} {}", rep('a', 254), rep('b', 10));
    assert_eq!(FileName::sanitize(&spaced).as_str(), rep('a', 254));
    assert_eq!(FileName::MAX_CHARS, 255);
}

#[test]
fn file_name_accessors() {
    let f = FileName::sanitize("a.txt");
    assert_eq!(f.to_string(), "a.txt");
    assert_eq!(format!("{f:?}"), "FileName(\"a.txt\")");
    assert_eq!(FileName::from_stored("a.txt".to_owned()), f);
}
