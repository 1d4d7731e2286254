#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::UnknownVariant;
use crate::testkit;

#[test]
fn status_names() {
    let got: Vec<_> = Status::ALL
        .iter()
        .map(|s| (s.as_str(), s.display(), s.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("open", "Open", "open".to_owned()),
            ("in_progress", "In Progress", "in_progress".to_owned()),
            ("resolved", "Resolved", "resolved".to_owned()),
            ("closed", "Closed", "closed".to_owned()),
        ]
    );
    for s in Status::ALL {
        assert_eq!(s.as_str().parse::<Status>(), Ok(s));
    }
    // Lenient for people, exact on the wire (see `variant::tests` for every enum).
    for raw in [
        "in_progress",
        "In Progress",
        " in progress ",
        "IN_PROGRESS",
        "\tIn progress\n",
    ] {
        assert_eq!(raw.parse::<Status>(), Ok(Status::InProgress), "{raw:?}");
    }
    for bad in [
        "",
        "in-progress",
        "inprogress",
        "done",
        "closed\0",
        "in  progress",
    ] {
        assert_eq!(
            bad.parse::<Status>(),
            Err(UnknownVariant {
                input: bad.to_owned(),
                expected: "open, in_progress, resolved, closed",
            }),
            "{bad:?}"
        );
    }
    for bad in ["Open", "OPEN", " open", "In Progress"] {
        assert!(Status::from_wire(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        "x".parse::<Status>().unwrap_err().to_string(),
        "must be one of open, in_progress, resolved, closed"
    );
}

#[test]
fn statuses_are_ordered_along_the_lifecycle() {
    let mut sorted = vec![
        Status::Closed,
        Status::Open,
        Status::Resolved,
        Status::InProgress,
    ];
    sorted.sort();
    assert_eq!(sorted, Status::ALL);
    let set: std::collections::BTreeSet<Status> = [Status::Resolved, Status::Open, Status::Open]
        .into_iter()
        .collect();
    assert_eq!(
        set.into_iter().collect::<Vec<_>>(),
        [Status::Open, Status::Resolved]
    );
}

#[test]
fn lifecycle_moves() {
    use Status::*;
    let allowed = [
        (Open, InProgress),
        (Open, Resolved),
        (Open, Closed),
        (InProgress, Resolved),
        (InProgress, Closed),
        (Resolved, Open),
        (Resolved, InProgress),
        (Resolved, Closed),
    ];
    for from in Status::ALL {
        for to in Status::ALL {
            assert_eq!(
                from.can_move_to(to),
                allowed.contains(&(from, to)),
                "{from} -> {to}"
            );
        }
    }
}

#[test]
fn priority_names_and_ranks() {
    let got: Vec<_> = Priority::ALL
        .iter()
        .map(|p| (p.as_str(), p.display(), p.rank()))
        .collect();
    assert_eq!(
        got,
        [
            ("low", "Low", 1),
            ("medium", "Medium", 2),
            ("high", "High", 3),
            ("critical", "Critical", 4),
        ]
    );
    for p in Priority::ALL {
        assert_eq!(p.as_str().parse::<Priority>(), Ok(p));
        assert_eq!(p.to_string(), p.as_str());
        assert_eq!(Priority::from_rank(p.rank()), Some(p));
    }
    for rank in [i16::MIN, -1, 0, 5, i16::MAX] {
        assert_eq!(Priority::from_rank(rank), None, "{rank}");
    }
    assert!(Priority::Low < Priority::Medium);
    assert!(Priority::Medium < Priority::High);
    assert!(Priority::High < Priority::Critical);
    assert_eq!(Priority::default(), Priority::Medium);
    for bad in ["", "urgent", "1"] {
        assert_eq!(
            bad.parse::<Priority>(),
            Err(UnknownVariant {
                input: bad.to_owned(),
                expected: "low, medium, high, critical"
            }),
            "{bad:?}"
        );
    }
    assert_eq!("High".parse::<Priority>(), Ok(Priority::High));
    assert_eq!(" high".parse::<Priority>(), Ok(Priority::High));
    assert!(Priority::from_wire("High").is_err());
}

#[test]
fn ticket_flags() {
    for s in Status::ALL {
        let t = testkit::ticket(s);
        assert_eq!(t.is_closed(), s == Status::Closed);
        assert!(!t.is_deleted());
        assert!(testkit::deleted(t).is_deleted());
    }
    let mut t = testkit::ticket(Status::Open);
    t.message_count = 4;
    t.internal_note_count = 3;
    assert_eq!(t.visible_message_count(false), 4);
    assert_eq!(t.visible_message_count(true), 7);
}
