#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone};

use super::*;
use crate::testkit::{self, ADMIN, AGENT, OTHER, OWNER};
use crate::text::{Description, Topic, ValueProblem};

/// What is wrong, without the field.
fn problem<T>(r: Result<T, ValueError>) -> Result<T, ValueProblem> {
    r.map_err(|e| e.problem())
}

fn at_micros(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(m).unwrap()
}

fn b64(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

const ID: &str = "0192f1d27c1e7a2b8c3d4e5f60718293";

#[test]
fn limits() {
    assert_eq!(Limit::default().get(), 50);
    assert_eq!(Limit::new(1).unwrap().get(), 1);
    assert_eq!(Limit::new(200).unwrap().get(), 200);
    for low in [0, -1, i64::MIN] {
        assert_eq!(
            problem(Limit::new(low)),
            Err(ValueProblem::InvalidFormat("must be at least 1")),
            "{low}"
        );
    }
    for high in [201, 65_536 + 50, i64::MAX] {
        assert_eq!(
            problem(Limit::new(high)),
            Err(ValueProblem::InvalidFormat("must be at most 200")),
            "{high}"
        );
    }
    assert_eq!((DEFAULT_LIMIT, MAX_LIMIT), (50, 200));
}

#[test]
fn orderings() {
    let names: Vec<_> = TicketOrdering::ALL.iter().map(|o| o.as_str()).collect();
    assert_eq!(
        names,
        [
            "created_at",
            "-created_at",
            "updated_at",
            "-updated_at",
            "priority",
            "-priority"
        ]
    );
    for o in TicketOrdering::ALL {
        assert_eq!(o.as_str().parse::<TicketOrdering>(), Ok(o));
        assert_eq!(o.to_string(), o.as_str());
    }
    assert_eq!(
        TicketOrdering::default(),
        TicketOrdering {
            key: SortKey::CreatedAt,
            descending: true
        }
    );
    for bad in [
        "",
        "created",
        "Created_at",
        "--created_at",
        "+priority",
        "priority ",
        "id",
    ] {
        assert_eq!(
            problem(bad.parse::<TicketOrdering>()),
            Err(ValueProblem::InvalidFormat(
                "must be one of created_at, -created_at, updated_at, -updated_at, priority, -priority"
            )),
            "{bad:?}"
        );
    }
}

#[test]
fn cursors_round_trip_for_every_ordering() {
    let mut t = testkit::ticket(Status::Open);
    t.created_at = at_micros(1_714_550_400_123_456);
    t.updated_at = at_micros(1_714_560_000_000_001);
    t.priority = Priority::High;
    for o in TicketOrdering::ALL {
        let c = o.cursor_after(&t);
        let key = match o.key {
            SortKey::CreatedAt => CursorKey::Time(t.created_at),
            SortKey::UpdatedAt => CursorKey::Time(t.updated_at),
            SortKey::Priority => CursorKey::Rank(3),
        };
        assert_eq!(
            c,
            Cursor {
                ordering: o,
                key,
                id: t.id.as_uuid()
            }
        );
        let text = c.encode();
        assert!(
            text.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'),
            "{text}"
        );
        assert_eq!(Cursor::decode(&text, o), Ok(c), "{o}");
        for other in TicketOrdering::ALL {
            if other != o {
                assert_eq!(
                    Cursor::decode(&text, other),
                    Err(CursorError::WrongOrdering),
                    "{o} read as {other}"
                );
            }
        }
    }
}

#[test]
fn cursor_text_form() {
    let id = Uuid::parse_str(ID).unwrap();
    let c = Cursor {
        ordering: TicketOrdering::default(),
        key: CursorKey::Time(at_micros(-5)),
        id,
    };
    assert_eq!(c.encode(), b64(&format!("1|-created_at|t-5|{ID}")));
    let c = Cursor {
        ordering: "priority".parse().unwrap(),
        key: CursorKey::Rank(4),
        id,
    };
    assert_eq!(c.encode(), b64(&format!("1|priority|r4|{ID}")));
    // Cursors keep microseconds: finer parts of a timestamp are dropped.
    let t = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap() + Duration::nanoseconds(1_234_567);
    let c = Cursor {
        ordering: TicketOrdering::default(),
        key: CursorKey::Time(t),
        id,
    };
    let back = Cursor::decode(&c.encode(), TicketOrdering::default()).unwrap();
    assert_eq!(
        back.key,
        CursorKey::Time(
            Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap() + Duration::microseconds(1234)
        )
    );
}

#[test]
fn malformed_cursors() {
    let by_priority: TicketOrdering = "priority".parse().unwrap();
    let newest = TicketOrdering::default();
    let garbage = [
        String::new(),
        "garbage".to_owned(),
        "!!!!".to_owned(),
        "a".to_owned(),
        "=".to_owned(),
        "A".repeat(201),
        URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x00]),
        b64(&format!("2|priority|r1|{ID}")),
        b64(&format!("1|priority|r1|{ID}|extra")),
        b64("1|priority|r1"),
        b64(&format!("1|priority|r0|{ID}")),
        b64(&format!("1|priority|r5|{ID}")),
        b64(&format!("1|priority|r99999|{ID}")),
        b64(&format!("1|priority|t5|{ID}")),
        b64(&format!("1|priority|x1|{ID}")),
        b64(&format!("1|priority||{ID}")),
        b64("1|priority|r1|not-a-uuid"),
        b64(&format!("1|sideways|r1|{ID}")),
        b64(&format!("1|created_at|r1|{ID}")),
        b64(&format!("1|created_at|t|{ID}")),
        b64(&format!("1|created_at|t99999999999999999999|{ID}")),
        b64(&format!("1|created_at|t{}|{ID}", i64::MAX)),
    ];
    for text in &garbage {
        for o in [by_priority, newest] {
            assert_eq!(
                Cursor::decode(text, o),
                Err(CursorError::Malformed),
                "{text:?}"
            );
        }
    }
    assert_eq!(CursorError::Malformed.to_string(), "is not a valid cursor");
    assert_eq!(
        CursorError::WrongOrdering.to_string(),
        "was made for another ordering"
    );
}

#[test]
fn user_cursors_round_trip() {
    let id = UserId::from_uuid(Uuid::parse_str(ID).unwrap());
    for key in ["alice", "a.b@c", "σοφια", "用户名", &"z".repeat(150)] {
        let text = encode_user_cursor(key, id);
        assert_eq!(
            decode_user_cursor(&text),
            Ok((key.to_owned(), id)),
            "{key:?}"
        );
    }
    assert_eq!(encode_user_cursor("bob", id), b64(&format!("u1|{ID}|bob")));
    for bad in [
        String::new(),
        "garbage!".to_owned(),
        b64(&format!("u2|{ID}|bob")),
        b64(&format!("1|{ID}|bob")),
        b64("u1|nope|bob"),
        b64(&format!("u1|{ID}")),
        // Keys no username has: empty, too short, upper case, with `|`, space or NUL.
        b64(&format!("u1|{ID}|")),
        b64(&format!("u1|{ID}|ab")),
        b64(&format!("u1|{ID}|Alice")),
        b64(&format!("u1|{ID}|a|b|c")),
        b64(&format!("u1|{ID}|a b")),
        b64(&format!("u1|{ID}|a\0b")),
        "A".repeat(1001),
        URL_SAFE_NO_PAD.encode([b'u', b'1', b'|', 0xff]),
    ] {
        assert_eq!(
            decode_user_cursor(&bad),
            Err(CursorError::Malformed),
            "{bad:?}"
        );
    }
}

#[test]
fn search_text() {
    let q = SearchText::parse("  Printer, BROKEN! ").unwrap();
    assert_eq!(q.terms(), ["printer", "broken"]);
    // Duplicates are dropped wherever they are, first occurrence first.
    assert_eq!(
        SearchText::parse("b a B c a").unwrap().terms(),
        ["b", "a", "c"]
    );
    assert_eq!(
        SearchText::parse("Straße ÜBER 42").unwrap().terms(),
        ["straße", "über", "42"]
    );
    assert_eq!(SearchText::parse("İzmir").unwrap().terms(), ["izmir"]);
    assert_eq!(SearchText::parse("wi-fi").unwrap().terms(), ["wi", "fi"]);
    let many: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let q = SearchText::parse(&many.join(" ")).unwrap();
    assert_eq!(q.terms(), &many[..16]);
    assert_eq!(SearchText::MAX_TERMS, 16);
    assert!(SearchText::parse(&"x".repeat(200)).is_ok());
    assert_eq!(
        problem(SearchText::parse(&"é".repeat(201))),
        Err(ValueProblem::TooLong { max: 200 })
    );
    for nothing in ["", "   ", "!!! ---", "\0\n\t", "😀"] {
        assert_eq!(
            problem(SearchText::parse(nothing)),
            Err(ValueProblem::InvalidFormat(
                "must contain a letter or digit"
            )),
            "{nothing:?}"
        );
    }
}

#[test]
fn search_matches_word_prefixes() {
    let q = |s: &str| SearchText::parse(s).unwrap();
    assert!(q("print").matches("The Printer is broken"));
    assert!(q("PRINTER broken").matches("printer: broken again"));
    assert!(
        q("broken printer").matches("printer: broken again"),
        "order does not matter"
    );
    assert!(!q("rinter").matches("The printer"), "prefix of a word only");
    assert!(
        !q("printer fire").matches("The printer is broken"),
        "every term"
    );
    assert!(q("wi-fi").matches("Wi-Fi is down"));
    assert!(!q("fi").matches("WiFi is down"));
    assert!(q("izmir").matches("Office in İzmir"));
    assert!(q("über").matches("ÜBERALL"));
    assert!(q("404").matches("error 404 on login"));
    assert!(!q("x").matches(""));
    assert_eq!(tokenize("Hello, World! 2x"), ["hello", "world", "2x"]);
    assert_eq!(tokenize("  "), Vec::<String>::new());
}

fn ticket_with(
    owner: UserId,
    assigned_to: Option<UserId>,
    status: Status,
    priority: Priority,
) -> Ticket {
    let mut t = testkit::ticket(status);
    t.owner = owner;
    t.assigned_to = assigned_to;
    t.priority = priority;
    t.topic = Topic::parse("VPN drops").unwrap();
    t.description = Description::parse("Every hour since the update").unwrap();
    t
}

#[test]
fn queries_select_by_scope_and_filters() {
    let t = ticket_with(OWNER, Some(AGENT), Status::InProgress, Priority::High);
    let q = |scope| TicketQuery::new(scope);
    assert!(q(Scope::All).selects(&t));
    assert!(q(Scope::OwnedBy(OWNER)).selects(&t));
    assert!(!q(Scope::OwnedBy(OTHER)).selects(&t));
    assert!(q(Scope::AssignedTo(AGENT)).selects(&t));
    assert!(!q(Scope::AssignedTo(ADMIN)).selects(&t));
    assert!(!q(Scope::AssignedTo(OWNER)).selects(&t));
    for scope in [Scope::All, Scope::OwnedBy(OWNER), Scope::AssignedTo(AGENT)] {
        assert!(!q(scope).selects(&testkit::deleted(t.clone())), "{scope:?}");
    }

    let with = |f: &dyn Fn(&mut TicketQuery)| {
        let mut query = q(Scope::All);
        f(&mut query);
        query.selects(&t)
    };
    assert!(with(&|q| q.statuses = vec![Status::InProgress]));
    assert!(with(
        &|q| q.statuses = vec![Status::Open, Status::InProgress]
    ));
    assert!(!with(
        &|q| q.statuses = vec![Status::Open, Status::Resolved, Status::Closed]
    ));
    assert!(with(&|q| q.priorities = vec![Priority::High]));
    assert!(!with(
        &|q| q.priorities = vec![Priority::Low, Priority::Critical]
    ));
    assert!(with(&|q| q.assigned_to = Some(AssigneeFilter::User(AGENT))));
    assert!(!with(&|q| q.assigned_to = Some(AssigneeFilter::User(ADMIN))));
    assert!(!with(&|q| q.assigned_to = Some(AssigneeFilter::Nobody)));
    assert!(with(&|q| q.text = Some(SearchText::parse("vpn").unwrap())));
    assert!(
        with(&|q| q.text = Some(SearchText::parse("vpn update").unwrap())),
        "topic and description"
    );
    assert!(with(&|q| q.text = Some(SearchText::parse("HOUR").unwrap())));
    assert!(!with(
        &|q| q.text = Some(SearchText::parse("printer").unwrap())
    ));
    // Cursor, ordering and limit do not filter.
    assert!(with(&|q| {
        q.ordering = "priority".parse().unwrap();
        q.after = Some(q.ordering.cursor_after(&testkit::ticket(Status::Open)));
        q.limit = Limit::new(1).unwrap();
    }));
    // Filters combine with AND.
    assert!(with(&|q| {
        q.statuses = vec![Status::InProgress];
        q.priorities = vec![Priority::High];
        q.assigned_to = Some(AssigneeFilter::User(AGENT));
        q.text = Some(SearchText::parse("drops").unwrap());
    }));
    assert!(!with(&|q| {
        q.statuses = vec![Status::InProgress];
        q.priorities = vec![Priority::Low];
    }));

    let unassigned = ticket_with(OWNER, None, Status::Open, Priority::Medium);
    let mut nobody = q(Scope::All);
    nobody.assigned_to = Some(AssigneeFilter::Nobody);
    assert!(nobody.selects(&unassigned));
    assert!(!q(Scope::AssignedTo(AGENT)).selects(&unassigned));
}

#[test]
fn a_number_query_selects_the_ticket_of_that_number_and_the_text_matches() {
    let mut t = ticket_with(OWNER, None, Status::Open, Priority::Medium);
    t.number = 1042;
    let search = |raw: &str, scope| {
        let mut q = TicketQuery::new(scope);
        q.text = Some(SearchText::parse(raw).unwrap());
        q
    };
    for raw in ["#1042", "1042", " #1042 "] {
        let q = search(raw, Scope::All);
        assert_eq!(q.sought_number(), Some(1042), "{raw}");
        assert!(q.selects(&t), "{raw}");
    }
    // Not its number, nor in its text; a number among words is only text.
    assert!(!search("#104", Scope::All).selects(&t));
    assert!(!search("1042 vpn", Scope::All).selects(&t));
    assert_eq!(search("1042 vpn", Scope::All).sought_number(), None);
    assert_eq!(search("#1042x", Scope::All).sought_number(), None);
    assert_eq!(search("##1042", Scope::All).sought_number(), None);
    assert_eq!(
        search("#٣", Scope::All).sought_number(),
        None,
        "ASCII digits only"
    );
    assert_eq!(
        search("99999999999999999999999", Scope::All).sought_number(),
        None
    );
    // The scope and the filters still apply.
    assert!(!search("#1042", Scope::OwnedBy(OTHER)).selects(&t));
    assert!(!search("#1042", Scope::All).selects(&testkit::deleted(t.clone())));
    let mut closed_only = search("#1042", Scope::All);
    closed_only.statuses = vec![Status::Closed];
    assert!(!closed_only.selects(&t));
    // A ticket mentioning the number in its text matches as text.
    let mut other = ticket_with(OWNER, None, Status::Open, Priority::Medium);
    other.number = 7;
    other.description = Description::parse("Same as ticket 1042").unwrap();
    assert!(search("#1042", Scope::All).selects(&other));
}

#[test]
fn a_new_query_is_the_default_first_page() {
    let q = TicketQuery::new(Scope::OwnedBy(OWNER));
    assert_eq!(
        q,
        TicketQuery {
            scope: Scope::OwnedBy(OWNER),
            statuses: vec![],
            priorities: vec![],
            assigned_to: None,
            requester: None,
            text: None,
            ordering: TicketOrdering::default(),
            after: None,
            limit: Limit::default(),
            public_view: false,
        }
    );
}

#[test]
fn search_reads_the_conversation_notes_for_staff_only() {
    let t = ticket_with(OWNER, None, Status::Open, Priority::Medium);
    let mut reply = testkit::message(1, t.id, OWNER, false);
    reply.body = crate::MessageBody::parse("The toner is empty").unwrap();
    let mut note = testkit::message(2, t.id, AGENT, true);
    note.body = crate::MessageBody::parse("Vendor Zephyrcorp notified").unwrap();
    let other = crate::TicketId::from_uuid(Uuid::from_u128(999));
    let mut elsewhere = testkit::message(3, other, OWNER, false);
    elsewhere.body = crate::MessageBody::parse("gamma ray").unwrap();
    let conversation = [&reply, &note, &elsewhere];
    let search = |raw: &str, customer: bool| {
        let q = TicketQuery {
            text: Some(SearchText::parse(raw).unwrap()),
            public_view: customer,
            ..TicketQuery::new(Scope::All)
        };
        q.selects_with(&t, &conversation)
    };
    for customer in [false, true] {
        assert!(search("toner", customer));
        assert!(search("vpn ton", customer), "terms over topic and reply");
        assert!(!search("gamma", customer), "another ticket's message");
    }
    assert!(search("zephyr", false));
    assert!(search("toner zephyr", false));
    assert!(
        !search("zephyr", true),
        "a customer never finds a note's words"
    );
    assert!(!search("toner zephyr", true));
    // Without the conversation, topic and description only.
    let q = TicketQuery {
        text: Some(SearchText::parse("toner").unwrap()),
        ..TicketQuery::new(Scope::All)
    };
    assert!(!q.selects(&t));
}

#[test]
fn totals_are_exact_up_to_the_cap() {
    assert_eq!(capped_total(0, true), (0, true));
    assert_eq!(capped_total(TOTAL_CAP, true), (TOTAL_CAP, true));
    assert_eq!(capped_total(TOTAL_CAP + 1, true), (TOTAL_CAP, false));
    assert_eq!(capped_total(u64::MAX, true), (TOTAL_CAP, false));
    assert_eq!(capped_total(26, false), (26, false));
}
