//! The event outbox: events land with their change (or not at all), with ids 1, 2, 3, … in
//! commit order; pages, pruning, wake-ups; concurrent writers never make a reader skip one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ticketing_app::RepoError;
use ticketing_app::ports::{
    AccessChange, AccessOutcome, AttachmentRepository, EventRepository, MessageRepository,
    StoredEvent, TicketRepository, UserRepository,
};
use ticketing_app::{AuditAction, AuditActor, AuditEntry};
use ticketing_domain::event::{
    AttachmentChange, EventKind, FieldChange, MessagePosted, TicketChanges, TicketOpened,
    TicketRemoved,
};
use ticketing_domain::{Action, Event, Priority, Role, Status, Ticket, UserId, Visibility};

use crate::StoreUnderTest;
use crate::fixtures::{
    add_user, at, attachment, entry, message, new_id, t0, ticket, tickets, touch, touch_in, user,
    users,
};

fn events<S: StoreUnderTest>(s: &S) -> &dyn EventRepository {
    s
}

/// An event about `t` by `actor` at `when`.
fn about(t: &Ticket, kind: EventKind, actor: UserId, seconds: i64, internal: bool) -> Event {
    Event::about_ticket(kind, t, actor, at(seconds), internal)
}

fn opened(t: &Ticket) -> Event {
    let kind = EventKind::TicketCreated(TicketOpened {
        topic: t.topic.clone(),
        description: t.description.clone(),
        status: t.status,
        priority: t.priority,
        owner: t.owner,
    });
    Event::about_ticket(kind, t, t.owner, t.created_at, false)
}

fn priority_moved(t: &Ticket, actor: UserId, seconds: i64) -> Event {
    let changes = TicketChanges {
        priority: Some(FieldChange::new(Priority::Medium, Priority::High)),
        ..TicketChanges::default()
    };
    about(t, EventKind::TicketUpdated(changes), actor, seconds, false)
}

/// Every retained event, in order.
async fn all<S: StoreUnderTest>(s: &S) -> Vec<StoredEvent> {
    events(s).events_after(0, 10_000).await.unwrap()
}

fn ids(list: &[StoredEvent]) -> Vec<i64> {
    list.iter().map(|e| e.id).collect()
}

/// Creates `t` with its `created` entry and event; returns its number.
async fn create<S: StoreUnderTest>(s: &S, t: &Ticket) -> u64 {
    let created = entry(t.id, Action::Created, t.owner, false, t.created_at);
    tickets(s)
        .create(t, &created, &[opened(t)])
        .await
        .expect("create ticket")
}

/// Every write that records a change appends its events in its transaction, after the ones
/// before, numbered 1, 2, 3, …; they come back exactly as written (kind, ticket, owner, actor,
/// time, visibility). A refused write (stale, missing, last admin) appends none.
pub async fn case_events_land_with_their_change<S: StoreUnderTest>(s: &S) {
    assert_eq!(events(s).last_event_id().await.unwrap(), 0);
    assert!(all(s).await.is_empty());
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    assert!(all(s).await.is_empty(), "accounts without audit: no events");

    let t = ticket(&owner, "Printer", "on fire", t0());
    let number = create(s, &t).await;
    let mut want = vec![opened(&t)];

    // A patch: its events with the new state.
    let next = Ticket {
        priority: Priority::High,
        version: 2,
        updated_at: at(1),
        ..t.clone()
    };
    let log = [entry(t.id, Action::PriorityChanged, agent.id, false, at(1))];
    let patched = [priority_moved(&t, agent.id, 1)];
    tickets(s).update(&next, 1, &log, &patched).await.unwrap();
    want.extend(patched.iter().cloned());
    // Stale: nothing.
    let stale = Ticket {
        version: 3,
        ..next.clone()
    };
    let refused = tickets(s)
        .update(&stale, 1, &[], &[priority_moved(&t, agent.id, 2)])
        .await;
    assert!(matches!(refused, Err(RepoError::Stale)), "{refused:?}");

    // A message and an internal note (staff-only), with a body that is not ASCII.
    let reply = message(t.id, &agent, "Ça marche ✓ — 日本語", false, at(3));
    let posted = about(
        &t,
        EventKind::MessageCreated(MessagePosted::of(&reply)),
        agent.id,
        3,
        false,
    );
    let touch_reply = touch(t.id, at(3), 1, 0);
    MessageRepository::add(s, &reply, &touch_reply, &[], std::slice::from_ref(&posted))
        .await
        .unwrap();
    want.push(posted);
    let note = message(t.id, &agent, "internal", true, at(4));
    let noted = about(
        &t,
        EventKind::MessageCreated(MessagePosted::of(&note)),
        agent.id,
        4,
        true,
    );
    MessageRepository::add(
        s,
        &note,
        &touch(t.id, at(4), 0, 1),
        &[],
        std::slice::from_ref(&noted),
    )
    .await
    .unwrap();
    want.push(noted);
    // A failed guard (the ticket is not resolved): nothing.
    let wrong = message(t.id, &agent, "late", false, at(5));
    let late = about(
        &t,
        EventKind::MessageCreated(MessagePosted::of(&wrong)),
        agent.id,
        5,
        false,
    );
    let refused = MessageRepository::add(
        s,
        &wrong,
        &touch_in(Status::Resolved, t.id, at(5), 1, 0),
        &[],
        &[late],
    )
    .await;
    assert!(matches!(refused, Err(RepoError::Stale)), "{refused:?}");

    // A file of the note, added and removed; removing it again: nothing.
    let file = attachment(t.id, Some(&note), &agent, "trace.log", at(6));
    let added = about(
        &t,
        EventKind::AttachmentAdded(AttachmentChange::of(&file)),
        agent.id,
        6,
        true,
    );
    AttachmentRepository::add(
        s,
        &file,
        &touch(t.id, at(6), 0, 0),
        &[],
        std::slice::from_ref(&added),
    )
    .await
    .unwrap();
    want.push(added);
    let removed = about(
        &t,
        EventKind::AttachmentRemoved(AttachmentChange::of(&file)),
        agent.id,
        7,
        true,
    );
    AttachmentRepository::remove(
        s,
        file.id,
        &touch(t.id, at(7), 0, 0),
        &[],
        std::slice::from_ref(&removed),
    )
    .await
    .unwrap();
    want.push(removed.clone());
    let again =
        AttachmentRepository::remove(s, file.id, &touch(t.id, at(8), 0, 0), &[], &[removed]).await;
    assert!(matches!(again, Err(RepoError::NotFound)), "{again:?}");

    // A soft delete.
    let stored = tickets(s).get(t.id).await.unwrap();
    let deleted = Ticket {
        deleted_at: Some(at(9)),
        version: stored.version + 1,
        updated_at: at(9),
        ..stored.clone()
    };
    let gone = about(
        &t,
        EventKind::TicketDeleted(TicketRemoved {}),
        agent.id,
        9,
        false,
    );
    tickets(s)
        .update(&deleted, stored.version, &[], std::slice::from_ref(&gone))
        .await
        .unwrap();
    want.push(gone);

    // Audit entries bring their events (admins only, never the address); a refused change
    // (the last admin) brings none.
    let root = add_user(s, "root", Role::Admin).await;
    let carol = user("carol", Role::Customer);
    let created = AuditEntry {
        id: new_id(),
        at: at(10),
        actor: AuditActor::Cli,
        action: AuditAction::UserCreated,
        target_id: Some(carol.id),
        target: "carol".to_owned(),
        details: String::new(),
        address: None,
    };
    users(s)
        .insert(&carol, "hash", std::slice::from_ref(&created))
        .await
        .unwrap();
    want.push(created.event());
    let demote = AuditEntry {
        id: new_id(),
        at: at(11),
        actor: AuditActor::of(&root),
        action: AuditAction::RoleChanged,
        target_id: Some(root.id),
        target: "root".to_owned(),
        details: "admin → agent".to_owned(),
        address: Some("192.0.2.1".to_owned()),
    };
    let change = AccessChange {
        role: Some(Role::Agent),
        ..AccessChange::default()
    };
    let out = UserRepository::update_access(s, root.id, &change, &[demote])
        .await
        .unwrap();
    assert_eq!(out, AccessOutcome::LastAdmin);

    let got = all(s).await;
    let n = i64::try_from(want.len()).unwrap();
    assert_eq!(ids(&got), (1..=n).collect::<Vec<_>>());
    for (stored, want) in got.iter().zip(&want) {
        assert_eq!(&stored.event, want, "event {}", stored.id);
        // Each ticket event comes with its ticket's number (the one `create` gave it).
        let expected = want.ticket_id.map(|_| number);
        assert_eq!(stored.ticket_number, expected, "event {}", stored.id);
    }
    assert_eq!(events(s).last_event_id().await.unwrap(), n);
    let account = &got.last().unwrap().event;
    assert_eq!(
        (account.visibility, account.actor, account.ticket_id),
        (Visibility::Admin, None, None)
    );
    let visibilities: Vec<Visibility> = got.iter().map(|e| e.event.visibility).collect();
    assert_eq!(
        visibilities,
        [
            Visibility::Public,
            Visibility::Public,
            Visibility::Public,
            Visibility::Staff,
            Visibility::Staff,
            Visibility::Staff,
            Visibility::Public,
            Visibility::Admin,
        ]
    );
}

/// Reading after an id pages through the outbox in order; pruning removes a prefix of ids (all
/// the events up to the newest one older than the cut, whatever the times of those before) and
/// never lowers the last id.
pub async fn case_event_pages_and_pruning<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let t = ticket(&owner, "Paged", "events", t0());
    create(s, &t).await;
    let mut current = t.clone();
    // Events 2..=25, at increasing times, except event 7 (far ahead) and 8 (early).
    for n in 2..=25_i64 {
        let seconds = match n {
            7 => 1000,
            8 => 3,
            _ => n * 10,
        };
        let next = Ticket {
            version: current.version + 1,
            updated_at: at(n * 10),
            ..current.clone()
        };
        tickets(s)
            .update(
                &next,
                current.version,
                &[],
                &[priority_moved(&t, owner.id, seconds)],
            )
            .await
            .unwrap();
        current = next;
    }
    assert_eq!(
        ids(&events(s).events_after(0, 10).await.unwrap()),
        (1..=10).collect::<Vec<_>>()
    );
    assert_eq!(
        ids(&events(s).events_after(10, 10).await.unwrap()),
        (11..=20).collect::<Vec<_>>()
    );
    assert_eq!(
        ids(&events(s).events_after(20, 10).await.unwrap()),
        (21..=25).collect::<Vec<_>>()
    );
    assert!(events(s).events_after(25, 10).await.unwrap().is_empty());
    assert!(events(s).events_after(99, 10).await.unwrap().is_empty());
    assert_eq!(ids(&events(s).events_after(-5, 2).await.unwrap()), [1, 2]);

    // Nothing older than the first event: nothing pruned.
    assert_eq!(events(s).prune_events(t0()).await.unwrap(), 0);
    // Older than at(55): events 1 (t0), 2..=5 (20..50 s) and 8 (3 s): through id 8, 7 included.
    assert_eq!(events(s).prune_events(at(55)).await.unwrap(), 8);
    assert_eq!(ids(&all(s).await), (9..=25).collect::<Vec<_>>());
    assert_eq!(events(s).prune_events(at(55)).await.unwrap(), 0);
    assert_eq!(events(s).last_event_id().await.unwrap(), 25);
    assert_eq!(ids(&events(s).events_after(3, 2).await.unwrap()), [9, 10]);
    // Everything: the last id stays, the next event gets the next one.
    assert_eq!(events(s).prune_events(at(100_000)).await.unwrap(), 17);
    assert!(all(s).await.is_empty());
    assert_eq!(events(s).last_event_id().await.unwrap(), 25);
    let other = ticket(&owner, "After pruning", "next id", at(300));
    create(s, &other).await;
    assert_eq!(ids(&all(s).await), [26]);
}

/// A commit that appended events changes the wake-up receiver.
pub async fn case_event_wakeups_follow_commits<S: StoreUnderTest>(s: &S) {
    let mut rx = events(s).event_wakeups();
    let owner = add_user(s, "owner", Role::Customer).await;
    for round in 0..3 {
        rx.borrow_and_update();
        let t = ticket(&owner, &format!("Wake {round}"), "up", t0());
        create(s, &t).await;
        tokio::time::timeout(Duration::from_secs(5), rx.changed())
            .await
            .unwrap_or_else(|_| panic!("round {round}: no wake-up after a commit"))
            .unwrap();
    }
}

/// Many writers commit events at once while a reader keeps reading after the last id it saw:
/// every read continues exactly where the previous one stopped (no id skipped, none repeated),
/// and once the writers are done the reader has seen every event, each ticket's in order.
/// (With ids from a sequence, a transaction that took its id first but committed last would
/// show up below an id the reader had already passed: a gap here.)
pub async fn case_concurrent_event_writers_never_skip<S: StoreUnderTest>(s: &S) {
    const WRITERS: usize = 8;
    const ROUNDS: usize = 12;
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let store = s.clone();
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let mut seen: Vec<StoredEvent> = Vec::new();
            let mut last = 0_i64;
            let mut reads = 0_u32;
            loop {
                let finished = done.load(Ordering::Acquire);
                let batch = EventRepository::events_after(&store, last, 7)
                    .await
                    .unwrap();
                reads += 1;
                for (i, e) in batch.iter().enumerate() {
                    let want = last + 1 + i64::try_from(i).unwrap();
                    assert_eq!(e.id, want, "read {reads} after {last}: {:?}", ids(&batch));
                }
                if let Some(e) = batch.last() {
                    last = e.id;
                }
                let empty = batch.is_empty();
                seen.extend(batch);
                if finished && empty {
                    return (seen, reads);
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = s.clone();
            let (owner, agent) = (owner.clone(), agent.clone());
            tokio::spawn(async move {
                for r in 0..ROUNDS {
                    let t = ticket(&owner, &format!("Writer {w} round {r}"), "busy", t0());
                    create(&store, &t).await;
                    let next = Ticket {
                        priority: Priority::High,
                        version: 2,
                        updated_at: at(1),
                        ..t.clone()
                    };
                    let two = [
                        priority_moved(&t, agent.id, 1),
                        priority_moved(&t, agent.id, 1),
                    ];
                    TicketRepository::update(&store, &next, 1, &[], &two)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, Ordering::Release);
    let (seen, reads) = reader.await.unwrap();
    let total = i64::try_from(WRITERS * ROUNDS * 3).unwrap();
    assert_eq!(
        ids(&seen),
        (1..=total).collect::<Vec<_>>(),
        "after {reads} reads"
    );
    assert_eq!(events(s).last_event_id().await.unwrap(), total);
    // Each ticket's creation comes before its update (a transaction's events are together).
    for (i, e) in seen.iter().enumerate() {
        if let EventKind::TicketCreated(_) = e.event.kind {
            let next: Vec<_> = seen[i + 1..]
                .iter()
                .filter(|x| x.event.ticket_id == e.event.ticket_id)
                .map(|x| x.id)
                .collect();
            assert_eq!(next.len(), 2);
            assert_eq!(
                next[1],
                next[0] + 1,
                "a transaction's events are consecutive"
            );
        }
    }
}
