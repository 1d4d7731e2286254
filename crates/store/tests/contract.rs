//! The shared contract suite on both databases, plus what is specific to each (migrations, an
//! unreachable server, lock contention, the search index). One test binary: `contract::postgres`
//! and `contract::sqlite` each expand the suite (`store_contract_tests!`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contract {
    #[cfg(feature = "postgres")]
    mod postgres;
    #[cfg(feature = "sqlite")]
    mod sqlite;
}
