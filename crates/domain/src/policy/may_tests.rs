//! `may` and `allowed` against the rules as the README states them, for every role, status and
//! intent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::testkit::*;

/// The README's tables, written out: what `role` gets for `intent` on a ticket in `status`.
fn expected(role: &str, status: Status, intent: Intent) -> Result<(), Refusal> {
    use Status::*;
    let forbidden = |rule| Err(Refusal::Forbidden(rule));
    let staff = role == "agent" || role == "admin";
    if role == "other customer" {
        return Err(Refusal::NotVisible);
    }
    // Permissions first.
    let rule = match intent {
        _ if staff => None,
        Intent::SetStatus(InProgress | Resolved) => Some(Rule::CustomersOnlyCloseOrReopen),
        Intent::SetPriority => Some(Rule::PriorityIsStaffOnly),
        Intent::Assign => Some(Rule::AssignmentIsStaffOnly),
        Intent::InternalNote => Some(Rule::InternalNotesAreStaffOnly),
        Intent::Delete => Some(Rule::DeletionIsStaffOnly),
        _ => None,
    };
    if let Some(rule) = rule {
        return forbidden(rule);
    }
    // Then the closed state: only viewing and deleting are left.
    if status == Closed {
        return match intent {
            Intent::View | Intent::Delete => Ok(()),
            _ => Err(Refusal::Closed),
        };
    }
    // Then the lifecycle.
    let allowed_moves = [
        (Open, InProgress),
        (Open, Resolved),
        (Open, Closed),
        (InProgress, Resolved),
        (InProgress, Closed),
        (Resolved, Open),
        (Resolved, InProgress),
        (Resolved, Closed),
    ];
    match intent {
        Intent::SetStatus(to) if !allowed_moves.contains(&(status, to)) => {
            Err(Refusal::InvalidTransition { from: status, to })
        }
        _ => Ok(()),
    }
}

#[test]
fn may_follows_the_rules_for_every_role_status_and_intent() {
    let mut checked = 0;
    for (role, actor) in actors() {
        for status in Status::ALL {
            let t = ticket(status);
            for intent in Intent::ALL {
                assert_eq!(
                    may(&actor, &t, intent),
                    expected(role, status, intent),
                    "{role} / {status} / {intent:?}"
                );
                assert_eq!(
                    may(&actor, &deleted(t.clone()), intent),
                    Err(Refusal::NotVisible),
                    "{role} / {status} / {intent:?} on a deleted ticket"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * 4 * 12);
}

#[test]
fn removing_an_attachment_is_for_its_uploader_or_staff() {
    let open = ticket(Status::Open);
    let closed = ticket(Status::Closed);
    let own = Intent::RemoveAttachment { uploaded_by: OWNER };
    let agents = Intent::RemoveAttachment { uploaded_by: AGENT };
    assert_eq!(may(&owner(), &open, own), Ok(()));
    assert_eq!(
        may(&owner(), &open, agents),
        Err(Refusal::Forbidden(Rule::RemovalIsForUploaderOrStaff))
    );
    assert_eq!(may(&agent(), &open, own), Ok(()));
    assert_eq!(may(&owner(), &closed, own), Err(Refusal::Closed));
    assert_eq!(
        may(&owner(), &closed, agents),
        Err(Refusal::Forbidden(Rule::RemovalIsForUploaderOrStaff))
    );
    assert_eq!(may(&other_customer(), &open, own), Err(Refusal::NotVisible));
}

#[test]
fn allowed_asks_may_for_every_intent() {
    for (role, actor) in actors() {
        for status in Status::ALL {
            for t in [ticket(status), deleted(ticket(status))] {
                let a = allowed(&actor, &t);
                let ok = |i| may(&actor, &t, i).is_ok();
                let transitions: Vec<Status> = Status::ALL
                    .into_iter()
                    .filter(|s| ok(Intent::SetStatus(*s)))
                    .collect();
                let want = Allowed {
                    view: ok(Intent::View),
                    edit: ok(Intent::Edit),
                    reply: ok(Intent::Reply),
                    internal_note: ok(Intent::InternalNote),
                    transitions,
                    set_priority: ok(Intent::SetPriority),
                    assign: ok(Intent::Assign),
                    delete: ok(Intent::Delete),
                    attach: ok(Intent::Attach),
                };
                assert_eq!(a, want, "{role} / {status}");
                assert!(!a.transitions.contains(&t.status), "{role} / {status}");
            }
        }
    }
}

#[test]
fn allowed_examples() {
    use Status::*;
    // The owner of a resolved ticket may reopen or close it, and do nothing staff-only.
    let a = allowed(&owner(), &ticket(Resolved));
    assert_eq!(a.transitions, [Open, Closed]);
    assert!(a.view && a.edit && a.reply && a.attach);
    assert!(!a.internal_note && !a.set_priority && !a.assign && !a.delete);
    // Staff on an open ticket: everything.
    let a = allowed(&agent(), &ticket(Open));
    assert_eq!(a.transitions, [InProgress, Resolved, Closed]);
    assert!(a.edit && a.reply && a.internal_note && a.set_priority && a.assign && a.delete);
    // A closed ticket can only be seen, and deleted by staff.
    let a = allowed(&admin(), &ticket(Closed));
    assert_eq!(
        a,
        Allowed {
            view: true,
            delete: true,
            ..Allowed::default()
        }
    );
    // Another customer's ticket: nothing at all.
    assert_eq!(
        allowed(&other_customer(), &ticket(Open)),
        Allowed::default()
    );
}
