//! Diesel table definitions, written by hand to match `migrations/postgres/`.
//!
//! `tickets.search_vector` (a generated `tsvector`) is not listed: it is only reached through
//! SQL fragments in [`crate::search`].

diesel::table! {
    users (id) {
        id -> Uuid,
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
        date_joined -> Timestamptz,
        last_login -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    tickets (id) {
        id -> Uuid,
        owner_id -> Uuid,
        assigned_to_id -> Nullable<Uuid>,
        topic -> Text,
        description -> Text,
        status -> Text,
        priority -> SmallInt,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        resolved_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        version -> BigInt,
        message_count -> BigInt,
        internal_note_count -> BigInt,
        deleted_at -> Nullable<Timestamptz>,
        search_text -> Text,
    }
}

diesel::table! {
    messages (id) {
        id -> Uuid,
        ticket_id -> Uuid,
        author_id -> Uuid,
        body -> Text,
        is_staff_message -> Bool,
        internal -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    attachments (id) {
        id -> Uuid,
        ticket_id -> Uuid,
        message_id -> Nullable<Uuid>,
        storage_key -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        internal -> Bool,
        uploaded_by -> Uuid,
        uploaded_at -> Timestamptz,
    }
}

diesel::table! {
    activities (id) {
        id -> Uuid,
        ticket_id -> Uuid,
        action -> Text,
        details -> Text,
        internal -> Bool,
        performed_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_sessions (id) {
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        token_hash -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Exact counts of live tickets (maintained by triggers, see the migration).
    ticket_counts (assignee, status, priority, shard) {
        assignee -> Uuid,
        status -> Text,
        priority -> SmallInt,
        shard -> SmallInt,
        n -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    tickets,
    messages,
    attachments,
    activities,
    refresh_sessions,
    ticket_counts,
);
