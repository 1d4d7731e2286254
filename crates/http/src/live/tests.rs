//! The hub's index: an event wakes only the streams it may be for, and a stream that fell
//! behind its inbox still gets every event of its ticket, in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use ticketing_app::Authenticated;
use ticketing_app::Delivery;
use ticketing_app::ports::StoredEvent;
use ticketing_app::testing::{
    Harness, alice, carol, claims, dave, now, other_ticket_id, ticket_id,
};
use ticketing_domain::event::{AccountChange, TicketChanges};
use ticketing_domain::{Actor, Event, EventKind, TicketId, User, UserId, Visibility};

use super::{BUFFER, Feed, Hub, Key, Subscription, Taken};

fn actor(user: &User) -> Actor {
    Actor {
        id: user.id,
        role: user.role,
    }
}

/// A public `ticket.updated` of `ticket`, owned by `owner`, by the command line.
fn ticket_event(ticket: TicketId, owner: UserId) -> Event {
    Event {
        kind: EventKind::TicketUpdated(TicketChanges::default()),
        ticket_id: Some(ticket),
        owner: Some(owner),
        actor: None,
        at: now(),
        visibility: Visibility::Public,
    }
}

fn delivery(id: i64, event: Event) -> Delivery {
    Delivery {
        id,
        event,
        ticket_number: Some(1),
        actor_name: "cli".to_owned(),
    }
}

/// Whether the stream was woken (takes the wake-up).
fn woken(sub: &Subscription) -> bool {
    sub.inbox.wake.notified().now_or_never().is_some()
}

/// The ids in the stream's inbox (empties it).
fn taken(sub: &Subscription) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        match sub.inbox.take() {
            Taken::Frame(f) => ids.push(f.id),
            Taken::Lost(after) => panic!("lost after {after}"),
            Taken::Empty => return ids,
        }
    }
}

#[tokio::test]
async fn an_event_wakes_only_the_streams_it_may_be_for() {
    let hub = Arc::new(Hub::new(Harness::default().build(), 10));
    hub.index().start(0);
    let (a, b, agent) = (carol(), dave(), alice());
    // Customer A owns `ticket_id()`, customer B `other_ticket_id()`.
    let (a_all, _) = hub.subscribe(Key::follow(&actor(&a), None));
    let (a_ticket, _) = hub.subscribe(Key::follow(&actor(&a), Some(ticket_id())));
    let (b_all, _) = hub.subscribe(Key::follow(&actor(&b), None));
    let (b_ticket, _) = hub.subscribe(Key::follow(&actor(&b), Some(other_ticket_id())));
    let (staff, _) = hub.subscribe(Key::follow(&actor(&agent), None));
    let (staff_on_b, _) = hub.subscribe(Key::follow(&actor(&agent), Some(other_ticket_id())));

    hub.hand_out(&[delivery(1, ticket_event(ticket_id(), a.id))]);
    for (name, sub) in [
        ("A", &a_all),
        ("A on the ticket", &a_ticket),
        ("staff", &staff),
    ] {
        assert!(woken(sub), "{name}");
        assert_eq!(taken(sub), [1], "{name}");
    }
    for (name, sub) in [
        ("B", &b_all),
        ("B on theirs", &b_ticket),
        ("staff on B's", &staff_on_b),
    ] {
        assert!(!woken(sub), "{name} woken by an event of A's ticket");
        assert_eq!(taken(sub), Vec::<i64>::new(), "{name}");
    }

    // A change of B's account wakes B's streams (their reader is checked again at once) and
    // the staff's, not A's.
    let account = Event::about_account(
        EventKind::UserRoleChanged(AccountChange {
            user_id: Some(b.id),
            username: "dave".to_owned(),
            details: "customer → agent".to_owned(),
        }),
        None,
        now(),
    );
    hub.hand_out(&[delivery(2, account)]);
    for (name, sub) in [("B", &b_all), ("B on theirs", &b_ticket), ("staff", &staff)] {
        assert!(woken(sub), "{name}");
        assert_eq!(taken(sub), [2], "{name}");
    }
    for (name, sub) in [
        ("A", &a_all),
        ("A on the ticket", &a_ticket),
        ("staff on B's", &staff_on_b),
    ] {
        assert!(!woken(sub), "{name} woken by a change of B's account");
    }

    // A stream that ends leaves the index.
    drop((a_all, a_ticket, b_all, b_ticket, staff, staff_on_b));
    assert!(hub.index().streams.is_empty());
}

/// The ids of the events a stream sends, until it has sent `count` of them.
async fn ids_sent(feed: &mut Feed, count: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    while ids.len() < count {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), feed.next())
            .await
            .expect("the stream sends the next event")
            .expect("the stream goes on");
        let text = std::str::from_utf8(&chunk).unwrap();
        assert!(!text.contains("event: reset"), "{text}");
        if let Some(id) = text.strip_prefix("id: ") {
            ids.push(id.split('\n').next().unwrap().parse().unwrap());
        }
    }
    ids
}

#[tokio::test]
async fn a_stream_that_fell_behind_gets_every_event_of_its_ticket_in_order() {
    let reader = carol();
    let outbox: Arc<Mutex<Vec<StoredEvent>>> = Arc::default();
    let mut h = Harness::default();
    // The reader's access token, valid for an hour of real time (the stream ends with it).
    let mut access = claims(&reader);
    access.expires_at = chrono::Utc::now() + chrono::Duration::hours(1);
    h.tokens
        .expect_verify_access()
        .returning(move |_, _| Ok(access.clone()));
    let found = reader.clone();
    h.users.expect_get().returning(move |_| Ok(found.clone()));
    let log = Arc::clone(&outbox);
    h.events
        .expect_last_event_id()
        .returning(move || Ok(i64::try_from(log.lock().unwrap().len()).unwrap()));
    let log = Arc::clone(&outbox);
    h.events
        .expect_events_after()
        .returning(move |after, limit| {
            let log = log.lock().unwrap();
            Ok(log
                .iter()
                .filter(|e| e.id > after)
                .take(limit as usize)
                .cloned()
                .collect())
        });
    let app = h.build();
    let hub = Arc::new(Hub::new(app.clone(), 10));
    // The test hands the events out itself, as `Hub::run` does.
    hub.started
        .store(true, std::sync::atomic::Ordering::Release);
    let append = |events: Vec<Event>| -> Vec<Delivery> {
        let mut log = outbox.lock().unwrap();
        events
            .into_iter()
            .map(|event| {
                let id = i64::try_from(log.len()).unwrap() + 1;
                log.push(StoredEvent {
                    id,
                    event: event.clone(),
                    ticket_number: Some(1),
                });
                delivery(id, event)
            })
            .collect()
    };
    let before = append(vec![ticket_event(ticket_id(), reader.id); 3]);
    hub.index().start(before.last().unwrap().id);

    let caller = app.event_stream_caller("carol", &Authenticated::session(reader.clone()));
    let slot = hub.slot(reader.id).unwrap();
    let mut feed = Feed::open(app.clone(), &hub, caller, Some(ticket_id()), None, slot)
        .await
        .unwrap();

    // Three events of the ticket for every one of another ticket of the same reader: more than
    // the inbox holds, handed out while the stream sends nothing.
    let events = (0..2 * BUFFER)
        .map(|i| {
            let ticket = if i % 4 == 3 {
                other_ticket_id()
            } else {
                ticket_id()
            };
            ticket_event(ticket, reader.id)
        })
        .collect();
    let written = append(events);
    hub.hand_out(&written);
    let wanted: Vec<i64> = written
        .iter()
        .filter(|d| d.event.ticket_id == Some(ticket_id()))
        .map(|d| d.id)
        .collect();
    assert!(wanted.len() > BUFFER);
    assert!(
        feed.sub.inbox.queue().lost_after.is_some(),
        "the inbox overflowed"
    );

    assert_eq!(ids_sent(&mut feed, wanted.len()).await, wanted);

    // Caught up, it follows its inbox again.
    let next = append(vec![
        ticket_event(other_ticket_id(), reader.id),
        ticket_event(ticket_id(), reader.id),
    ]);
    hub.hand_out(&next);
    assert!(feed.sub.inbox.queue().lost_after.is_none());
    assert_eq!(ids_sent(&mut feed, 1).await, [next[1].id]);
}

/// A stream for `reader` (through `who`, its account as the user store returns it now) and the
/// hub it follows.
async fn stream_of(reader: &User, who: Arc<Mutex<User>>) -> (Arc<Hub>, Feed) {
    let mut h = Harness::default();
    let mut access = claims(reader);
    access.expires_at = chrono::Utc::now() + chrono::Duration::hours(1);
    h.tokens
        .expect_verify_access()
        .returning(move |_, _| Ok(access.clone()));
    h.users
        .expect_get()
        .returning(move |_| Ok(who.lock().unwrap().clone()));
    h.events.expect_last_event_id().returning(|| Ok(0));
    h.events.expect_events_after().returning(|_, _| Ok(vec![]));
    let app = h.build();
    let hub = Arc::new(Hub::new(app.clone(), 10));
    hub.started
        .store(true, std::sync::atomic::Ordering::Release);
    hub.index().start(0);
    let caller = app.event_stream_caller("token", &Authenticated::session(reader.clone()));
    let slot = hub.slot(reader.id).unwrap();
    let feed = Feed::open(app, &hub, caller, None, None, slot)
        .await
        .unwrap();
    (hub, feed)
}

#[tokio::test]
async fn only_staff_streams_follow_the_presence_and_a_role_change_moves_a_stream() {
    // An agent's stream follows the presence.
    let agent = alice();
    let (hub, feed) = stream_of(&agent, Arc::new(Mutex::new(agent.clone()))).await;
    assert_eq!(hub.presence_tx.receiver_count(), 1);
    drop(feed);
    assert_eq!(hub.presence_tx.receiver_count(), 0);

    // A customer's does not: the staff's comings and goings never wake it.
    let customer = carol();
    let account = Arc::new(Mutex::new(customer.clone()));
    let (hub, mut feed) = stream_of(&customer, Arc::clone(&account)).await;
    assert_eq!(hub.presence_tx.receiver_count(), 0);

    // Made an agent, the stream follows the presence from its next check; made a customer
    // again, no longer.
    account.lock().unwrap().role = ticketing_domain::Role::Agent;
    assert!(feed.still_allowed(true).await);
    assert_eq!(hub.presence_tx.receiver_count(), 1);
    account.lock().unwrap().role = ticketing_domain::Role::Customer;
    assert!(feed.still_allowed(true).await);
    assert_eq!(hub.presence_tx.receiver_count(), 0);
}
