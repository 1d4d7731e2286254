#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::collection::vec;
use proptest::prelude::*;
use uuid::Uuid;

use crate::activity::Action;
use crate::ids::*;
use crate::listing::{
    Cursor, CursorKey, SearchText, SortKey, TicketOrdering, decode_user_cursor, encode_user_cursor,
};
use crate::password::{NewPassword, Password, PasswordProblem};
use crate::text::*;
use crate::ticket::{Priority, Status};
use crate::user::Role;

fn repeated(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

/// Arbitrary text: any Unicode, printable text, plausible values with padding, and long strings
/// around the length limits.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "\\PC{0,40}",
        2 => "[ \\t\\n]{0,2}[a-zA-Z0-9@._+-]{0,24}[ \\t\\n]{0,2}",
        2 => "[ ]{0,2}[a-z0-9.+_-]{1,12}@[a-z0-9-]{1,10}(\\.[a-z]{2,4}){1,2}[ ]{0,2}",
        1 => "[ .]{0,4}[a-z/\\\\.]{0,20}",
        1 => vec(any::<char>(), 0..1200).prop_map(String::from_iter),
        1 => (any::<char>(), prop_oneof![0..5usize, 145..156usize, 250..260usize])
            .prop_map(|(c, n)| repeated(c, n)),
        1 => (any::<char>(), 9_990..10_010usize).prop_map(|(c, n)| repeated(c, n)),
    ]
}

fn any_uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn ordering() -> impl Strategy<Value = TicketOrdering> {
    prop::sample::select(TicketOrdering::ALL.to_vec())
}

/// Accepted text parses again to the same value (trimming is idempotent).
macro_rules! reparses {
    ($ty:ty, $raw:expr) => {
        if let Ok(v) = <$ty>::parse($raw) {
            let again = <$ty>::parse(v.as_str());
            prop_assert_eq!(again.as_ref().map(|a| a.as_str()), Ok(v.as_str()));
            prop_assert_eq!(again, Ok(v.clone()));
            prop_assert_eq!(v.as_str(), v.as_str().trim());
        }
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn text_parsers_are_idempotent(raw in text()) {
        reparses!(Topic, &raw);
        reparses!(Description, &raw);
        reparses!(MessageBody, &raw);
        reparses!(PersonName, &raw);
        reparses!(Username, &raw);
        reparses!(Email, &raw);
    }

    #[test]
    fn accepted_text_respects_the_limits(raw in text()) {
        if let Ok(t) = Topic::parse(&raw) {
            let n = t.as_str().chars().count();
            prop_assert!((1..=255).contains(&n));
            prop_assert!(!t.as_str().chars().any(char::is_control));
        }
        if let Ok(d) = Description::parse(&raw) {
            prop_assert!((1..=10_000).contains(&d.as_str().chars().count()));
            prop_assert!(!d.as_str().chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')));
        }
        if let Ok(n) = PersonName::parse(&raw) {
            prop_assert!(n.as_str().chars().count() <= 150);
            prop_assert!(!n.as_str().chars().any(char::is_control));
        }
        if let Ok(u) = Username::parse(&raw) {
            prop_assert!((3..=150).contains(&u.as_str().chars().count()));
            prop_assert!(u.as_str().chars().all(|c| c.is_alphanumeric() || "@.+-_".contains(c)));
        }
        if let Ok(e) = Email::parse(&raw) {
            prop_assert!(e.as_str().chars().count() <= 254);
            prop_assert!(e.local_part().chars().count() <= 64);
            prop_assert_eq!(e.as_str().matches('@').count(), 1);
            let derived = Username::derive_from_email(&e);
            prop_assert_eq!(Username::parse(derived.as_str()), Ok(derived.clone()));
            prop_assert!(Username::parse(derived.with_suffix(u32::MAX).as_str()).is_ok());
        }
    }

    #[test]
    fn login_names_reparse(raw in text()) {
        match LoginName::parse(&raw) {
            Ok(LoginName::Email(e)) => {
                prop_assert_eq!(LoginName::parse(e.as_str()), Ok(LoginName::Email(e.clone())));
            }
            Ok(LoginName::Username(u)) => {
                prop_assert_eq!(LoginName::parse(u.as_str()), Ok(LoginName::Username(u.clone())));
                prop_assert_eq!(Username::parse(&raw), Ok(u));
            }
            Err(e) => prop_assert_eq!(Username::parse(&raw).err(), Some(e)),
        }
    }

    #[test]
    fn file_names_are_always_safe(raw in text()) {
        let f = FileName::sanitize(&raw);
        let s = f.as_str();
        prop_assert!((1..=255).contains(&s.chars().count()));
        prop_assert!(!s.contains(['/', '\\']));
        prop_assert!(!s.chars().any(char::is_control));
        let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        prop_assert!(!s.chars().any(bidi));
        prop_assert!(!s.starts_with('.'));
        prop_assert_eq!(s, s.trim());
        prop_assert_eq!(FileName::sanitize(s), f.clone());
    }

    #[test]
    fn search_text_reparses_from_its_terms(raw in text()) {
        if let Ok(q) = SearchText::parse(&raw) {
            let terms = q.terms();
            prop_assert!((1..=SearchText::MAX_TERMS).contains(&terms.len()));
            for (i, t) in terms.iter().enumerate() {
                prop_assert!(!t.is_empty());
                prop_assert!(t.chars().all(char::is_alphanumeric));
                prop_assert_eq!(&t.to_lowercase(), t);
                prop_assert!(!terms[..i].contains(t));
            }
            let again = SearchText::parse(&terms.join(" "));
            prop_assert_eq!(again.as_ref().map(SearchText::terms), Ok(terms));
            // A query finds the text it was made from.
            prop_assert!(q.matches(&raw));
            // A ticket number is one term of ASCII digits, the number itself (and reparses).
            if let Some(n) = q.ticket_number() {
                prop_assert_eq!(terms.len(), 1);
                prop_assert_eq!(terms[0].trim_start_matches('0'), n.to_string());
                prop_assert_eq!(again.map(|a| a.ticket_number()), Ok(Some(n)));
            }
        }
    }

    #[test]
    fn cursors_decode_only_to_reencodable_values(raw in text(), o in ordering()) {
        if let Ok(c) = Cursor::decode(&raw, o) {
            prop_assert_eq!(c.ordering, o);
            prop_assert_eq!(Cursor::decode(&c.encode(), o), Ok(c));
        }
        if let Ok((key, id)) = decode_user_cursor(&raw) {
            prop_assert_eq!(decode_user_cursor(&encode_user_cursor(&key, id)), Ok((key, id)));
        }
    }

    #[test]
    fn cursors_round_trip(
        o in ordering(),
        other in ordering(),
        // Years 1..=9999: the times a ticket can have (`time::STORED_YEARS`).
        micros in -62_135_596_800_000_000i64..253_402_300_800_000_000,
        rank in 1i16..=4,
        id in any_uuid(),
    ) {
        let key = match o.key {
            SortKey::Priority => CursorKey::Rank(rank),
            SortKey::CreatedAt | SortKey::UpdatedAt => {
                CursorKey::Time(chrono::DateTime::from_timestamp_micros(micros).unwrap())
            }
        };
        let c = Cursor { ordering: o, key, id };
        prop_assert_eq!(Cursor::decode(&c.encode(), o), Ok(c));
        if other != o {
            prop_assert_eq!(
                Cursor::decode(&c.encode(), other),
                Err(crate::listing::CursorError::WrongOrdering)
            );
        }
    }

    #[test]
    fn cursors_out_of_the_stored_years_are_malformed(
        o in ordering(),
        micros in prop_oneof![
            -8_210_298_412_800_000_000i64..-62_135_596_800_000_000,
            253_402_300_800_000_000i64..8_210_298_412_800_000_000,
        ],
        id in any_uuid(),
    ) {
        let t = chrono::DateTime::from_timestamp_micros(micros).unwrap();
        let c = Cursor { ordering: o, key: CursorKey::Time(t), id };
        if o.key != SortKey::Priority {
            prop_assert_eq!(Cursor::decode(&c.encode(), o), Err(crate::listing::CursorError::Malformed));
        }
    }

    #[test]
    fn user_cursors_round_trip(name in "[\\p{L}\\p{N}@.+_-]{3,150}", id in any_uuid()) {
        let key = Username::parse(&name).unwrap().key();
        let id = UserId::from_uuid(id);
        prop_assert_eq!(decode_user_cursor(&encode_user_cursor(&key, id)), Ok((key, id)));
    }

    #[test]
    fn user_cursors_with_control_characters_are_malformed(
        before in "[a-z]{0,10}",
        c in "\\p{Cc}",
        after in "[a-z]{0,10}",
        id in any_uuid(),
    ) {
        let key = format!("{before}{c}{after}");
        let id = UserId::from_uuid(id);
        prop_assert_eq!(
            decode_user_cursor(&encode_user_cursor(&key, id)),
            Err(crate::listing::CursorError::Malformed)
        );
    }

    #[test]
    fn passwords_never_panic(
        raw in text(),
        username in "[a-zA-Z0-9_]{3,20}",
        local in "[a-z0-9]{1,20}",
    ) {
        let username = Username::parse(&username).unwrap();
        let email = Email::parse(&format!("{local}@example.com")).unwrap();
        match NewPassword::parse(Password::new(raw.clone()), &username, &email) {
            Ok(p) => {
                prop_assert_eq!(p.password().expose(), raw.as_str());
                prop_assert!(NewPassword::parse(p.password().clone(), &username, &email).is_ok());
            }
            Err(e) => {
                let problems = e.0;
                prop_assert!(!problems.is_empty());
                prop_assert_eq!(
                    problems.contains(&PasswordProblem::TooShort),
                    raw.chars().count() < 8
                );
                prop_assert_eq!(
                    problems.contains(&PasswordProblem::TooLong),
                    raw.len() > Password::MAX_BYTES
                );
                let mut seen = problems.clone();
                seen.dedup();
                prop_assert_eq!(seen, problems);
            }
        }
        // The account's own names are always refused, in any case, with digits after them.
        let own = format!("{}2024", username.as_str().to_uppercase());
        let refused = NewPassword::parse(Password::new(own), &username, &email).unwrap_err();
        prop_assert!(refused.0.contains(&PasswordProblem::TooSimilarToAccount));
    }

    #[test]
    fn ids_parse_and_round_trip(raw in text(), uuid in any_uuid()) {
        if let Ok(id) = raw.parse::<TicketId>() {
            prop_assert_eq!(id.to_string().parse::<TicketId>(), Ok(id));
        }
        prop_assert_eq!(raw.parse::<UserId>().is_ok(), Uuid::parse_str(&raw).is_ok());
        let id = MessageId::from_uuid(uuid);
        prop_assert_eq!(id.to_string().parse::<MessageId>(), Ok(id));
        prop_assert_eq!(id.to_string(), uuid.hyphenated().to_string());
        prop_assert_eq!(AttachmentId::from(uuid).as_uuid(), uuid);
        prop_assert_eq!(Uuid::from(ActivityId::from_uuid(uuid)), uuid);
        prop_assert_eq!(format!("{:?}", SessionId::from_uuid(uuid)), format!("SessionId({uuid})"));
        prop_assert_eq!(FamilyId::from_uuid(uuid).to_string().parse::<FamilyId>(), Ok(FamilyId::from_uuid(uuid)));
    }

    #[test]
    fn enums_accept_exactly_their_names(raw in prop_oneof![
        text(),
        prop::sample::select(vec![
            "open", "in_progress", "resolved", "closed", "low", "medium", "high", "critical",
            "customer", "agent", "admin", "created", "status_changed", "deleted", "priority",
            "-priority", "created_at", "-updated_at", "In Progress", "Status Changed", "Admin",
        ])
        .prop_flat_map(|name| (Just(name), "[ \t\n]{0,2}", "[ \t\n]{0,2}", any::<u64>()))
        .prop_map(|(name, before, after, case)| {
            // Randomly flip the case of each letter and pad with whitespace.
            let cased: String = name
                .chars()
                .enumerate()
                .map(|(i, c)| if case >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c })
                .collect();
            format!("{before}{cased}{after}")
        }),
    ]) {
        // `from_wire` takes only the exact wire name.
        if let Ok(v) = Status::from_wire(&raw) { prop_assert_eq!(v.as_str(), raw.as_str()); }
        if let Ok(v) = Priority::from_wire(&raw) { prop_assert_eq!(v.as_str(), raw.as_str()); }
        if let Ok(v) = Role::from_wire(&raw) { prop_assert_eq!(v.as_str(), raw.as_str()); }
        if let Ok(v) = Action::from_wire(&raw) { prop_assert_eq!(v.as_str(), raw.as_str()); }
        if let Ok(v) = raw.parse::<TicketOrdering>() { prop_assert_eq!(v.as_str(), raw.as_str()); }
        // `FromStr` takes the wire name or the label, in any case, with whitespace around, and
        // nothing else.
        let key = raw.trim().to_ascii_lowercase();
        let named = |wire: &str, label: &str| key == wire || key == label.to_ascii_lowercase();
        for s in Status::ALL {
            prop_assert_eq!(raw.parse::<Status>() == Ok(s), named(s.as_str(), s.display()));
        }
        for p in Priority::ALL {
            prop_assert_eq!(raw.parse::<Priority>() == Ok(p), named(p.as_str(), p.display()));
        }
        for r in Role::ALL {
            prop_assert_eq!(raw.parse::<Role>() == Ok(r), named(r.as_str(), r.display()));
        }
        for a in Action::ALL {
            prop_assert_eq!(raw.parse::<Action>() == Ok(a), named(a.as_str(), a.display()));
        }
        if let Err(e) = raw.parse::<Status>() { prop_assert_eq!(e.input, raw); }
    }
}
