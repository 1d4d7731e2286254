//! The integration tests of the HTTP adapter: `build_app` over an `App` whose ports are mockall
//! mocks (the shared harness `ticketing_app::testing`: error mapping, authentication, rate limits), and the OpenAPI document (committed,
//! up to date, listing exactly the routes served).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
#[path = "http/support.rs"]
mod support;

#[path = "http/errors.rs"]
mod errors;
#[path = "http/openapi.rs"]
mod openapi;
#[path = "http/routes.rs"]
mod routes;
