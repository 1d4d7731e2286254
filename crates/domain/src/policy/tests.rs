#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::change::{self, ChangeError, TicketPatch};
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

fn forbidden(why: &'static str) -> Outcome {
    Failed(ChangeError::Refused(Refusal::Forbidden(why)))
}
fn not_visible() -> Outcome {
    Failed(ChangeError::Refused(Refusal::NotVisible))
}
const ONLY_CLOSE_OR_REOPEN: &str = "customers may only close or reopen a ticket";

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
                assigned_to: Some(Some(agent_user())),
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
    let bad_move = Failed(ChangeError::InvalidTransition {
        from: Status::InProgress,
        to: Status::Open,
    });
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
        ) => forbidden(ONLY_CLOSE_OR_REOPEN),
        ("owner", "priority") => forbidden("only staff may change the priority"),
        ("owner", "assigned_to") => forbidden("only staff may assign tickets"),
        _ => unreachable!("no expectation for {role} / {case}"),
    }
}

fn outcome(ticket: &Ticket, actor: &Actor, patch: &TicketPatch) -> Outcome {
    match change::apply_patch(ticket, actor, patch, now(), ids()) {
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
fn edit_field_by_role() {
    let open = ticket(Status::Open);
    for (role, actor) in actors() {
        for field in TicketField::ALL {
            for to in [
                None,
                Some(Status::Open),
                Some(Status::InProgress),
                Some(Status::Resolved),
                Some(Status::Closed),
            ] {
                let got = edit_field(&actor, &open, field, to);
                let want = match (role, field, to) {
                    ("other customer", ..) => NOT_VISIBLE,
                    ("agent" | "admin", ..) => Ok(()),
                    (_, TicketField::Topic | TicketField::Description, _) => Ok(()),
                    (_, TicketField::Status, None | Some(Status::Open | Status::Closed)) => Ok(()),
                    (_, TicketField::Status, _) => Err(Refusal::Forbidden(ONLY_CLOSE_OR_REOPEN)),
                    (_, TicketField::Priority, _) => {
                        Err(Refusal::Forbidden("only staff may change the priority"))
                    }
                    (_, TicketField::AssignedTo, _) => {
                        Err(Refusal::Forbidden("only staff may assign tickets"))
                    }
                };
                assert_eq!(got, want, "{role} / {field:?} / {to:?}");
                assert_eq!(
                    edit_field(&actor, &deleted(open.clone()), field, to),
                    NOT_VISIBLE,
                    "{role} / {field:?} on a deleted ticket"
                );
            }
        }
    }
}

#[test]
fn field_wire_names() {
    let names: Vec<_> = TicketField::ALL.iter().map(|f| f.as_str()).collect();
    assert_eq!(
        names,
        ["topic", "description", "status", "priority", "assigned_to"]
    );
}

#[test]
fn view_ticket_by_role() {
    let t = ticket(Status::Open);
    let want = [Ok(()), NOT_VISIBLE, Ok(()), Ok(())];
    for ((role, actor), want) in actors().into_iter().zip(want) {
        assert_eq!(view_ticket(&actor, &t), want, "{role}");
        assert_eq!(
            view_ticket(&actor, &deleted(t.clone())),
            NOT_VISIBLE,
            "{role}"
        );
    }
    // Closed tickets stay visible.
    assert_eq!(view_ticket(&owner(), &ticket(Status::Closed)), Ok(()));
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
fn post_message_by_role() {
    let t = ticket(Status::Open);
    let internal_refused = Err(Refusal::Forbidden("only staff may write internal notes"));
    let want = [
        ("owner", Ok(()), internal_refused),
        ("other customer", NOT_VISIBLE, NOT_VISIBLE),
        ("agent", Ok(()), Ok(())),
        ("admin", Ok(()), Ok(())),
    ];
    for ((role, actor), (name, public, internal)) in actors().into_iter().zip(want) {
        assert_eq!(role, name);
        assert_eq!(post_message(&actor, &t, false), public, "{role} public");
        assert_eq!(post_message(&actor, &t, true), internal, "{role} internal");
        let gone = deleted(t.clone());
        assert_eq!(post_message(&actor, &gone, false), NOT_VISIBLE, "{role}");
        assert_eq!(post_message(&actor, &gone, true), NOT_VISIBLE, "{role}");
    }
}

#[test]
fn add_attachment_by_role() {
    let t = ticket(Status::Open);
    let want = [Ok(()), NOT_VISIBLE, Ok(()), Ok(())];
    for ((role, actor), want) in actors().into_iter().zip(want) {
        assert_eq!(add_attachment(&actor, &t), want, "{role}");
        assert_eq!(
            add_attachment(&actor, &deleted(t.clone())),
            NOT_VISIBLE,
            "{role}"
        );
    }
}

#[test]
fn delete_ticket_by_role() {
    let t = ticket(Status::Open);
    let want = [
        Err(Refusal::Forbidden("only staff may delete tickets")),
        NOT_VISIBLE,
        Ok(()),
        Ok(()),
    ];
    for ((role, actor), want) in actors().into_iter().zip(want) {
        assert_eq!(delete_ticket(&actor, &t), want, "{role}");
        assert_eq!(
            delete_ticket(&actor, &deleted(t.clone())),
            NOT_VISIBLE,
            "{role}"
        );
    }
}

#[test]
fn remove_attachment_by_role() {
    let t = ticket(Status::Open);
    let by_owner = attachment(1, TICKET, OWNER, false);
    let by_agent = attachment(2, TICKET, AGENT, false);
    let internal = attachment(3, TICKET, AGENT, true);
    let elsewhere = attachment(4, OTHER_TICKET, OWNER, false);
    let not_uploader = Err(Refusal::Forbidden(
        "only the uploader or staff may remove an attachment",
    ));
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
        Err(Refusal::Forbidden(
            "only the uploader or staff may remove an attachment"
        ))
    );
}

#[test]
fn user_management_by_role() {
    let customer = Err(Refusal::Forbidden("only staff have assigned tickets"));
    for (role, actor) in actors() {
        let staff = role == "agent" || role == "admin";
        let assigned = if staff { Ok(()) } else { customer };
        assert_eq!(list_assigned(&actor), assigned, "{role}");
        let users = if staff {
            Ok(())
        } else {
            Err(Refusal::Forbidden("only staff may list users"))
        };
        assert_eq!(list_users(&actor), users, "{role}");
        let manage = if role == "admin" {
            Ok(())
        } else {
            Err(Refusal::Forbidden("only admins may manage users"))
        };
        assert_eq!(manage_users(&actor), manage, "{role}");
    }
}

#[test]
fn only_staff_can_be_assigned() {
    assert!(!can_be_assigned(Role::Customer));
    assert!(can_be_assigned(Role::Agent));
    assert!(can_be_assigned(Role::Admin));
}

#[test]
fn refusals_display() {
    assert_eq!(Refusal::NotVisible.to_string(), "not found");
    assert_eq!(Refusal::Forbidden("nope").to_string(), "nope");
}
