//! The PostgreSQL store: [`PgStore`].
//!
//! Building the store never waits for the server: an unreachable server is reported by
//! [`PgStore::migrate`] (`StoreError::Unreachable`) and by the ports (`RepoError::Unavailable`,
//! after at most the connect timeout). Passwords never appear in errors or `Debug` output.
//!
//! ```no_run
//! use ticketing_store::postgres::{PgOptions, PgStore};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = PgStore::connect("postgres://app:secret@localhost/ticketing", PgOptions::default())?;
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
mod pool;
// The same files are mounted in both backends on purpose: see `queries/mod.rs`.
#[allow(clippy::duplicate_mod)]
#[path = "../queries/mod.rs"]
mod queries;
mod search;
mod store;

pub use error::StoreError;
pub use store::{PgOptions, PgStore};

/// The name of the database in messages.
const DATABASE: &str = "PostgreSQL";

/// A new ticket's number is known to the `RETURNING` of its INSERT (an identity column).
const NUMBER_RETURNED: bool = true;

/// What the shared queries (`queries/`) run on here.
use diesel::{PgConnection as Conn, pg::Pg as Db};
use store::PgStore as Store;
