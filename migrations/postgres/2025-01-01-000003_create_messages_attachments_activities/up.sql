-- Messages (public replies and internal notes) of tickets, listed oldest first.
CREATE TABLE messages (
    id               uuid        NOT NULL PRIMARY KEY,
    ticket_id        uuid        NOT NULL REFERENCES tickets (id),
    author_id        uuid        NOT NULL REFERENCES users (id),
    body             text        NOT NULL,
    is_staff_message boolean     NOT NULL,
    internal         boolean     NOT NULL,
    created_at       timestamptz NOT NULL
);

CREATE INDEX messages_ticket_idx ON messages (ticket_id, created_at, id);

-- Attachment metadata; the bytes live in the blob store under `storage_key`.
CREATE TABLE attachments (
    id           uuid        NOT NULL PRIMARY KEY,
    ticket_id    uuid        NOT NULL REFERENCES tickets (id),
    message_id   uuid        REFERENCES messages (id),
    storage_key  text        NOT NULL UNIQUE,
    filename     text        NOT NULL,
    content_type text        NOT NULL,
    size         bigint      NOT NULL CHECK (size >= 0),
    sha256       text        NOT NULL,
    internal     boolean     NOT NULL,
    uploaded_by  uuid        NOT NULL REFERENCES users (id),
    uploaded_at  timestamptz NOT NULL
);

CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, uploaded_at, id);
CREATE INDEX attachments_message_idx ON attachments (message_id) WHERE message_id IS NOT NULL;

-- The activity log: append-only (a trigger refuses updates and deletes), kept for deleted tickets.
CREATE TABLE activities (
    id           uuid        NOT NULL PRIMARY KEY,
    ticket_id    uuid        NOT NULL REFERENCES tickets (id),
    action       text        NOT NULL CHECK (action IN ('created', 'updated', 'status_changed',
                     'priority_changed', 'assigned_to_changed', 'message_added',
                     'internal_note_added', 'attachment_added', 'attachment_removed', 'resolved',
                     'reopened', 'closed', 'deleted')),
    details      text        NOT NULL,
    internal     boolean     NOT NULL,
    performed_by uuid        NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL
);

CREATE INDEX activities_ticket_idx ON activities (ticket_id, created_at, id);

CREATE FUNCTION activities_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the activity log is append-only';
END;
$$;

CREATE TRIGGER activities_append_only BEFORE UPDATE OR DELETE ON activities
    FOR EACH ROW EXECUTE FUNCTION activities_append_only();
