//! Route handlers, one file per resource. Each handler's `#[utoipa::path]` annotation declares
//! its method and path; `crate::routes` mounts the handlers it lists.

pub mod activities;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod events;
pub mod health;
pub mod mail;
pub mod messages;
pub mod presence;
pub mod profile;
pub mod tickets;
pub mod tokens;
pub mod users;
