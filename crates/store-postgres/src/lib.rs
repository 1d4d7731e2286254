//! # ticketing-store-postgres
//!
//! The PostgreSQL adapter of the ticketing repository ports: diesel over an r2d2 pool.
//! [`PgStore`] implements every repository port of `ticketing-app` plus `HealthCheck`; every
//! call runs its pool checkout and queries on tokio's blocking pool, and every write is one
//! transaction guarded by row conditions (expected version, ticket state).
//!
//! Building the store never waits for the server: an unreachable server is reported by
//! [`PgStore::migrate`] (`StoreError::Unreachable`) and by the ports (`RepoError::Unavailable`,
//! after at most the connect timeout). Passwords never appear in errors or `Debug` output.
//!
//! ```no_run
//! use ticketing_store_postgres::{PgOptions, PgStore};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = PgStore::connect("postgres://app:secret@localhost/ticketing", PgOptions::default())?;
//! let applied = store.migrate()?;
//! println!("applied {applied:?}");
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod error;
#[cfg(test)]
mod explain;
mod listing;
mod messages;
mod pool;
mod rows;
/// The diesel table definitions. Public only so that the bench data generator
/// (`crates/bench`) bulk-inserts into the very same tables; not a stable API.
#[doc(hidden)]
#[allow(missing_docs)]
pub mod schema;
mod search;
mod sessions;
mod store;
mod tickets;
mod users;

pub use error::StoreError;
pub use store::{PgOptions, PgStore};
