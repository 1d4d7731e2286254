//! The contract suite against the in-memory fake, plus the fake's outage switch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ticketing_app::RepoError;
use ticketing_app::ports::{HealthCheck, UserRepository};
use ticketing_domain::Role;
use ticketing_store_contract::MemoryStore;
use ticketing_store_contract::fixtures::user;

ticketing_store_contract::store_contract_tests!(Some(MemoryStore::new()));

#[tokio::test]
async fn a_switched_off_store_is_unavailable_and_writes_nothing() {
    let store = MemoryStore::new();
    let u = user("dora", Role::Customer);
    store.set_unavailable(true);
    assert!(matches!(store.ping().await, Err(RepoError::Unavailable(_))));
    assert!(matches!(
        store.insert(&u, "h").await,
        Err(RepoError::Unavailable(_))
    ));
    store.set_unavailable(false);
    store.ping().await.unwrap();
    assert!(matches!(
        UserRepository::get(&store, u.id).await,
        Err(RepoError::NotFound)
    ));
}
