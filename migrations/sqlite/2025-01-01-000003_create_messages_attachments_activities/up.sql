-- Messages (public replies and internal notes) of tickets, listed oldest first.
CREATE TABLE messages (
    id               BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    ticket_id        BLOB    NOT NULL REFERENCES tickets (id),
    author_id        BLOB    NOT NULL REFERENCES users (id),
    body             TEXT    NOT NULL,
    is_staff_message INTEGER NOT NULL CHECK (is_staff_message IN (0, 1)),
    internal         INTEGER NOT NULL CHECK (internal IN (0, 1)),
    created_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX messages_ticket_idx ON messages (ticket_id, created_at, id);

-- Attachment metadata; the bytes live in the blob store under `storage_key`.
CREATE TABLE attachments (
    id           BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    ticket_id    BLOB    NOT NULL REFERENCES tickets (id),
    message_id   BLOB    REFERENCES messages (id),
    storage_key  TEXT    NOT NULL UNIQUE,
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    sha256       TEXT    NOT NULL,
    internal     INTEGER NOT NULL CHECK (internal IN (0, 1)),
    uploaded_by  BLOB    NOT NULL REFERENCES users (id),
    uploaded_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, uploaded_at, id);
CREATE INDEX attachments_message_idx ON attachments (message_id) WHERE message_id IS NOT NULL;

-- The activity log: append-only (triggers refuse updates and deletes), kept for deleted tickets.
CREATE TABLE activities (
    id           BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    ticket_id    BLOB    NOT NULL REFERENCES tickets (id),
    action       TEXT    NOT NULL CHECK (action IN ('created', 'updated', 'status_changed',
                     'priority_changed', 'assigned_to_changed', 'message_added',
                     'internal_note_added', 'attachment_added', 'attachment_removed', 'resolved',
                     'reopened', 'closed', 'deleted')),
    details      TEXT    NOT NULL,
    internal     INTEGER NOT NULL CHECK (internal IN (0, 1)),
    performed_by BLOB    NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX activities_ticket_idx ON activities (ticket_id, created_at, id);

CREATE TRIGGER activities_no_update BEFORE UPDATE ON activities BEGIN
    SELECT RAISE (ABORT, 'the activity log is append-only');
END;

CREATE TRIGGER activities_no_delete BEFORE DELETE ON activities BEGIN
    SELECT RAISE (ABORT, 'the activity log is append-only');
END;
