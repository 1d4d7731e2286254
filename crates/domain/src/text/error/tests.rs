#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use super::*;
use crate::text::{
    Description, Email, FileName, LoginName, MessageBody, PersonName, Topic, Username,
};

#[test]
fn value_error_messages() {
    let cases = [
        (ValueProblem::Blank, "must not be blank"),
        (
            ValueProblem::TooShort { min: 3 },
            "must be at least 3 characters",
        ),
        (
            ValueProblem::TooLong { max: 255 },
            "must be at most 255 characters",
        ),
        (
            ValueProblem::ControlCharacter,
            "must not contain control characters",
        ),
        (ValueProblem::InvalidCharacters("bad chars"), "bad chars"),
        (ValueProblem::InvalidFormat("bad shape"), "bad shape"),
    ];
    for (p, text) in cases {
        assert_eq!(p.to_string(), text);
        assert_eq!(ValueError::from(p).to_string(), text);
        assert_eq!(ValueError::new(p).field(), None);
        let named = ValueError::new(p).in_field("topic");
        assert_eq!(named.field(), Some("topic"));
        assert_eq!(named.problem(), p);
        assert_eq!(named.to_string(), format!("topic {text}"));
    }
}

#[test]
fn parsers_name_their_field() {
    let fields = [
        (Topic::parse("").err(), Some("topic")),
        (Description::parse("").err(), Some("description")),
        (MessageBody::parse("").err(), Some("message")),
        (PersonName::parse("\0").err(), None),
        (Username::parse("a b").err(), Some("username")),
        (Email::parse("nope").err(), Some("email")),
        (LoginName::parse("ab").err(), Some("username")),
    ];
    for (err, field) in fields {
        let err = err.unwrap();
        assert_eq!(err.field(), field, "{err:?}");
    }
    assert_eq!(
        Email::parse("nope").unwrap_err().to_string(),
        "email must be a valid email address"
    );
}

#[test]
fn every_text_type_parses_with_from_str_and_is_a_str() {
    fn check<T>(raw: &str, want: &str)
    where
        T: std::str::FromStr + AsRef<str> + fmt::Display + for<'a> TryFrom<&'a str>,
        <T as std::str::FromStr>::Err: fmt::Debug,
    {
        let v: T = raw.parse().unwrap();
        assert_eq!(v.as_ref(), want);
        assert_eq!(v.to_string(), want);
        assert!(T::try_from(raw).is_ok());
    }
    check::<Topic>(" Printer ", "Printer");
    check::<Description>(" Smoke\n", "Smoke");
    check::<MessageBody>(" hi ", "hi");
    check::<PersonName>(" Ada ", "Ada");
    check::<Username>(" Alice ", "Alice");
    check::<Email>(" a@example.com ", "a@example.com");
    check::<LoginName>(" alice ", "alice");
    let f: FileName = "../x.txt".parse().unwrap();
    assert_eq!(f.as_ref(), "x.txt");
}
