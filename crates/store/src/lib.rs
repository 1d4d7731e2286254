//! # ticketing-store
//!
//! The database adapter of the ticketing repository ports: diesel over an r2d2 pool, on
//! PostgreSQL ([`postgres::PgStore`], feature `postgres`) or SQLite ([`sqlite::SqliteStore`],
//! feature `sqlite`, the embedded default). Both features are on by default; the server picks
//! the store by the scheme of its database URL.
//!
//! Every store implements every repository port of `ticketing-app` plus `HealthCheck`; every
//! call runs its pool checkout and queries on tokio's blocking pool, and every write is one
//! transaction guarded by row conditions (expected version, ticket state).
//!
//! ## One source of queries
//!
//! - [`schema`], the row types (`rows.rs`) and the stored search words (`words.rs`) are compiled
//!   once. Ids and times are stored differently ([`sql_types`]: `uuid`/`timestamptz` on
//!   PostgreSQL, a 16-byte blob/integer microseconds on SQLite) behind two SQL types of this
//!   crate, so that one schema describes both databases.
//! - The queries (`queries/`) are written once and compiled once per backend: `postgres/mod.rs`
//!   and `sqlite/mod.rs` each mount the same files (`#[path = "../queries/mod.rs"]`), which
//!   resolve `super::{Conn, Db, Store, search, locking, error}` to that backend. Each copy is
//!   fully type-checked against its backend, with no dispatch at run time.
//! - What really differs stays in a small module per backend: connection set-up and pool
//!   (`store.rs`, `pool.rs`), migrations, error translation (`error.rs`), text search
//!   (`search.rs`), row locking (`locking.rs`) and query plans (`plans.rs`).
#![forbid(unsafe_code)]

#[cfg(not(any(feature = "postgres", feature = "sqlite")))]
compile_error!("ticketing-store needs the `postgres` or the `sqlite` feature (or both)");

mod error;
mod grouped;
mod kept;
mod local_counters;
mod rows;
mod run;
/// The diesel table definitions. Public only so that the bench data generator
/// (`crates/bench`) bulk-inserts into the very same tables; not a stable API.
#[doc(hidden)]
#[allow(missing_docs)]
pub mod schema;
// The SQL types of ids and times: public with `schema`, for the same reason.
#[doc(hidden)]
pub mod sql_types;
mod wake;
/// The stored search words. Public only so that the bench data generator (`crates/bench`)
/// stores exactly what the store would; not a stable API.
#[doc(hidden)]
pub mod words;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;
