#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn action_names() {
    let got: Vec<_> = Action::ALL
        .iter()
        .map(|a| (a.as_str(), a.display()))
        .collect();
    assert_eq!(
        got,
        [
            ("created", "Created"),
            ("updated", "Updated"),
            ("status_changed", "Status Changed"),
            ("priority_changed", "Priority Changed"),
            ("assigned_to_changed", "Assigned To Changed"),
            ("message_added", "Message Added"),
            ("internal_note_added", "Internal Note Added"),
            ("attachment_added", "Attachment Added"),
            ("attachment_removed", "Attachment Removed"),
            ("resolved", "Resolved"),
            ("reopened", "Reopened"),
            ("closed", "Closed"),
            ("deleted", "Deleted"),
        ]
    );
    for a in Action::ALL {
        assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        assert_eq!(a.to_string(), a.as_str());
    }
    assert_eq!(
        " Status Changed ".parse::<Action>(),
        Ok(Action::StatusChanged)
    );
    assert!(Action::from_wire("Created").is_err());
    let err = "made".parse::<Action>().unwrap_err();
    assert_eq!(err.input, "made");
    assert_eq!(
        err.to_string(),
        "must be one of created, updated, status_changed, priority_changed, \
         assigned_to_changed, message_added, internal_note_added, attachment_added, \
         attachment_removed, resolved, reopened, closed, deleted"
    );
}

/// Every change survives its stored texts; anything else is refused, never a panic.
#[test]
fn changes_round_trip_through_their_parts() {
    use crate::ticket::{Priority, Status};
    let u = |n| UserId::from_uuid(uuid::Uuid::from_u128(n));
    let mut all = Vec::new();
    for from in Status::ALL {
        for to in Status::ALL {
            all.push(ActivityChange::Status { from, to });
        }
    }
    for from in Priority::ALL {
        for to in Priority::ALL {
            all.push(ActivityChange::Priority { from, to });
        }
    }
    for from in [None, Some(u(1))] {
        for to in [None, Some(u(2))] {
            all.push(ActivityChange::Assignee { from, to });
        }
    }
    all.push(ActivityChange::Requester { requester: u(3) });
    for change in all {
        let (field, from, to) = change.parts();
        assert_eq!(field, change.field());
        assert_eq!(
            ActivityChange::from_parts(field, from.as_deref(), to.as_deref()),
            Some(change),
            "{change:?}"
        );
    }
    let id = u(4).to_string();
    for (field, from, to) in [
        ("status", Some("open"), None),
        ("status", Some("Open"), Some("closed")),
        ("priority", Some("low"), Some("urgent")),
        ("assigned_to", Some("bob"), None),
        ("requester", None, None),
        ("requester", Some(id.as_str()), Some(id.as_str())),
        ("topic", None, None),
        ("", None, None),
    ] {
        assert_eq!(ActivityChange::from_parts(field, from, to), None, "{field}");
    }
    // A user id written without hyphens (SQLite's hex of the id) reads back too.
    let simple = u(5).as_uuid().simple().to_string();
    assert_eq!(
        ActivityChange::from_parts("assigned_to", None, Some(&simple)),
        Some(ActivityChange::Assignee {
            from: None,
            to: Some(u(5))
        })
    );
}
