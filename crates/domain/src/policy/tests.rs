#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::change::{self, ChangeError, TicketPatch};
use crate::code::ErrorCode;
use crate::testkit::*;
use crate::text::{Description, Topic};
use crate::ticket::Priority;

const NOT_VISIBLE: Result<(), Refusal> = Err(Refusal::NotVisible);

/// What a patch did.
#[derive(Debug, PartialEq)]
enum Outcome {
    Changed,
    Unchanged,
    Failed(ChangeError),
}
use Outcome::*;

fn forbidden(rule: Rule) -> Outcome {
    Failed(ChangeError::Refused(Refusal::Forbidden(rule)))
}
fn not_visible() -> Outcome {
    Failed(ChangeError::Refused(Refusal::NotVisible))
}

/// One field change, on a ticket in a given status.
fn cases() -> Vec<(&'static str, Status, TicketPatch)> {
    let status = |s| TicketPatch {
        status: Some(s),
        ..TicketPatch::default()
    };
    vec![
        (
            "topic",
            Status::Open,
            TicketPatch {
                topic: Some(Topic::parse("Printer fixed?").unwrap()),
                ..TicketPatch::default()
            },
        ),
        (
            "description",
            Status::Open,
            TicketPatch {
                description: Some(Description::parse("No more smoke").unwrap()),
                ..TicketPatch::default()
            },
        ),
        ("status open->open", Status::Open, status(Status::Open)),
        (
            "status open->in_progress",
            Status::Open,
            status(Status::InProgress),
        ),
        (
            "status open->resolved",
            Status::Open,
            status(Status::Resolved),
        ),
        ("status open->closed", Status::Open, status(Status::Closed)),
        (
            "status resolved->open",
            Status::Resolved,
            status(Status::Open),
        ),
        (
            "status resolved->in_progress",
            Status::Resolved,
            status(Status::InProgress),
        ),
        (
            "status in_progress->open",
            Status::InProgress,
            status(Status::Open),
        ),
        (
            "priority",
            Status::Open,
            TicketPatch {
                priority: Some(Priority::Critical),
                ..TicketPatch::default()
            },
        ),
        (
            "assigned_to",
            Status::Open,
            TicketPatch {
                assigned_to: Some(Some(assignee(&agent_user()))),
                ..TicketPatch::default()
            },
        ),
        (
            "unassign (already unassigned)",
            Status::Open,
            TicketPatch {
                assigned_to: Some(None),
                ..TicketPatch::default()
            },
        ),
    ]
}

fn expected(role: &str, case: &str) -> Outcome {
    let bad_move = Failed(ChangeError::Refused(Refusal::InvalidTransition {
        from: Status::InProgress,
        to: Status::Open,
    }));
    match (role, case) {
        ("other customer", _) => not_visible(),
        (_, "status open->open" | "unassign (already unassigned)") => Unchanged,
        (_, "status in_progress->open") => bad_move,
        ("agent" | "admin", _) => Changed,
        ("owner", "topic" | "description" | "status open->closed" | "status resolved->open") => {
            Changed
        }
        (
            "owner",
            "status open->in_progress" | "status open->resolved" | "status resolved->in_progress",
        ) => forbidden(Rule::CustomersOnlyCloseOrReopen),
        ("owner", "priority") => forbidden(Rule::PriorityIsStaffOnly),
        ("owner", "assigned_to") => forbidden(Rule::AssignmentIsStaffOnly),
        _ => unreachable!("no expectation for {role} / {case}"),
    }
}

fn outcome(ticket: &Ticket, actor: &Actor, patch: &TicketPatch) -> Outcome {
    match change::apply_patch(actor, ticket, patch, now(), ids()) {
        Ok(a) if a.changed() => {
            assert_eq!(a.ticket.version, ticket.version + 1);
            Changed
        }
        Ok(a) => {
            assert_eq!(&a.ticket, ticket);
            Unchanged
        }
        Err(e) => Failed(e),
    }
}

#[test]
fn every_role_and_field_through_apply_patch() {
    let mut checked = 0;
    for (role, actor) in actors() {
        for (case, status, patch) in cases() {
            let t = ticket(status);
            assert_eq!(
                outcome(&t, &actor, &patch),
                expected(role, case),
                "{role} / {case}"
            );
            // A deleted ticket is invisible to everyone, whatever the change.
            assert_eq!(
                outcome(&deleted(t), &actor, &patch),
                not_visible(),
                "{role} / {case} on a deleted ticket"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 12);
}

#[test]
fn internal_things_are_for_staff_only() {
    let want = [false, false, true, true];
    let public = message(1, TICKET, OWNER, false);
    let note = message(2, TICKET, AGENT, true);
    let public_file = attachment(3, TICKET, OWNER, false);
    let internal_file = attachment(4, TICKET, AGENT, true);
    for ((role, actor), staff) in actors().into_iter().zip(want) {
        assert_eq!(sees_internal(&actor), staff, "{role}");
        assert!(view_message(&actor, &public), "{role}");
        assert_eq!(view_message(&actor, &note), staff, "{role}");
        assert!(view_attachment(&actor, &public_file), "{role}");
        assert_eq!(view_attachment(&actor, &internal_file), staff, "{role}");
    }
}

#[test]
fn remove_attachment_by_role() {
    let t = ticket(Status::Open);
    let by_owner = attachment(1, TICKET, OWNER, false);
    let by_agent = attachment(2, TICKET, AGENT, false);
    let internal = attachment(3, TICKET, AGENT, true);
    let elsewhere = attachment(4, OTHER_TICKET, OWNER, false);
    let not_uploader = Err(Refusal::Forbidden(Rule::RemovalIsForUploaderOrStaff));
    #[rustfmt::skip]
    let table = [
        // role,            by owner,     by agent,     internal,     other ticket
        ("owner",          Ok(()),       not_uploader, NOT_VISIBLE,  NOT_VISIBLE),
        ("other customer", NOT_VISIBLE,  NOT_VISIBLE,  NOT_VISIBLE,  NOT_VISIBLE),
        ("agent",          Ok(()),       Ok(()),       Ok(()),       NOT_VISIBLE),
        ("admin",          Ok(()),       Ok(()),       Ok(()),       NOT_VISIBLE),
    ];
    for ((role, actor), (name, a, b, c, d)) in actors().into_iter().zip(table) {
        assert_eq!(role, name);
        assert_eq!(
            remove_attachment(&actor, &t, &by_owner),
            a,
            "{role} / owner's"
        );
        assert_eq!(
            remove_attachment(&actor, &t, &by_agent),
            b,
            "{role} / agent's"
        );
        assert_eq!(
            remove_attachment(&actor, &t, &internal),
            c,
            "{role} / internal"
        );
        assert_eq!(
            remove_attachment(&actor, &t, &elsewhere),
            d,
            "{role} / other ticket"
        );
        let gone = deleted(t.clone());
        assert_eq!(
            remove_attachment(&actor, &gone, &by_owner),
            NOT_VISIBLE,
            "{role}"
        );
    }
}

#[test]
fn the_uploader_is_the_only_customer_who_may_remove() {
    // A file another customer uploaded (say, before the ticket changed hands) is not the owner's.
    let t = ticket(Status::Open);
    let by_other = attachment(1, TICKET, OTHER, false);
    assert_eq!(
        remove_attachment(&owner(), &t, &by_other),
        Err(Refusal::Forbidden(Rule::RemovalIsForUploaderOrStaff))
    );
}

#[test]
fn user_management_by_role() {
    let customer = Err(Refusal::Forbidden(Rule::AssignedListIsStaffOnly));
    for (role, actor) in actors() {
        let staff = role == "agent" || role == "admin";
        let assigned = if staff { Ok(()) } else { customer };
        assert_eq!(list_assigned(&actor), assigned, "{role}");
        let users = if staff {
            Ok(())
        } else {
            Err(Refusal::Forbidden(Rule::UserListIsStaffOnly))
        };
        assert_eq!(list_users(&actor), users, "{role}");
        let manage = if role == "admin" {
            Ok(())
        } else {
            Err(Refusal::Forbidden(Rule::UserManagementIsAdminOnly))
        };
        assert_eq!(manage_users(&actor), manage, "{role}");
        let bulk = if staff {
            Ok(())
        } else {
            Err(Refusal::Forbidden(Rule::BulkChangesAreStaffOnly))
        };
        assert_eq!(change_in_bulk(&actor), bulk, "{role}");
    }
}

#[test]
fn only_staff_can_be_assigned() {
    assert!(!can_be_assigned(Role::Customer));
    assert!(can_be_assigned(Role::Agent));
    assert!(can_be_assigned(Role::Admin));
}

#[test]
fn refusals_display_and_codes() {
    assert_eq!(Refusal::NotVisible.to_string(), "ticket not found");
    assert_eq!(
        Refusal::Forbidden(Rule::PriorityIsStaffOnly).to_string(),
        "only staff may change the priority"
    );
    let table = [
        (Refusal::NotVisible, ErrorCode::NotFound, 404, None),
        (
            Refusal::Forbidden(Rule::DeletionIsStaffOnly),
            ErrorCode::Forbidden,
            403,
            None,
        ),
        (Refusal::Closed, ErrorCode::TicketClosed, 409, None),
        (
            Refusal::InvalidTransition {
                from: Status::InProgress,
                to: Status::Open,
            },
            ErrorCode::Conflict,
            409,
            Some("status"),
        ),
    ];
    for (refusal, code, status, field) in table {
        assert_eq!(refusal.code(), code, "{refusal:?}");
        assert_eq!(refusal.http_status(), status, "{refusal:?}");
        assert_eq!(refusal.field(), field, "{refusal:?}");
        let change = ChangeError::Refused(refusal);
        assert_eq!((change.code(), change.http_status()), (code, status));
    }
}

#[test]
fn rules_have_distinct_names_and_messages() {
    let mut names = std::collections::HashSet::new();
    let mut messages = std::collections::HashSet::new();
    for rule in Rule::ALL {
        assert!(names.insert(rule.as_str()), "{rule:?}");
        assert!(messages.insert(rule.message()), "{rule:?}");
        assert_eq!(rule.to_string(), rule.message());
    }
}

#[test]
fn a_reader_limited_to_own_tickets_is_told_of_nothing_else() {
    let owners = [None, Some(OWNER), Some(OTHER)];
    let mut limited = 0;
    for (role, actor) in actors() {
        if !sees_only_own_tickets(&actor) {
            assert!(actor.is_staff(), "{role}");
            continue;
        }
        limited += 1;
        for visibility in Visibility::ALL {
            for owner in owners {
                let audience = Audience { visibility, owner };
                if sees_audience(&actor, &audience) {
                    assert_eq!(owner, Some(actor.id), "{role} {visibility:?} {owner:?}");
                }
            }
        }
    }
    assert_eq!(limited, 2, "both customers");
}
