//! The shared contract suite on both databases, plus what is specific to each (migrations, an
//! unreachable server, lock contention, the search index). One test binary: `contract::postgres`
//! and `contract::sqlite` each expand the suite (`store_contract_tests!`); the helpers below
//! serve both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contract {
    #[cfg(feature = "postgres")]
    mod postgres;
    #[cfg(feature = "sqlite")]
    mod sqlite;

    use std::collections::BTreeSet;

    use ticketing_app::ports::TicketRepository;
    use ticketing_domain::Role;
    use ticketing_domain::listing::tokenize;
    use ticketing_store_contract::StoreUnderTest;
    use ticketing_store_contract::fixtures::{add_ticket, add_user, t0, ticket};

    /// The migrations of both databases (`migrations/postgres/` and `migrations/sqlite/` keep the
    /// same names in lockstep), in order.
    pub(crate) const MIGRATIONS: [&str; 6] = [
        "2025-01-01-000001_create_users",
        "2025-01-01-000002_create_tickets",
        "2025-01-01-000003_create_messages_attachments_activities",
        "2025-01-01-000004_create_refresh_sessions",
        "2025-01-01-000005_create_ticket_counts",
        "2025-01-01-000008_audit_log",
    ];

    /// Runs `migrate` on three threads at once and asserts that each migration was applied
    /// exactly once among them.
    pub(crate) fn assert_concurrent_migrations_apply_once<F>(migrate: F)
    where
        F: Fn() -> Vec<String> + Clone + Send + 'static,
    {
        let handles: Vec<_> = (0..3)
            .map(|_| std::thread::spawn(migrate.clone()))
            .collect();
        let mut applied: Vec<String> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        applied.sort();
        assert_eq!(applied, MIGRATIONS, "each migration applied once");
    }

    /// Adds tickets whose descriptions hold every letter and digit of Unicode (in words of three
    /// characters: upper and lower case, marks, digits of every script); returns the words the
    /// domain's tokenizer makes of them, which the search index must hold exactly.
    pub(crate) async fn add_every_letter<S: StoreUnderTest>(s: &S) -> BTreeSet<String> {
        let owner = add_user(s, "indexer", Role::Customer).await;
        let chars: Vec<char> = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_alphanumeric())
            .collect();
        let mut want = BTreeSet::from(["x".to_owned()]);
        for chunk in chars.chunks(3000) {
            let words: Vec<String> = chunk.chunks(3).map(|w| w.iter().collect()).collect();
            let description = words.join(" ");
            want.extend(tokenize(&description));
            let t = ticket(&owner, "x", &description, t0());
            add_ticket(s, &t).await;
            assert!(TicketRepository::get(s, t.id).await.is_ok());
        }
        want
    }

    /// The index holds exactly the words wanted (no extra splitting, folding or accent removal).
    pub(crate) fn assert_same_words(want: &BTreeSet<String>, got: &BTreeSet<String>) {
        let missing: Vec<_> = want.difference(got).take(5).collect();
        let extra: Vec<_> = got.difference(want).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "missing {missing:?}, extra {extra:?}"
        );
        assert!(got.len() > 40_000, "{}", got.len());
    }
}
