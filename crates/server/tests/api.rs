//! The black-box HTTP suite of the server: every endpoint of `docs/api-guide.md`, for every role,
//! against a real server on `127.0.0.1:0`. Every test runs on SQLite and, when
//! `TEST_DATABASE_URL` is set, on a fresh PostgreSQL database too (`TICKETING_REQUIRE_POSTGRES=1`
//! makes a missing URL an error). See `api/helpers.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api {
    #[macro_use]
    pub mod helpers;
    pub mod shapes;

    mod abuse;
    mod access;
    mod api_tokens;
    mod attachments;
    mod audit;
    mod auth;
    mod authz_matrix;
    mod bounded;
    mod bruteforce;
    mod bulk;
    mod concurrency;
    mod config;
    mod events;
    mod leaks;
    mod lifecycle;
    mod limits;
    mod lists;
    mod mail;
    mod mail_in;
    mod messages;
    mod metrics;
    mod numbers;
    mod platform;
    mod presence;
    mod replicas;
    mod replies;
    mod sessions;
    mod storage;
    mod tickets;
    mod tokens;
    mod uploads;
    mod users;
    mod webhooks;
}
