//! The contract suite against the in-memory fake, plus the fake's outage switch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ticketing_app::RepoError;
use ticketing_app::ports::{HealthCheck, UserRepository};
use ticketing_domain::Role;
use ticketing_store_contract::fixtures::user;
use ticketing_store_contract::{MemoryStore, REGISTERED_CASES};

ticketing_store_contract::store_contract_tests!(Some(MemoryStore::new()));

#[tokio::test]
async fn a_switched_off_store_is_unavailable_and_writes_nothing() {
    let store = MemoryStore::new();
    let u = user("dora", Role::Customer);
    store.set_unavailable(true);
    assert!(matches!(store.ping().await, Err(RepoError::Unavailable(_))));
    assert!(matches!(
        store.insert(&u, "h", &[]).await,
        Err(RepoError::Unavailable(_))
    ));
    store.set_unavailable(false);
    store.ping().await.unwrap();
    assert!(matches!(
        UserRepository::get(&store, u.id).await,
        Err(RepoError::NotFound)
    ));
}

/// Every `pub async fn case_*` in `src/cases/` is registered with `store_contract_tests!`, and
/// only those: a case left out of the list would silently never run on any store.
#[test]
fn every_case_is_registered() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cases");
    let mut declared = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("pub async fn case_") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                declared.push(format!("case_{name}"));
            }
        }
    }
    let registered: Vec<String> = REGISTERED_CASES.iter().map(|c| c.to_string()).collect();
    let missing: Vec<&String> = declared
        .iter()
        .filter(|d| !registered.contains(d))
        .collect();
    let unknown: Vec<&String> = registered
        .iter()
        .filter(|r| !declared.contains(r))
        .collect();
    assert!(
        missing.is_empty(),
        "not registered with store_contract_tests!: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "registered but not declared: {unknown:?}"
    );
    assert_eq!(declared.len(), registered.len(), "a case registered twice");
    assert!(declared.len() >= 34, "only {} cases found", declared.len());
}
