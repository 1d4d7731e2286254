//! set_presence / clear_presence: staff only, on tickets they see; what is stored (expiry 30 s
//! after now) on the mocks, and what the others are told on the fake store.

use chrono::Duration;
use mockall::predicate::eq;
use ticketing_app::AppError;
use ticketing_app::testing::{Harness, alice, bob, carol, dave, now, seed, ticket_of};
use ticketing_domain::presence::{Presence, PresenceState};
use ticketing_domain::{ChangeError, Refusal, Rule};
use ticketing_store_contract::MemoryStore;

#[tokio::test]
async fn staff_presence_is_stored_until_thirty_seconds_from_now() {
    let (carol, alice) = (carol(), alice());
    let ticket = ticket_of(&carol);
    let mut h = Harness::default();
    h.ticket_is(&ticket, 1);
    let want = Presence {
        ticket_id: ticket.id,
        ticket_number: ticket.number,
        user_id: alice.id,
        state: PresenceState::Replying,
        at: now(),
        expires_at: now() + Duration::seconds(30),
    };
    h.events
        .expect_set_presence()
        .with(eq(want.clone()))
        .times(1)
        .returning(|_| Ok(()));
    h.events
        .expect_current_presence()
        .with(eq(now()))
        .times(1)
        .returning(|_| Ok(Vec::new()));
    let shown = h
        .build()
        .set_presence(&alice.actor(), ticket.id, PresenceState::Replying)
        .await
        .unwrap();
    assert_eq!(shown.mine, want);
    assert!(shown.others.is_empty());
}

#[tokio::test]
async fn customers_show_no_presence_and_strangers_find_no_ticket() {
    let (carol, dave) = (carol(), dave());
    let ticket = ticket_of(&carol);
    // The owner: forbidden, nothing stored.
    let mut h = Harness::default();
    h.ticket_is(&ticket, 2);
    h.events.expect_set_presence().never();
    h.events.expect_clear_presence().never();
    let app = h.build();
    assert_err!(
        app.set_presence(&carol.actor(), ticket.id, PresenceState::Viewing)
            .await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::PresenceIsStaffOnly
        )))
    );
    assert_err!(
        app.clear_presence(&carol.actor(), ticket.id).await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::PresenceIsStaffOnly
        )))
    );
    // Another customer: not found, as everywhere.
    let mut h = Harness::default();
    h.ticket_is(&ticket, 1);
    h.events.expect_set_presence().never();
    assert_err!(
        h.build()
            .set_presence(&dave.actor(), ticket.id, PresenceState::Viewing)
            .await,
        AppError::NotFound("ticket")
    );
}

#[tokio::test]
async fn the_answer_names_the_other_staff_there_and_leaving_forgets_the_caller() {
    let (carol, alice, bob) = (carol(), alice(), bob());
    let store = MemoryStore::new();
    seed::users(&store, &[&carol, &alice, &bob]).await;
    let ticket = ticket_of(&carol);
    seed::ticket(&store, &ticket).await;
    let app = Harness::default().build_on(&store);

    let first = app
        .set_presence(&alice.actor(), ticket.id, PresenceState::Viewing)
        .await
        .unwrap();
    assert!(first.others.is_empty());
    let second = app
        .set_presence(&bob.actor(), ticket.id, PresenceState::Replying)
        .await
        .unwrap();
    assert_eq!(second.others.len(), 1);
    assert_eq!(second.others[0].presence.user_id, alice.id);
    assert_eq!(second.others[0].name, alice.display_name());
    assert_eq!(second.others[0].presence.state, PresenceState::Viewing);

    app.clear_presence(&alice.actor(), ticket.id).await.unwrap();
    let now_there = app.current_presence().await.unwrap();
    assert_eq!(now_there.len(), 1);
    assert_eq!(now_there[0].presence.user_id, bob.id);
}
