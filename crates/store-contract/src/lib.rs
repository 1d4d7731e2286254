//! # ticketing-store-contract
//!
//! The one contract test-suite of the repository ports of `ticketing-app`, run against every
//! store, and [`MemoryStore`], an in-memory fake that passes it (for HTTP and use-case tests).
//!
//! Each case is a plain `pub async fn case_xxx<S: StoreUnderTest>(store: &S)` in [`cases`]; it
//! expects an empty, migrated store and panics (with a message) when the store breaks the
//! contract. [`store_contract_tests!`] expands them into one `#[tokio::test]` each inside the
//! calling module (`crates/store/tests/contract/{postgres,sqlite}.rs` for the two databases):
//!
//! ```ignore
//! async fn fixture() -> Option<MyFixture> { /* None: skipped (print why) */ }
//! ticketing_store_contract::store_contract_tests!(fixture().await);
//! ```
//!
//! A new case is a `pub async fn case_xxx` in [`cases`] plus its name in the one list of the
//! macro (`__contract_cases!`); the test `every_case_is_registered` fails when a case is missing
//! from the list.
//!
//! The expression is evaluated once per test and must give an `Option<F>` where `F:`
//! [`Fixture`]; `None` skips the test (the fixture says why). The calling crate needs `tokio`
//! (with `macros` and `rt`) among its dev-dependencies.
#![forbid(unsafe_code)]

pub mod cases;
pub mod fixtures;
mod memory;

pub use memory::MemoryStore;

use ticketing_app::ports::Store;

/// A store the suite can run against: every repository port plus `HealthCheck`
/// (`ticketing_app::ports::Store`), cloneable (the concurrency cases share it between tasks).
pub trait StoreUnderTest: Store + Clone + Send + Sync + 'static {}

impl<T> StoreUnderTest for T where T: Store + Clone + Send + Sync + 'static {}

/// What a test runs on: a fresh, empty, migrated store, plus whatever must live as long as the
/// test (a temporary directory, a database to drop at the end).
pub trait Fixture {
    /// The store.
    type Store: StoreUnderTest;
    /// The store under test.
    fn store(&self) -> &Self::Store;
}

impl Fixture for MemoryStore {
    type Store = MemoryStore;
    fn store(&self) -> &MemoryStore {
        self
    }
}

/// Expands into one `#[tokio::test]` per contract case. The argument is an expression (it may
/// use `.await`) giving `Option<impl Fixture>`, evaluated afresh for each test; `None` skips.
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::__contract_cases!(__store_contract_cases!($make));
    };
}

/// The one list of the contract cases: calls `$callback!(ARGS; case_a, case_b, ...)`. Every
/// `pub async fn case_*` of [`cases`] must be listed here (a test checks it).
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_cases {
    ($callback:ident!($($args:tt)*)) => {
        $crate::$callback! {
            $($args)*;
            case_ping,
            case_user_round_trip,
            case_user_not_found,
            case_user_conflicts_case_insensitively,
            case_user_updates,
            case_user_access_updates,
            case_last_active_admin_is_kept,
            case_find_credentials,
            case_user_list_and_count,
            case_user_search,
            case_ticket_round_trip,
            case_ticket_not_found,
            case_ticket_update_and_stale_version,
            case_soft_delete,
            case_touch_guards,
            case_replace_effect,
            case_timestamps_round_trip,
            case_unicode_round_trip,
            case_pagination_every_ordering,
            case_public_view_orders_by_what_customers_see,
            case_pagination_stable_under_inserts,
            case_filters_and_totals,
            case_totals_stay_exact,
            case_totals_exact_under_concurrent_moves,
            case_search,
            case_search_unicode,
            case_search_with_filters_and_pages,
            case_search_conversation,
            case_search_with_many_matches,
            case_messages,
            case_attachments,
            case_activities,
            case_timelines,
            case_sessions,
            case_session_rotation_race,
            case_concurrent_updates_one_wins,
            case_concurrent_touches_all_land,
            case_concurrent_admin_demotions_keep_one,
            case_concurrent_epoch_bumps_all_land,
            case_audit_entries_land_with_their_change,
            case_audit_pages_and_filters,
            case_look_alike_usernames_conflict,
            case_email_cannot_take_a_username,
            case_events_land_with_their_change,
            case_event_pages_and_pruning,
            case_event_wakeups_follow_commits,
            case_concurrent_event_writers_never_skip,
            case_presence_is_replaced_expires_and_wakes,
            case_ticket_numbers_are_sequential_and_never_reused,
            case_concurrent_creates_get_distinct_numbers,
            case_ticket_number_search,
            case_last_public_message,
            case_api_tokens,
            case_api_tokens_end_with_their_owner,
            case_concurrent_token_creations_keep_the_limit,
            case_counters_count_in_fixed_windows,
            case_counters_take_back_and_forget,
            case_counters_are_pruned,
            case_concurrent_hits_are_all_counted,
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __store_contract_cases {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let Some(fixture) = $make else { return };
                $crate::cases::$case($crate::Fixture::store(&fixture)).await;
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __contract_case_names {
    (; $($case:ident),* $(,)?) => {
        &[$(stringify!($case)),*]
    };
}

/// The names of the cases [`store_contract_tests!`] expands into tests, in order.
pub const REGISTERED_CASES: &[&str] = __contract_cases!(__contract_case_names!());
