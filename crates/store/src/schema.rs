//! Diesel table definitions, written by hand to match `migrations/postgres/` and
//! `migrations/sqlite/` (one schema for both: ids are [`Id`] and times are [`Instant`], whose
//! storage differs, see [`crate::sql_types`]; every other column has the same type on both).
//!
//! Tables and columns that only backend-specific SQL fragments reach are not listed:
//! PostgreSQL's `ticket_lexemes` (the search `tsvector` of each ticket, written by triggers) and
//! `tickets.seq` (the SQLite rowid the FTS5 index points at), see `postgres/search.rs` and
//! `sqlite/search.rs`; nor is SQLite's `ticket_number` counter, which only its triggers use. `tickets.number` is written by the database alone (an identity
//! column on PostgreSQL, a trigger on SQLite; never NULL once the INSERT is done).
//!
//! [`Id`]: crate::sql_types::Id
//! [`Instant`]: crate::sql_types::Instant

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    users (id) {
        id -> Id,
        username -> Text,
        username_key -> Text,
        email -> Text,
        email_key -> Text,
        first_name -> Text,
        last_name -> Text,
        role -> Text,
        is_active -> Bool,
        password_hash -> Text,
        token_epoch -> BigInt,
        date_joined -> Instant,
        last_login -> Nullable<Instant>,
        username_skeleton -> Nullable<Text>,
        search_key -> Text,
        must_change_password -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    tickets (id) {
        id -> Id,
        owner_id -> Id,
        assigned_to_id -> Nullable<Id>,
        topic -> Text,
        description -> Text,
        status -> Text,
        priority -> SmallInt,
        created_at -> Instant,
        updated_at -> Instant,
        resolved_at -> Nullable<Instant>,
        closed_at -> Nullable<Instant>,
        version -> BigInt,
        message_count -> BigInt,
        internal_note_count -> BigInt,
        deleted_at -> Nullable<Instant>,
        search_text -> Text,
        public_version -> BigInt,
        public_updated_at -> Instant,
        number -> BigInt,
        last_public_author_id -> Nullable<Id>,
        last_public_by_staff -> Nullable<Bool>,
        last_public_at -> Nullable<Instant>,
        conversation_text -> Text,
        notes_text -> Text,
        search_pending -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    messages (id) {
        id -> Id,
        ticket_id -> Id,
        author_id -> Id,
        body -> Text,
        is_staff_message -> Bool,
        internal -> Bool,
        created_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    attachments (id) {
        id -> Id,
        ticket_id -> Id,
        message_id -> Nullable<Id>,
        storage_key -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        internal -> Bool,
        uploaded_by -> Id,
        uploaded_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    activities (id) {
        id -> Id,
        ticket_id -> Id,
        action -> Text,
        details -> Text,
        internal -> Bool,
        performed_by -> Id,
        created_at -> Instant,
        change_field -> Nullable<Text>,
        change_from -> Nullable<Text>,
        change_to -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    refresh_sessions (id) {
        id -> Id,
        family_id -> Id,
        user_id -> Id,
        token_hash -> Text,
        created_at -> Instant,
        expires_at -> Instant,
        rotated_at -> Nullable<Instant>,
        revoked_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    /// Exact counts of live tickets (maintained by triggers, see the migrations). The store only
    /// sums `n`. On PostgreSQL each key is split over shards (a `shard` column, part of the
    /// primary key, written by the trigger alone), so it is not declared here.
    ticket_counts (assignee, status, priority) {
        assignee -> Id,
        status -> Text,
        priority -> SmallInt,
        n -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    /// The audit log of account administration (append-only: triggers refuse UPDATE and DELETE).
    audit_log (id) {
        id -> Id,
        at -> Instant,
        actor_id -> Nullable<Id>,
        actor -> Text,
        action -> Text,
        target_id -> Nullable<Id>,
        target -> Text,
        details -> Text,
        address -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    /// Personal access tokens (only the SHA-256 hex of the secret is stored).
    api_tokens (id) {
        id -> Id,
        user_id -> Id,
        name -> Text,
        token_hash -> Text,
        scope -> Text,
        role -> Text,
        token_epoch -> BigInt,
        created_at -> Instant,
        expires_at -> Nullable<Instant>,
        last_used_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    events (id) {
        id -> BigInt,
        #[sql_name = "type"]
        kind -> Text,
        ticket_id -> Nullable<Id>,
        owner_id -> Nullable<Id>,
        actor_id -> Nullable<Id>,
        at -> Instant,
        visibility -> Text,
        payload -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    /// Events written by transactions that committed and not numbered yet (PostgreSQL only:
    /// see `queries/events.rs`), in the order of `key`; a writing transaction's rows also share
    /// its transaction id (column `xid`, filled in by PostgreSQL, not mapped here).
    events_staged (key) {
        key -> BigInt,
        #[sql_name = "type"]
        kind -> Text,
        ticket_id -> Nullable<Id>,
        owner_id -> Nullable<Id>,
        actor_id -> Nullable<Id>,
        at -> Instant,
        visibility -> Text,
        payload -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Instant;

    /// The shared counters of the abuse limits (one fixed window per key).
    limit_counters (key) {
        key -> Text,
        window_start -> Instant,
        hits -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    presence (ticket_id, user_id) {
        ticket_id -> Id,
        user_id -> Id,
        ticket_number -> BigInt,
        state -> Text,
        at -> Instant,
        expires_at -> Instant,
    }
}

diesel::table! {
    outbox_state (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    mail_jobs (id) {
        id -> Id,
        event_id -> Nullable<BigInt>,
        recipient_id -> Id,
        kind -> Text,
        to_address -> Text,
        to_name -> Text,
        ticket_id -> Nullable<Id>,
        ticket_number -> Nullable<BigInt>,
        topic -> Text,
        actor_name -> Text,
        body -> Nullable<Text>,
        secret -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        created_at -> Instant,
        next_attempt_at -> Instant,
        finished_at -> Nullable<Instant>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    mail_reply_tokens (token_hash) {
        token_hash -> Text,
        ticket_id -> Id,
        user_id -> Id,
        created_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> Id,
        created_at -> Instant,
        expires_at -> Instant,
        used_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::Id;

    mail_preferences (user_id) {
        user_id -> Id,
        new_ticket -> Bool,
        public_reply -> Bool,
        assigned -> Bool,
        status -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    /// Outbound webhook endpoints (`secret`: the signing secret, never logged).
    webhook_endpoints (id) {
        id -> Id,
        url -> Text,
        event_types -> Text,
        include_staff_events -> Bool,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Instant>,
        failing_since -> Nullable<Instant>,
        after_event_id -> BigInt,
        created_at -> Instant,
        updated_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    /// One delivery per (endpoint, event), with its last attempt.
    webhook_deliveries (id) {
        id -> Id,
        endpoint_id -> Id,
        event_id -> BigInt,
        event_type -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Instant,
        created_at -> Instant,
        last_attempt_at -> Nullable<Instant>,
        last_status -> Nullable<Integer>,
        last_latency_ms -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        last_response -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{Id, Instant};

    inbound_messages (key_hash) {
        key_hash -> Text,
        ticket_id -> Id,
        received_at -> Instant,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    audit_log,
    events,
    events_staged,
    inbound_messages,
    mail_jobs,
    mail_preferences,
    mail_reply_tokens,
    limit_counters,
    outbox_state,
    password_resets,
    presence,
    users,
    tickets,
    messages,
    attachments,
    activities,
    refresh_sessions,
    ticket_counts,
    webhook_endpoints,
    webhook_deliveries,
);
