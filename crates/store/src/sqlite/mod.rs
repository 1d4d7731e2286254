//! The SQLite store (the embedded default): [`SqliteStore`], over an r2d2 pool of connections
//! to one database file in WAL mode. Every write is one `BEGIN IMMEDIATE` transaction.
//!
//! ```no_run
//! use ticketing_store::sqlite::{SqliteOptions, SqliteStore, parse_url};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let path = parse_url("sqlite://./data/ticketing.db").ok_or("not a sqlite URL")?;
//! let store = SqliteStore::open(&path, SqliteOptions::default())?;
//! let applied = store.migrate()?;
//! println!("applied {applied:?}");
//! # Ok(()) }
//! ```

mod batch;
mod error;
mod locking;
mod outbox;
#[cfg(test)]
mod plans;
// The same files are mounted in both backends on purpose: see `queries/mod.rs`.
#[allow(clippy::duplicate_mod)]
#[path = "../queries/mod.rs"]
mod queries;
mod search;
mod store;

pub use error::StoreError;
pub use store::{SqliteOptions, SqliteStore, parse_url};

/// The name of the database in messages.
const DATABASE: &str = "SQLite";

/// A new ticket's number is not known to the `RETURNING` of its INSERT: the trigger that gives
/// it runs after the row was inserted.
const NUMBER_RETURNED: bool = false;

/// What the shared queries (`queries/`) run on here.
use diesel::{SqliteConnection as Conn, sqlite::Sqlite as Db};
use store::SqliteStore as Store;
