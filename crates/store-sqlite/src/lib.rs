//! # ticketing-store-sqlite
//!
//! The SQLite adapter of the ticketing repository ports (the embedded default store): diesel
//! over an r2d2 pool of connections to one database file, in WAL mode. [`SqliteStore`]
//! implements every repository port of `ticketing-app` plus `HealthCheck`; every call runs its
//! pool checkout and queries on tokio's blocking pool, and every write is one `BEGIN IMMEDIATE`
//! transaction.
//!
//! Storage choices (see `docs/database.md`): UUIDs are 16-byte big-endian blobs, times are
//! integer microseconds since the Unix epoch (UTC), text search runs on an FTS5 index.
//!
//! ```no_run
//! use ticketing_store_sqlite::{SqliteOptions, SqliteStore, parse_url};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let path = parse_url("sqlite://./data/ticketing.db").ok_or("not a sqlite URL")?;
//! let store = SqliteStore::open(&path, SqliteOptions::default())?;
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
pub use store::{SqliteOptions, SqliteStore, parse_url};
