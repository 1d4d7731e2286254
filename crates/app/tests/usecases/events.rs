//! The event outbox through the use cases, on the fake store: each change leaves its events
//! (with its actor's name), the backlog resumes exactly or resets, the reader of a stream is
//! re-checked; and a property test over random actions by random actors: a customer is never
//! told of anything staff-only, nor of another's ticket.

use std::collections::HashMap;

use chrono::Duration;
use proptest::prelude::*;
use ticketing_app::ports::{EventRepository, StoredEvent};
use ticketing_app::testing::{
    Harness, alice, bob, carol, claims, dave, now, root, seed, ticket_id, ticket_of,
};
use ticketing_app::{
    App, AppError, Backlog, Delivery, NewTicketInput, PatchInput, UploadInput, UserUpdate,
};
use ticketing_domain::{
    Actor, AttachmentId, Description, EventKind, FileName, MessageBody, MessageId, Role, Status,
    StoredFile, TicketId, Topic, User, Visibility,
};
use ticketing_store_contract::MemoryStore;

/// A fake store with carol, dave, alice, bob and root, and `ticket_of(carol)`.
async fn store() -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &dave(), &alice(), &bob(), &root()]).await;
    seed::ticket(&store, &ticket_of(&carol())).await;
    store
}

fn app_on(store: &MemoryStore) -> App {
    let mut h = Harness::default();
    h.tokens
        .expect_sign_download()
        .returning(|_, _, _, _| "signed".to_owned());
    h.blobs.expect_delete().returning(|_| Ok(()));
    h.build_on(store)
}

async fn everything(app: &App) -> Vec<Delivery> {
    app.events_after(0, 10_000).await.unwrap()
}

fn types(list: &[Delivery]) -> Vec<&'static str> {
    list.iter().map(|d| d.event.type_name()).collect()
}

#[tokio::test]
async fn changes_leave_their_events_with_the_actors_name() {
    let store = store().await;
    let app = app_on(&store);
    let (carol, alice) = (carol(), alice());
    let input = NewTicketInput {
        topic: Topic::parse("VPN").unwrap(),
        description: Description::parse("down").unwrap(),
        priority: None,
        requester: None,
    };
    let created = app.create_ticket(&carol.actor(), input).await.unwrap();
    let id = created.card.ticket.id;
    let note = MessageBody::parse("known outage").unwrap();
    app.add_message(&alice.actor(), id, note, true)
        .await
        .unwrap();
    let patch = PatchInput {
        status: Some(Status::InProgress),
        ..PatchInput::default()
    };
    app.update_ticket(&alice.actor(), id, patch, None)
        .await
        .unwrap();

    let all = everything(&app).await;
    assert_eq!(
        types(&all),
        ["ticket.created", "message.created", "ticket.updated"]
    );
    assert_eq!(
        all.iter().map(|d| d.id).collect::<Vec<_>>(),
        [1, 2, 3],
        "ids in commit order, without gaps"
    );
    let names: Vec<&str> = all.iter().map(|d| d.actor_name.as_str()).collect();
    assert_eq!(names, ["carol", "alice", "alice"]);
    assert!(all.iter().all(|d| d.event.ticket_id == Some(id)));
    assert!(all.iter().all(|d| d.event.at == now()));
    // The note is for staff; carol is told of the rest, dave of nothing.
    let told = |actor: &Actor| -> Vec<i64> {
        all.iter()
            .filter(|d| d.is_for(actor, None))
            .map(|d| d.id)
            .collect()
    };
    assert_eq!(told(&carol.actor()), [1, 3]);
    assert_eq!(told(&dave().actor()), Vec::<i64>::new());
    assert_eq!(told(&alice.actor()), [1, 2, 3]);
    // Only this ticket's, when asked for one.
    assert!(
        all.iter()
            .all(|d| !d.is_for(&alice.actor(), Some(ticket_id())))
    );
    let notice = all[2].notice();
    assert_eq!((notice.id, notice.actor.name.as_str()), (3, "alice"));
    assert_eq!(notice.actor.id, Some(alice.id));
}

#[tokio::test]
async fn an_admins_account_change_is_an_event_for_admins_only() {
    let store = store().await;
    let app = app_on(&store);
    let update = UserUpdate {
        role: Some(Role::Admin),
        is_active: None,
    };
    app.update_user(&root().actor(), bob().id, update)
        .await
        .unwrap();
    let all = everything(&app).await;
    assert_eq!(types(&all), ["user.role_changed"]);
    assert_eq!(all[0].event.visibility, Visibility::Admin);
    let EventKind::UserRoleChanged(change) = &all[0].event.kind else {
        panic!("{:?}", all[0])
    };
    assert_eq!(change.user_id, Some(bob().id));
    assert!(all[0].is_for(&root().actor(), None));
    assert!(!all[0].is_for(&alice().actor(), None));
}

async fn with_events(n: usize) -> (MemoryStore, App) {
    let store = store().await;
    let app = app_on(&store);
    for i in 0..n {
        let body = MessageBody::parse(&format!("reply {i}")).unwrap();
        app.add_message(&carol().actor(), ticket_id(), body, false)
            .await
            .unwrap();
    }
    (store, app)
}

fn ids_of(backlog: &Backlog) -> Vec<i64> {
    match backlog {
        Backlog::Events(list) => list.iter().map(|d| d.id).collect(),
        Backlog::Reset { head } => vec![-head],
    }
}

#[tokio::test]
async fn the_backlog_resumes_exactly_after_an_id_and_pages() {
    let (_store, app) = with_events(5).await;
    assert_eq!(app.last_event_id().await.unwrap(), 5);
    assert_eq!(
        ids_of(&app.event_backlog(0, 100).await.unwrap()),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(ids_of(&app.event_backlog(2, 2).await.unwrap()), [3, 4]);
    assert_eq!(ids_of(&app.event_backlog(4, 100).await.unwrap()), [5]);
    assert_eq!(
        app.event_backlog(5, 100).await.unwrap(),
        Backlog::Events(Vec::new())
    );
}

#[tokio::test]
async fn a_resume_point_that_was_pruned_or_never_existed_is_a_reset() {
    let (store, app) = with_events(5).await;
    // Ids from the future (another database, a restored backup) or negative: reset.
    assert_eq!(
        app.event_backlog(9, 100).await.unwrap(),
        Backlog::Reset { head: 5 }
    );
    assert_eq!(
        app.event_backlog(-1, 100).await.unwrap(),
        Backlog::Reset { head: 5 }
    );
    // Everything older than a second after now: all five go.
    EventRepository::prune_events(&store, now() + Duration::seconds(1))
        .await
        .unwrap();
    for after in [0, 3, 4] {
        assert_eq!(
            app.event_backlog(after, 100).await.unwrap(),
            Backlog::Reset { head: 5 },
            "after {after}"
        );
    }
    // Up to date: nothing missed.
    assert_eq!(
        app.event_backlog(5, 100).await.unwrap(),
        Backlog::Events(Vec::new())
    );
    // A newer event after a prune: a reader at 5 gets it; one at 4 missed 5.
    app.add_message(
        &carol().actor(),
        ticket_id(),
        MessageBody::parse("again").unwrap(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(ids_of(&app.event_backlog(5, 100).await.unwrap()), [6]);
    assert_eq!(
        app.event_backlog(4, 100).await.unwrap(),
        Backlog::Reset { head: 6 }
    );
}

#[tokio::test]
async fn events_older_than_the_retention_are_pruned() {
    let store = store().await;
    let mut h = Harness::default();
    h.settings.events_retention = std::time::Duration::from_secs(3600);
    let app = h.build_on(&store);
    let old = ticketing_domain::Event::about_ticket(
        EventKind::TicketDeleted(ticketing_domain::event::TicketRemoved {}),
        &ticket_of(&carol()),
        alice().id,
        now() - Duration::hours(2),
        false,
    );
    let fresh = ticketing_domain::Event {
        at: now() - Duration::minutes(30),
        ..old.clone()
    };
    let t = ticket_of(&carol());
    ticketing_app::ports::TicketRepository::update(&store, &t, t.version, &[], &[old, fresh])
        .await
        .unwrap();
    assert_eq!(app.prune_events().await.unwrap(), 1);
    let left: Vec<StoredEvent> = EventRepository::events_after(&store, 0, 10).await.unwrap();
    assert_eq!(left.iter().map(|e| e.id).collect::<Vec<_>>(), [2]);
    assert_eq!(app.prune_events().await.unwrap(), 0);
}

/// The app over `store`, whose token service takes any bearer `"token-<n>"` for the `n`-th user
/// of `people` (with their epoch 0), expiring 15 minutes after `now()`.
fn app_with_tokens(store: &MemoryStore, people: Vec<ticketing_domain::User>) -> App {
    let mut h = Harness::default();
    h.tokens.expect_verify_access().returning(move |token, _| {
        let n: usize = token
            .strip_prefix("token-")
            .and_then(|n| n.parse().ok())
            .ok_or(ticketing_app::TokenError::Invalid)?;
        people
            .get(n)
            .map(claims)
            .ok_or(ticketing_app::TokenError::Invalid)
    });
    h.build_on(store)
}

async fn stream_caller(app: &App, bearer: &str) -> ticketing_app::StreamCaller {
    let who = app
        .authenticate(bearer, ticketing_domain::Access::Read)
        .await
        .unwrap();
    app.event_stream_caller(bearer, &who)
}

#[tokio::test]
async fn the_reader_of_a_stream_is_checked_again_as_they_are_now() {
    let store = store().await;
    let (bob, carol) = (bob(), carol());
    let app = app_with_tokens(&store, vec![bob.clone(), carol.clone()]);
    let bobs = stream_caller(&app, "token-0").await;
    assert_eq!(bobs.actor, bob.actor());
    assert_eq!(bobs.expires_at, Some(now() + Duration::minutes(15)));
    assert!(!format!("{bobs:?}").contains("token-0"), "{bobs:?}");
    assert_eq!(
        app.event_stream_recheck(&bobs).await.unwrap(),
        Some(bob.actor())
    );
    // A role change applies to what comes next.
    let promote = UserUpdate {
        role: Some(Role::Admin),
        is_active: None,
    };
    app.update_user(&root().actor(), bob.id, promote)
        .await
        .unwrap();
    assert_eq!(
        app.event_stream_recheck(&bobs).await.unwrap(),
        Some(Actor {
            id: bob.id,
            role: Role::Admin
        })
    );
    // A deactivation (which also revokes the tokens) ends the stream.
    let off = UserUpdate {
        role: None,
        is_active: Some(false),
    };
    app.update_user(&root().actor(), bob.id, off).await.unwrap();
    assert_eq!(app.event_stream_recheck(&bobs).await.unwrap(), None);
    // So does signing out everywhere (a new token epoch).
    let carols = stream_caller(&app, "token-1").await;
    assert!(app.event_stream_recheck(&carols).await.unwrap().is_some());
    app.end_sessions(carol.id).await.unwrap();
    assert_eq!(app.event_stream_recheck(&carols).await.unwrap(), None);
}

#[tokio::test]
async fn following_a_ticket_needs_to_see_it() {
    let store = store().await;
    let app = app_on(&store);
    app.check_event_ticket(&carol().actor(), ticket_id())
        .await
        .unwrap();
    app.check_event_ticket(&alice().actor(), ticket_id())
        .await
        .unwrap();
    assert!(matches!(
        app.check_event_ticket(&dave().actor(), ticket_id()).await,
        Err(AppError::NotFound("ticket"))
    ));
}

// ---- the property: customers are told only what they may see ----------------------------

#[derive(Debug, Clone)]
enum Op {
    Open(usize),
    Reply(usize, usize, bool),
    Patch(usize, usize, Option<Status>, bool),
    Attach(usize, usize, Option<usize>),
    Remove(usize, usize),
    Delete(usize, usize),
    Access(bool, bool),
}

fn people() -> [User; 4] {
    [carol(), dave(), alice(), root()]
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..4usize;
    let which = 0..8usize;
    prop_oneof![
        2 => who.clone().prop_map(Op::Open),
        4 => (who.clone(), which.clone(), any::<bool>()).prop_map(|(a, t, i)| Op::Reply(a, t, i)),
        3 => (
            who.clone(),
            which.clone(),
            prop::option::of(prop::sample::select(Status::ALL.to_vec())),
            any::<bool>()
        )
            .prop_map(|(a, t, s, e)| Op::Patch(a, t, s, e)),
        3 => (who.clone(), which.clone(), prop::option::of(0..8usize))
            .prop_map(|(a, t, m)| Op::Attach(a, t, m)),
        1 => (who.clone(), 0..8usize).prop_map(|(a, i)| Op::Remove(a, i)),
        1 => (who, which).prop_map(|(a, t)| Op::Delete(a, t)),
        1 => (any::<bool>(), any::<bool>()).prop_map(|(r, a)| Op::Access(r, a)),
    ]
}

/// What the simulation made, to tell what each event is about (by the ids the store has).
#[derive(Default)]
struct Made {
    tickets: Vec<TicketId>,
    messages: Vec<(MessageId, TicketId)>,
    attachments: Vec<(AttachmentId, TicketId)>,
    n: u64,
}

async fn apply(app: &App, made: &mut Made, op: &Op) {
    let people = people();
    let pick = |list: &[TicketId], i: usize| list.get(i % list.len().max(1)).copied();
    match op {
        Op::Open(a) => {
            let input = NewTicketInput {
                topic: Topic::parse("Random").unwrap(),
                description: Description::parse("ticket").unwrap(),
                priority: None,
                requester: None,
            };
            if let Ok(d) = app.create_ticket(&people[*a].actor(), input).await {
                made.tickets.push(d.card.ticket.id);
            }
        }
        Op::Reply(a, t, internal) => {
            let Some(t) = pick(&made.tickets, *t) else {
                return;
            };
            let body = MessageBody::parse("words").unwrap();
            if let Ok(m) = app
                .add_message(&people[*a].actor(), t, body, *internal)
                .await
            {
                made.messages.push((m.message.id, t));
            }
        }
        Op::Patch(a, t, status, escalate) => {
            let Some(t) = pick(&made.tickets, *t) else {
                return;
            };
            let patch = PatchInput {
                status: *status,
                priority: escalate.then_some(ticketing_domain::Priority::Critical),
                ..PatchInput::default()
            };
            let _ = app.update_ticket(&people[*a].actor(), t, patch, None).await;
        }
        Op::Attach(a, t, m) => {
            let actor = people[*a].actor();
            let (ticket, message) = match m.and_then(|i| made.messages.get(i).copied()) {
                Some((message, ticket)) => (ticket, Some(message)),
                None => match pick(&made.tickets, *t) {
                    Some(ticket) => (ticket, None),
                    None => return,
                },
            };
            let Ok(permit) = app.authorize_upload(&actor, ticket, message).await else {
                return;
            };
            made.n += 1;
            let input = UploadInput {
                filename: FileName::sanitize("notes.txt"),
                content_type: "text/plain".to_owned(),
            };
            let file = StoredFile {
                storage_key: format!("key-{}", made.n),
                size: 3,
                sha256: "ab".repeat(32),
            };
            if let Ok(v) = app.commit_upload(permit, input, file).await {
                made.attachments.push((v.attachment.id, ticket));
            }
        }
        Op::Remove(a, i) => {
            if let Some((id, ticket)) = made.attachments.get(*i).copied() {
                let _ = app.remove_attachment(&people[*a].actor(), ticket, id).await;
            }
        }
        Op::Delete(a, t) => {
            if let Some(t) = pick(&made.tickets, *t) {
                let _ = app.delete_ticket(&people[*a].actor(), t).await;
            }
        }
        Op::Access(promote, active) => {
            let update = UserUpdate {
                role: Some(if *promote { Role::Admin } else { Role::Agent }),
                is_active: Some(*active),
            };
            let _ = app.update_user(&root().actor(), bob().id, update).await;
        }
    }
}

/// The independent oracle: what the store says about the thing an event concerns.
async fn check(app: &App, store: &MemoryStore) -> Result<(), TestCaseError> {
    use ticketing_app::ports::{AttachmentRepository, MessageRepository};
    let all = app.events_after(0, 100_000).await.unwrap();
    let ids: Vec<i64> = all.iter().map(|d| d.id).collect();
    prop_assert_eq!(
        ids,
        (1..=i64::try_from(all.len()).unwrap()).collect::<Vec<_>>()
    );
    let owners: HashMap<TicketId, ticketing_domain::UserId> = all
        .iter()
        .filter_map(|d| match &d.event.kind {
            EventKind::TicketCreated(t) => d.event.ticket_id.map(|id| (id, t.owner)),
            _ => None,
        })
        .collect();
    for customer in [carol(), dave()] {
        let actor = customer.actor();
        for d in all.iter().filter(|d| d.is_for(&actor, None)) {
            prop_assert_eq!(d.event.visibility, Visibility::Public, "{:?}", d);
            let ticket = d.event.ticket_id;
            prop_assert!(
                ticket.is_some(),
                "an account event reached {}: {:?}",
                customer.username,
                d
            );
            let owner = ticket.and_then(|t| owners.get(&t).copied());
            prop_assert_eq!(owner, Some(customer.id), "another's ticket: {:?}", d);
            match &d.event.kind {
                EventKind::MessageCreated(m) => {
                    let stored = MessageRepository::get(store, m.message_id).await.unwrap();
                    prop_assert!(!stored.internal, "an internal note reached a customer");
                    prop_assert!(!m.internal);
                }
                EventKind::AttachmentAdded(a) | EventKind::AttachmentRemoved(a) => {
                    prop_assert!(!a.internal, "a file of a note reached a customer: {:?}", d);
                    if let Ok(stored) = AttachmentRepository::get(store, a.attachment_id).await {
                        prop_assert!(!stored.internal);
                    }
                }
                _ => {}
            }
        }
        // Completeness: every public event of their own tickets reaches them.
        for d in &all {
            let theirs = d
                .event
                .ticket_id
                .and_then(|t| owners.get(&t))
                .is_some_and(|o| *o == customer.id);
            if theirs && d.event.visibility == Visibility::Public {
                prop_assert!(
                    d.is_for(&actor, None),
                    "{:?} missed {:?}",
                    customer.username,
                    d
                );
            }
        }
    }
    // Staff hear of every ticket event; only admins of account changes.
    for d in &all {
        let account = d.event.ticket_id.is_none();
        prop_assert_eq!(d.is_for(&alice().actor(), None), !account);
        prop_assert!(d.is_for(&root().actor(), None));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn customers_are_never_told_of_staff_only_events(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let store = MemoryStore::new();
            seed::users(&store, &[&carol(), &dave(), &alice(), &bob(), &root()]).await;
            let app = app_on(&store);
            let mut made = Made::default();
            for op in &ops {
                apply(&app, &mut made, op).await;
            }
            check(&app, &store).await
        })?;
    }
}
