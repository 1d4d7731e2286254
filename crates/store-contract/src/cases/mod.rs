//! The contract cases. Each takes an empty, migrated store and panics when the store breaks
//! the contract of the ports (see `ticketing_app::ports`).
//!
//! This is test code: it unwraps freely.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_tokens;
mod audit;
mod concurrency;
mod conversation_search;
mod counters;
mod counts;
mod events;
mod listing;
mod messages;
mod numbers;
mod presence;
mod search;
mod sessions;
mod tickets;
mod users;

pub use api_tokens::*;
pub use audit::*;
pub use concurrency::*;
pub use conversation_search::*;
pub use counters::*;
pub use counts::*;
pub use events::*;
pub use listing::*;
pub use messages::*;
pub use numbers::*;
pub use presence::*;
pub use search::*;
pub use sessions::*;
pub use tickets::*;
pub use users::*;
