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
