//! Presence: one row per ticket and staff member, replaced at each refresh, read while not
//! expired, deleted when cleared or (expired) by the next write; every write wakes the readers,
//! and none is an event of the outbox.

use std::time::Duration;

use ticketing_app::ports::EventRepository;
use ticketing_domain::presence::{Presence, PresenceState};
use ticketing_domain::{Action, Role, Ticket, UserId};

use crate::StoreUnderTest;
use crate::fixtures::{add_user, at, entry, t0, ticket, tickets};

fn events<S: StoreUnderTest>(s: &S) -> &dyn EventRepository {
    s
}

fn presence(t: &Ticket, number: u64, user: UserId, state: PresenceState, seconds: i64) -> Presence {
    Presence {
        ticket_id: t.id,
        ticket_number: number,
        user_id: user,
        state,
        at: at(seconds),
        expires_at: at(seconds + 30),
    }
}

async fn open<S: StoreUnderTest>(s: &S, t: &Ticket) -> u64 {
    let created = entry(t.id, Action::Created, t.owner, false, t.created_at);
    tickets(s)
        .create(t, &created, &[])
        .await
        .expect("create ticket")
}

async fn woken(rx: &mut tokio::sync::watch::Receiver<u64>, what: &str) {
    tokio::time::timeout(Duration::from_secs(5), rx.changed())
        .await
        .unwrap_or_else(|_| panic!("no wake-up after {what}"))
        .unwrap();
}

pub async fn case_presence_is_replaced_expires_and_wakes<S: StoreUnderTest>(s: &S) {
    use PresenceState::{Replying, Viewing};
    let owner = add_user(s, "owner", Role::Customer).await;
    let lee = add_user(s, "lee", Role::Agent).await;
    let alex = add_user(s, "alex", Role::Admin).await;
    let here = ticket(&owner, "Here", "now", t0());
    let there = ticket(&owner, "There", "then", t0());
    let (n_here, n_there) = (open(s, &here).await, open(s, &there).await);
    assert!(events(s).current_presence(at(0)).await.unwrap().is_empty());

    let mut rx = events(s).event_wakeups();
    rx.borrow_and_update();
    events(s)
        .set_presence(presence(&here, n_here, lee.id, Viewing, 0))
        .await
        .unwrap();
    woken(&mut rx, "a presence").await;
    // A refresh (here with another state) replaces the row.
    let lee_replying = presence(&here, n_here, lee.id, Replying, 10);
    events(s).set_presence(lee_replying.clone()).await.unwrap();
    let alex_viewing = presence(&there, n_there, alex.id, Viewing, 12);
    events(s).set_presence(alex_viewing.clone()).await.unwrap();
    let now = events(s).current_presence(at(12)).await.unwrap();
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(
        now.contains(&lee_replying) && now.contains(&alex_viewing),
        "{now:?}"
    );
    let mut order = now.clone();
    order.sort_by_key(|p| (p.ticket_id, p.user_id));
    assert_eq!(now, order, "by ticket, then user");

    // Read after its expiry, a presence is gone (at its expiry exactly too).
    assert_eq!(
        events(s).current_presence(at(41)).await.unwrap(),
        std::slice::from_ref(&alex_viewing)
    );
    assert!(events(s).current_presence(at(42)).await.unwrap().is_empty());

    // Cleared: gone, with a wake-up; clearing again finds nothing.
    rx.borrow_and_update();
    assert!(events(s).clear_presence(there.id, alex.id).await.unwrap());
    woken(&mut rx, "a clear").await;
    assert!(!events(s).clear_presence(there.id, alex.id).await.unwrap());
    assert_eq!(
        events(s).current_presence(at(12)).await.unwrap(),
        [lee_replying]
    );
    // The next write deletes the expired rows (Lee's expired at 40).
    let alex_again = presence(&there, n_there, alex.id, Viewing, 50);
    events(s).set_presence(alex_again.clone()).await.unwrap();
    assert_eq!(
        events(s).current_presence(at(12)).await.unwrap(),
        [alex_again]
    );

    // Presence is not an event of the outbox.
    assert_eq!(events(s).last_event_id().await.unwrap(), 0);
}
