-- Inbound mail (docs/email.md); see the PostgreSQL migration of the same name.
CREATE TABLE inbound_messages (
    key_hash    TEXT    NOT NULL PRIMARY KEY,
    ticket_id   BLOB    NOT NULL CHECK (length(ticket_id) = 16),
    received_at INTEGER NOT NULL
) STRICT;
