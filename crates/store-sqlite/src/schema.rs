//! Diesel table definitions, written by hand to match `migrations/sqlite/`.
//!
//! Ids are 16-byte UUID blobs (`Binary`), times are integer microseconds since the Unix epoch
//! (`BigInt`). `tickets_fts` (the FTS5 index) is not listed: it is only reached through SQL
//! fragments in [`crate::search`].

diesel::table! {
    users (id) {
        id -> Binary,
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
        date_joined -> BigInt,
        last_login -> Nullable<BigInt>,
    }
}

diesel::table! {
    // `seq` (the rowid alias the FTS index points at) is left out: only SQL fragments use it.
    tickets (id) {
        id -> Binary,
        owner_id -> Binary,
        assigned_to_id -> Nullable<Binary>,
        topic -> Text,
        description -> Text,
        status -> Text,
        priority -> SmallInt,
        created_at -> BigInt,
        updated_at -> BigInt,
        resolved_at -> Nullable<BigInt>,
        closed_at -> Nullable<BigInt>,
        version -> BigInt,
        message_count -> BigInt,
        internal_note_count -> BigInt,
        deleted_at -> Nullable<BigInt>,
        search_text -> Text,
    }
}

diesel::table! {
    messages (id) {
        id -> Binary,
        ticket_id -> Binary,
        author_id -> Binary,
        body -> Text,
        is_staff_message -> Bool,
        internal -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    attachments (id) {
        id -> Binary,
        ticket_id -> Binary,
        message_id -> Nullable<Binary>,
        storage_key -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        internal -> Bool,
        uploaded_by -> Binary,
        uploaded_at -> BigInt,
    }
}

diesel::table! {
    activities (id) {
        id -> Binary,
        ticket_id -> Binary,
        action -> Text,
        details -> Text,
        internal -> Bool,
        performed_by -> Binary,
        created_at -> BigInt,
    }
}

diesel::table! {
    refresh_sessions (id) {
        id -> Binary,
        family_id -> Binary,
        user_id -> Binary,
        token_hash -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        rotated_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Exact counts of live tickets (maintained by triggers, see the migration).
    ticket_counts (assignee, status, priority) {
        assignee -> Binary,
        status -> Text,
        priority -> SmallInt,
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
