#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
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
    let unknown = Err(UnknownVariant {
        expected: "open, in_progress, resolved, closed",
    });
    for bad in [
        "",
        "Open",
        "OPEN",
        " open",
        "in-progress",
        "inprogress",
        "done",
        "closed\0",
    ] {
        assert_eq!(bad.parse::<Status>(), unknown, "{bad:?}");
    }
    assert_eq!(
        "x".parse::<Status>().unwrap_err().to_string(),
        "must be one of open, in_progress, resolved, closed"
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
    for bad in ["", "Low", "urgent", "1"] {
        assert_eq!(
            bad.parse::<Priority>(),
            Err(UnknownVariant {
                expected: "low, medium, high, critical"
            }),
            "{bad:?}"
        );
    }
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
