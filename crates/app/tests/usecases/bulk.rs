//! update_tickets: the ticket update once per ticket. Outcomes on the fake store
//! (`MemoryStore`); refusals of the whole request, which must read nothing, on the mocks.

use ticketing_app::ports::{ActivityRepository, TicketRepository};
use ticketing_app::{AppError, MAX_BULK_TICKETS, PatchInput, RepoError};
use ticketing_domain::{
    Action, ActivityChange, ActivityEntry, ActivityId, ChangeError, Priority, Refusal, Rule,
    Status, Ticket, TicketId, User,
};
use uuid::Uuid;

use ticketing_app::testing::{
    Harness, alice, bob, carol, dave, field_errors, gen_id, latest, now, seed, ticket_in,
};
use ticketing_store_contract::MemoryStore;

fn id(n: u128) -> TicketId {
    TicketId::from_uuid(Uuid::from_u128(0x8_0000 + n))
}

/// `ticket_of(owner)` as ticket `id(n)`, in `status`.
/// Ticket `n` (its id and, when seeded n-th, the number the store gives it).
fn numbered(n: u128, owner: &User, status: Status) -> Ticket {
    Ticket {
        id: id(n),
        number: u64::try_from(n).unwrap(),
        ..ticket_in(owner, status)
    }
}

async fn log_of(store: &MemoryStore, ticket: TicketId) -> Vec<ActivityEntry> {
    ActivityRepository::list(store, ticket, true, &latest())
        .await
        .unwrap()
        .items
}

fn resolve_and_assign_to(user: &User) -> PatchInput {
    PatchInput {
        status: Some(Status::Resolved),
        assigned_to: Some(Some(user.id)),
        ..PatchInput::default()
    }
}

#[tokio::test]
async fn each_ticket_is_changed_on_its_own_and_answered_in_the_order_of_the_ids() {
    let (carol, dave, alice, bob) = (carol(), dave(), alice(), bob());
    let store = MemoryStore::new();
    seed::users(&store, &[&carol, &dave, &alice, &bob]).await;
    let open = numbered(1, &carol, Status::Open);
    let closed = numbered(2, &dave, Status::Closed);
    let working = numbered(3, &dave, Status::InProgress);
    let deleted = Ticket {
        deleted_at: Some(now()),
        ..numbered(4, &carol, Status::Open)
    };
    for t in [&open, &closed, &working, &deleted] {
        seed::ticket(&store, t).await;
    }
    let app = Harness::default().build_on(&store);
    let ids = [id(3), id(2), id(9), id(1), id(4)];

    let outcomes = app
        .update_tickets(&alice.actor(), &ids, &resolve_and_assign_to(&bob))
        .await
        .unwrap();

    let order: Vec<TicketId> = outcomes.iter().map(|o| o.id).collect();
    assert_eq!(order, ids);
    for (n, o) in [(0, &outcomes[0]), (3, &outcomes[3])] {
        let card = o.result.as_ref().unwrap();
        assert_eq!(card.ticket.status, Status::Resolved, "{n}");
        assert_eq!(card.ticket.assigned_to, Some(bob.id));
        assert_eq!(card.assignee.as_deref(), Some(&bob));
        assert_eq!(card.version, 4);
        assert_eq!(
            TicketRepository::get(&store, card.ticket.id).await.unwrap(),
            card.ticket
        );
    }
    assert!(matches!(
        outcomes[1].result,
        Err(AppError::Domain(ChangeError::Refused(Refusal::Closed)))
    ));
    assert!(matches!(
        outcomes[2].result,
        Err(AppError::NotFound("ticket"))
    ));
    assert!(matches!(
        outcomes[4].result,
        Err(AppError::NotFound("ticket"))
    ));
    assert_eq!(TicketRepository::get(&store, id(2)).await.unwrap(), closed);

    // Each changed ticket has its own entries, with ids taken in the order of the work.
    let entries = |first: u128, ticket: &Ticket, from: &str| {
        vec![
            ActivityEntry {
                id: ActivityId::from_uuid(gen_id(first + 1)),
                ticket_id: ticket.id,
                action: Action::AssignedToChanged,
                performed_by: alice.id,
                details: "Ticket assigned to bob".to_owned(),
                change: Some(ActivityChange::Assignee {
                    from: ticket.assigned_to,
                    to: Some(bob.id),
                }),
                internal: false,
                created_at: now(),
            },
            ActivityEntry {
                id: ActivityId::from_uuid(gen_id(first)),
                ticket_id: ticket.id,
                action: Action::Resolved,
                performed_by: alice.id,
                details: format!("Status changed from {from} to resolved"),
                change: Some(ActivityChange::Status {
                    from: Status::from_wire(from).unwrap(),
                    to: Status::Resolved,
                }),
                internal: false,
                created_at: now(),
            },
            seed::created_entry(ticket),
        ]
    };
    assert_eq!(
        log_of(&store, id(3)).await,
        entries(1, &working, "in_progress")
    );
    assert_eq!(log_of(&store, id(1)).await, entries(3, &open, "open"));
    assert_eq!(log_of(&store, id(2)).await, [seed::created_entry(&closed)]);
}

#[tokio::test]
async fn a_ticket_already_as_asked_is_answered_unchanged() {
    let (carol, alice) = (carol(), alice());
    let store = MemoryStore::new();
    seed::users(&store, &[&carol, &alice]).await;
    let high = Ticket {
        priority: Priority::High,
        ..numbered(1, &carol, Status::Open)
    };
    seed::ticket(&store, &high).await;
    let changes = PatchInput {
        priority: Some(Priority::High),
        ..PatchInput::default()
    };

    let outcomes = Harness::default()
        .build_on(&store)
        .update_tickets(&alice.actor(), &[id(1)], &changes)
        .await
        .unwrap();

    assert_eq!(outcomes[0].result.as_ref().unwrap().ticket, high);
    assert_eq!(log_of(&store, id(1)).await, [seed::created_entry(&high)]);
}

/// Refusals of the request as a whole: nothing is read, nothing is written.
fn nothing(h: &mut Harness) {
    h.tickets.expect_get().never();
    h.tickets.expect_update().never();
    h.users.expect_get().never();
    h.users.expect_get_many().never();
}

#[tokio::test]
async fn customers_may_not_change_tickets_in_bulk() {
    let mut h = Harness::default();
    nothing(&mut h);
    let changes = PatchInput {
        status: Some(Status::Closed),
        ..PatchInput::default()
    };

    assert_err!(
        h.build()
            .update_tickets(&carol().actor(), &[id(1)], &changes)
            .await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::BulkChangesAreStaffOnly
        )))
    );
}

#[tokio::test]
async fn bad_requests_are_refused_as_a_whole() {
    let resolve = PatchInput {
        status: Some(Status::Resolved),
        ..PatchInput::default()
    };
    let too_many: Vec<TicketId> = (0..=MAX_BULK_TICKETS as u128).map(id).collect();
    let cases: Vec<(Vec<TicketId>, PatchInput, &str, String)> = vec![
        (
            vec![],
            resolve.clone(),
            "ids",
            "name at least one ticket".to_owned(),
        ),
        (
            too_many,
            resolve.clone(),
            "ids",
            "at most 200 tickets per request (201 given)".to_owned(),
        ),
        (
            vec![id(1), id(2), id(1)],
            resolve.clone(),
            "ids",
            format!("{} is named more than once", id(1)),
        ),
        (
            vec![id(1)],
            PatchInput::default(),
            "changes",
            "name at least one change (status, priority or assigned_to)".to_owned(),
        ),
    ];
    for (ids, changes, field, message) in cases {
        let mut h = Harness::default();
        nothing(&mut h);
        let result = h
            .build()
            .update_tickets(&alice().actor(), &ids, &changes)
            .await;
        assert_err!(result, AppError::Validation(e) if e == field_errors(field, &[&message]));
    }
}

/// After a storage failure the other tickets are not tried (each would wait for the same
/// failing storage); they are answered 503.
#[tokio::test]
async fn after_a_storage_failure_the_rest_is_not_tried() {
    let mut h = Harness::default();
    h.tickets
        .expect_get()
        .times(1)
        .returning(|_| Err(RepoError::Unavailable("pool timed out".to_owned())));
    h.tickets.expect_update().never();
    let changes = PatchInput {
        priority: Some(Priority::Low),
        ..PatchInput::default()
    };

    let outcomes = h
        .build()
        .update_tickets(&alice().actor(), &[id(1), id(2), id(3)], &changes)
        .await
        .unwrap();

    assert_eq!(outcomes.len(), 3);
    for o in &outcomes {
        assert!(matches!(o.result, Err(AppError::Unavailable(_))), "{o:?}");
    }
}

#[tokio::test]
async fn a_customer_assignee_is_refused_for_each_ticket_like_patch() {
    let (carol, alice) = (carol(), alice());
    let store = MemoryStore::new();
    seed::users(&store, &[&carol, &dave(), &alice]).await;
    seed::ticket(&store, &numbered(1, &carol, Status::Open)).await;
    let changes = PatchInput {
        assigned_to: Some(Some(dave().id)),
        ..PatchInput::default()
    };

    let outcomes = Harness::default()
        .build_on(&store)
        .update_tickets(&alice.actor(), &[id(1)], &changes)
        .await
        .unwrap();

    assert!(matches!(
        outcomes[0].result,
        Err(AppError::Domain(ChangeError::AssigneeNotStaff))
    ));
}
