//! Use-case tests of `App` over the shared harness `ticketing_app::testing`: every port mocked
//! (mockall) to check which port calls happen, with which arguments, and that none happen when
//! the domain refuses; or the repositories on the in-memory fake store to check outcomes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Asserts that `$result` is an `Err` matching `$pattern` (with an optional guard).
macro_rules! assert_err {
    ($result:expr, $pattern:pat $(if $guard:expr)?) => {
        match $result {
            Err($pattern) $(if $guard)? => {}
            other => panic!("expected Err({}), got {:?}", stringify!($pattern), other),
        }
    };
}

#[path = "usecases/api_tokens.rs"]
mod api_tokens;
#[path = "usecases/attachments.rs"]
mod attachments;
#[path = "usecases/auth.rs"]
mod auth;
#[path = "usecases/bulk.rs"]
mod bulk;
#[path = "usecases/events.rs"]
mod events;
#[path = "usecases/inbound.rs"]
mod inbound;
#[path = "usecases/messages.rs"]
mod messages;
#[path = "usecases/operator.rs"]
mod operator;
#[path = "usecases/presence.rs"]
mod presence;
#[path = "usecases/replies.rs"]
mod replies;
#[path = "usecases/sessions.rs"]
mod sessions;
#[path = "usecases/ticket_updates.rs"]
mod ticket_updates;
#[path = "usecases/tickets.rs"]
mod tickets;
#[path = "usecases/uploads.rs"]
mod uploads;
#[path = "usecases/users.rs"]
mod users;
