//! The queries, written once for both databases.
//!
//! This folder is not a module of the crate root: `postgres/mod.rs` and `sqlite/mod.rs` each
//! mount it (`#[path = "../queries/mod.rs"] mod queries;`), so it is compiled once per backend,
//! and the names imported below resolve to that backend's items: its connection (`Conn`) and
//! backend (`Db`) types, its store (`Store`, with `read`, `write`, `write_unflushed`,
//! `snapshot` and `wakeups`), and its modules for what really differs (`search`, `locking`,
//! `outbox`, `error`, `batch`: statements sent together). Each
//! copy is type-checked against its backend; nothing is chosen at run time.
//!
//! Write a query here with diesel's DSL over [`crate::schema`]; bind ids as
//! [`crate::sql_types::DbId`] and times as [`crate::sql_types::DbTime`]. SQL that differs
//! between the databases goes into a function of the same name in both `postgres/` and
//! `sqlite/`, called from here through `super::`.

#[cfg(test)]
use super::plans;
use super::{Conn, DATABASE, Db, NUMBER_RETURNED, Store, batch, error, locking, outbox, search};

mod api_tokens;
mod audit;
mod counters;
mod events;
#[cfg(test)]
mod explain;
mod inbound;
mod listing;
mod mail;
mod messages;
mod presence;
mod probe;
mod sessions;
mod tickets;
mod users;
mod webhooks;

pub(super) use counters::Counting;
// The queue of PostgreSQL's store (`Counting::Table`); SQLite counts in memory.
#[allow(unused_imports)]
pub(super) use counters::{HitAnswer, HitRequest};
pub(super) use events::{AfterCommit, after_commit};
#[cfg(test)]
pub(super) use explain::Explain;
pub(super) use messages::backfill_conversation_words;
pub(super) use users::{backfill_search_keys, backfill_username_skeletons};
