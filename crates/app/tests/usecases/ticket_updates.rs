//! update_ticket: permissions, lifecycle, assignment, If-Match and lost races. Outcomes on the
//! fake store (`MemoryStore`); refusals that must write (or read) nothing, lost races and
//! injected failures on the mocks.

use std::sync::Arc;

use mockall::predicate::eq;
use ticketing_app::ports::{ActivityRepository, TicketRepository};
use ticketing_app::views::TicketDetail;
use ticketing_app::{AppError, PatchInput, RepoError};
use ticketing_domain::{
    Action, ActivityChange, ChangeError, Priority, Refusal, Rule, Status, Ticket, Topic, User,
};

use crate::tickets::{assigned_ticket, changed, entry, expect_update};
use ticketing_app::testing::{
    Harness, alice, bob, carol, dave, field_errors, latest, now, seed, ticket_id, ticket_in,
    ticket_of,
};
use ticketing_domain::ActivityEntry;
use ticketing_store_contract::MemoryStore;

/// A fake store with carol, dave, alice and bob, and `ticket`.
async fn store_with(ticket: &Ticket) -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &dave(), &alice(), &bob()]).await;
    seed::ticket(&store, ticket).await;
    store
}

/// `update_ticket` on the fake store.
async fn update_on(
    store: &MemoryStore,
    who: &User,
    input: PatchInput,
    if_match: Option<i64>,
) -> Result<TicketDetail, AppError> {
    Harness::default()
        .build_on(store)
        .update_ticket(&who.actor(), ticket_id(), input, if_match)
        .await
}

/// The ticket and its whole log (newest first) as stored.
async fn stored(store: &MemoryStore) -> (Ticket, Vec<ActivityEntry>) {
    (
        TicketRepository::get(store, ticket_id()).await.unwrap(),
        ActivityRepository::list(store, ticket_id(), true, &latest())
            .await
            .unwrap()
            .items,
    )
}

// ---- update_ticket -----------------------------------------------------------------------

fn no_update(h: &mut Harness) {
    h.tickets.expect_update().never();
    h.messages.expect_list().never();
}

async fn update(
    h: Harness,
    who: &User,
    input: PatchInput,
    if_match: Option<i64>,
) -> Result<TicketDetail, AppError> {
    h.build()
        .update_ticket(&who.actor(), ticket_id(), input, if_match)
        .await
}

#[tokio::test]
async fn update_ticket_by_staff_changes_status_and_priority_with_their_log() {
    let (carol, alice) = (carol(), alice());
    let before = ticket_of(&carol);
    let store = store_with(&before).await;
    let after = Ticket {
        status: Status::InProgress,
        priority: Priority::High,
        version: 4,
        updated_at: now(),
        public_version: 4,
        public_updated_at: now(),
        ..before.clone()
    };

    let input = PatchInput {
        status: Some(Status::InProgress),
        priority: Some(Priority::High),
        ..PatchInput::default()
    };
    let detail = update_on(&store, &alice, input, Some(3)).await.unwrap();

    assert_eq!(detail.card.ticket, after);
    let log = vec![
        changed(
            entry(
                2,
                before.id,
                Action::PriorityChanged,
                &alice,
                "Priority changed from medium to high",
            ),
            ActivityChange::Priority {
                from: Priority::Medium,
                to: Priority::High,
            },
        ),
        changed(
            entry(
                1,
                before.id,
                Action::StatusChanged,
                &alice,
                "Status changed from open to in_progress",
            ),
            ActivityChange::Status {
                from: Status::Open,
                to: Status::InProgress,
            },
        ),
        seed::created_entry(&before),
    ];
    assert_eq!(stored(&store).await, (after, log.clone()));
    let shown: Vec<ActivityEntry> = detail.activities.into_iter().map(|a| a.entry).collect();
    assert_eq!(shown, log);
}

#[tokio::test]
async fn update_ticket_refuses_a_customer_changing_the_priority() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    no_update(&mut h);

    let input = PatchInput {
        priority: Some(Priority::Critical),
        ..PatchInput::default()
    };
    assert_err!(
        update(h, &carol(), input, None).await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::PriorityIsStaffOnly
        )))
    );
}

#[tokio::test]
async fn update_ticket_refuses_a_customer_assigning_without_looking_the_assignee_up() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.users.expect_get().never();
    no_update(&mut h);

    let input = PatchInput {
        assigned_to: Some(Some(alice().id)),
        ..PatchInput::default()
    };
    assert_err!(
        update(h, &carol(), input, None).await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::AssignmentIsStaffOnly
        )))
    );
}

#[tokio::test]
async fn update_ticket_of_someone_elses_ticket_is_not_found_whatever_the_patch() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.users.expect_get().never();
    no_update(&mut h);

    let input = PatchInput {
        assigned_to: Some(Some(alice().id)),
        topic: Some(Topic::parse("Mine now").unwrap()),
        ..PatchInput::default()
    };
    assert_err!(
        update(h, &dave(), input, None).await,
        AppError::NotFound("ticket")
    );
}

#[tokio::test]
async fn update_ticket_sent_back_whole_by_the_owner_ignores_the_unchanged_assignee() {
    let mut h = Harness::default();
    let (carol, alice) = (carol(), alice());
    let before = assigned_ticket();
    h.ticket_is(&before, 1);
    h.users.expect_get().never();
    let after = Ticket {
        topic: Topic::parse("VPN down again").unwrap(),
        version: 4,
        updated_at: now(),
        public_version: 4,
        public_updated_at: now(),
        ..before.clone()
    };
    expect_update(
        &mut h,
        after.clone(),
        3,
        vec![entry(
            1,
            before.id,
            Action::Updated,
            &carol,
            "Topic updated",
        )],
        || Ok(()),
    );
    h.empty_detail(before.id, false);
    h.people(&[&carol, &alice]);

    let input = PatchInput {
        topic: Some(Topic::parse("VPN down again").unwrap()),
        description: Some(before.description.clone()),
        status: Some(Status::Open),
        priority: Some(Priority::Medium),
        assigned_to: Some(Some(alice.id)),
    };
    let detail = update(h, &carol, input, None).await.unwrap();

    assert_eq!(detail.card.ticket, after);
}

#[tokio::test]
async fn update_ticket_by_staff_assigns_an_agent() {
    let (carol, alice, bob) = (carol(), alice(), bob());
    let before = ticket_of(&carol);
    let store = store_with(&before).await;
    let after = Ticket {
        assigned_to: Some(bob.id),
        version: 4,
        updated_at: now(),
        public_version: 4,
        public_updated_at: now(),
        ..before.clone()
    };

    let input = PatchInput {
        assigned_to: Some(Some(bob.id)),
        ..PatchInput::default()
    };
    let detail = update_on(&store, &alice, input, None).await.unwrap();

    assert_eq!(detail.card.assignee, Some(Arc::new(bob.clone())));
    assert_eq!(detail.card.ticket, after);
    let (ticket, log) = stored(&store).await;
    assert_eq!(ticket, after);
    assert_eq!(
        log[0],
        changed(
            entry(
                1,
                before.id,
                Action::AssignedToChanged,
                &alice,
                "Ticket assigned to bob",
            ),
            ActivityChange::Assignee {
                from: None,
                to: Some(bob.id)
            },
        )
    );
}

#[tokio::test]
async fn update_ticket_by_staff_unassigns() {
    let mut h = Harness::default();
    let (carol, alice) = (carol(), alice());
    let before = assigned_ticket();
    h.ticket_is(&before, 1);
    h.users.expect_get().never();
    let after = Ticket {
        assigned_to: None,
        version: 4,
        updated_at: now(),
        public_version: 4,
        public_updated_at: now(),
        ..before.clone()
    };
    expect_update(
        &mut h,
        after,
        3,
        vec![changed(
            entry(
                1,
                before.id,
                Action::AssignedToChanged,
                &alice,
                "Ticket unassigned",
            ),
            ActivityChange::Assignee {
                from: Some(alice.id),
                to: None,
            },
        )],
        || Ok(()),
    );
    h.empty_detail(before.id, true);
    h.people(&[&carol]);

    let input = PatchInput {
        assigned_to: Some(None),
        ..PatchInput::default()
    };
    let detail = update(h, &alice, input, None).await.unwrap();

    assert_eq!(detail.card.assignee, None);
}

#[tokio::test]
async fn update_ticket_refuses_assignees_that_are_not_active_staff() {
    let inactive_bob = User {
        is_active: false,
        ..bob()
    };
    let cases = [
        (Some(dave()), Some(ChangeError::AssigneeNotStaff)),
        (Some(inactive_bob), Some(ChangeError::AssigneeInactive)),
        (None, None),
    ];
    for (assignee, why) in cases {
        let mut h = Harness::default();
        h.ticket_is(&ticket_of(&carol()), 1);
        let id = assignee.as_ref().map_or(bob().id, |u| u.id);
        h.users
            .expect_get()
            .with(eq(id))
            .times(1)
            .returning(move |_| assignee.clone().ok_or(RepoError::NotFound));
        no_update(&mut h);

        let input = PatchInput {
            assigned_to: Some(Some(id)),
            ..PatchInput::default()
        };
        let result = update(h, &alice(), input, None).await;
        match why {
            Some(e) => assert_err!(result, AppError::Domain(got) if got == e),
            None => assert_err!(
                result,
                AppError::Validation(errors) if errors == field_errors("assigned_to", &["no such user"])
            ),
        }
    }
}

#[tokio::test]
async fn update_ticket_on_a_closed_ticket_changes_nothing() {
    let assign = PatchInput {
        assigned_to: Some(Some(bob().id)),
        ..PatchInput::default()
    };
    let edit = PatchInput {
        topic: Some(Topic::parse("Reopen please").unwrap()),
        ..PatchInput::default()
    };
    for (who, input) in [(alice(), assign), (carol(), edit)] {
        let mut h = Harness::default();
        h.ticket_is(&ticket_in(&carol(), Status::Closed), 1);
        h.users.expect_get().never();
        no_update(&mut h);

        assert_err!(
            update(h, &who, input, None).await,
            AppError::Domain(ChangeError::Refused(Refusal::Closed))
        );
    }
}

#[tokio::test]
async fn update_ticket_refuses_a_move_the_lifecycle_does_not_allow() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_in(&carol(), Status::InProgress), 1);
    no_update(&mut h);

    let input = PatchInput {
        status: Some(Status::Open),
        ..PatchInput::default()
    };
    assert_err!(
        update(h, &alice(), input, None).await,
        AppError::Domain(ChangeError::Refused(Refusal::InvalidTransition {
            from: Status::InProgress,
            to: Status::Open,
        }))
    );
}

#[tokio::test]
async fn update_ticket_lets_the_owner_close_their_ticket() {
    let carol = carol();
    let before = ticket_of(&carol);
    let store = store_with(&before).await;
    let after = Ticket {
        status: Status::Closed,
        closed_at: Some(now()),
        version: 4,
        updated_at: now(),
        public_version: 4,
        public_updated_at: now(),
        ..before.clone()
    };

    let input = PatchInput {
        status: Some(Status::Closed),
        ..PatchInput::default()
    };
    let detail = update_on(&store, &carol, input, None).await.unwrap();

    assert_eq!(detail.card.ticket, after);
    let closed = changed(
        entry(
            1,
            before.id,
            Action::Closed,
            &carol,
            "Status changed from open to closed",
        ),
        ActivityChange::Status {
            from: Status::Open,
            to: Status::Closed,
        },
    );
    assert_eq!(
        stored(&store).await,
        (after, vec![closed, seed::created_entry(&before)])
    );
}

#[tokio::test]
async fn update_ticket_lets_the_owner_reopen_their_resolved_ticket() {
    let carol = carol();
    let before = ticket_in(&carol, Status::Resolved);
    let store = store_with(&before).await;
    let after = Ticket {
        status: Status::Open,
        resolved_at: None,
        version: 4,
        updated_at: now(),
        public_version: 4,
        public_updated_at: now(),
        ..before.clone()
    };

    let input = PatchInput {
        status: Some(Status::Open),
        ..PatchInput::default()
    };
    let detail = update_on(&store, &carol, input, None).await.unwrap();

    assert_eq!(detail.card.ticket.status, Status::Open);
    let reopened = changed(
        entry(
            1,
            before.id,
            Action::Reopened,
            &carol,
            "Status changed from resolved to open",
        ),
        ActivityChange::Status {
            from: Status::Resolved,
            to: Status::Open,
        },
    );
    assert_eq!(
        stored(&store).await,
        (after, vec![reopened, seed::created_entry(&before)])
    );
}

#[tokio::test]
async fn update_ticket_with_an_outdated_if_match_fails_the_precondition() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    no_update(&mut h);

    let input = PatchInput {
        status: Some(Status::InProgress),
        ..PatchInput::default()
    };
    assert_err!(
        update(h, &alice(), input, Some(2)).await,
        AppError::PreconditionFailed {
            expected: 2,
            current: 3
        }
    );
}

#[tokio::test]
async fn update_ticket_losing_a_race_with_if_match_fails_the_precondition() {
    let mut h = Harness::default();
    let before = ticket_of(&carol());
    h.ticket_is(&before, 1);
    h.ticket_is(
        &Ticket {
            version: 4,
            ..before.clone()
        },
        1,
    );
    h.tickets
        .expect_update()
        .withf(|_, v: &i64, _, _| *v == 3)
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::Stale));
    h.messages.expect_list().never();

    let input = PatchInput {
        status: Some(Status::InProgress),
        ..PatchInput::default()
    };
    assert_err!(
        update(h, &alice(), input, Some(3)).await,
        AppError::PreconditionFailed {
            expected: 3,
            current: 4
        }
    );
}

#[tokio::test]
async fn update_ticket_losing_a_race_without_if_match_is_recomputed_and_succeeds() {
    let mut h = Harness::default();
    let (carol, alice) = (carol(), alice());
    let first = ticket_of(&carol);
    // Meanwhile someone else raised the priority.
    let second = Ticket {
        priority: Priority::High,
        version: 4,
        public_version: 4,
        ..first.clone()
    };
    h.ticket_is(&first, 1);
    h.ticket_is(&second, 1);
    h.tickets
        .expect_update()
        .withf(|_, v: &i64, _, _| *v == 3)
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::Stale));
    let after = Ticket {
        status: Status::InProgress,
        version: 5,
        updated_at: now(),
        public_version: 5,
        public_updated_at: now(),
        ..second.clone()
    };
    expect_update(
        &mut h,
        after.clone(),
        4,
        vec![changed(
            entry(
                2,
                first.id,
                Action::StatusChanged,
                &alice,
                "Status changed from open to in_progress",
            ),
            ActivityChange::Status {
                from: Status::Open,
                to: Status::InProgress,
            },
        )],
        || Ok(()),
    );
    h.empty_detail(first.id, true);
    h.people(&[&carol]);

    let input = PatchInput {
        status: Some(Status::InProgress),
        ..PatchInput::default()
    };
    let detail = update(h, &alice, input, None).await.unwrap();

    assert_eq!(detail.card.ticket, after);
}

#[tokio::test]
async fn update_ticket_gives_up_after_the_configured_retries() {
    let mut h = Harness::default();
    h.settings.retry.retries = 2;
    h.ticket_is(&ticket_of(&carol()), 3);
    h.tickets
        .expect_update()
        .times(3)
        .returning(|_, _, _, _| Err(RepoError::Stale));
    h.messages.expect_list().never();

    let input = PatchInput {
        status: Some(Status::InProgress),
        ..PatchInput::default()
    };
    assert_err!(
        update(h, &alice(), input, None).await,
        AppError::Conflict { field: None, message }
            if message == "the record was changed concurrently; try again"
    );
}

#[tokio::test]
async fn update_ticket_without_a_change_writes_nothing() {
    let mut h = Harness::default();
    let ticket = ticket_of(&carol());
    h.ticket_is(&ticket, 1);
    h.tickets.expect_update().never();
    h.empty_detail(ticket.id, true);
    h.people(&[&carol()]);

    let input = PatchInput {
        status: Some(Status::Open),
        priority: Some(Priority::Medium),
        ..PatchInput::default()
    };
    let detail = update(h, &alice(), input, Some(3)).await.unwrap();

    assert_eq!(detail.card.ticket, ticket);
}

#[tokio::test]
async fn update_ticket_of_a_ticket_deleted_meanwhile_is_not_found() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.tickets
        .expect_update()
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::NotFound));
    h.messages.expect_list().never();

    let input = PatchInput {
        status: Some(Status::InProgress),
        ..PatchInput::default()
    };
    assert_err!(
        update(h, &alice(), input, None).await,
        AppError::NotFound("ticket")
    );
}

#[tokio::test]
async fn update_ticket_losing_a_race_with_if_match_to_a_deletion_is_not_found() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.tickets
        .expect_update()
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::Stale));
    h.tickets
        .expect_get()
        .times(1)
        .returning(|_| Err(RepoError::NotFound));
    h.messages.expect_list().never();

    let input = PatchInput {
        status: Some(Status::InProgress),
        ..PatchInput::default()
    };
    assert_err!(
        update(h, &alice(), input, Some(3)).await,
        AppError::NotFound("ticket")
    );
}
