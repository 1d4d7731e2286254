-- Tickets. `priority` is the severity rank 1 (low) .. 4 (critical), so ordering by it sorts by
-- severity. `search_text` holds the words of topic and description as the domain tokenizer
-- splits them (lower-cased runs of letters and digits, joined by single spaces), written by the
-- adapter; `search_vector` turns those words into lexemes verbatim (no parser, no dictionary, so
-- no dependence on the database locale) for the GIN index.
CREATE TABLE tickets (
    id                  uuid        NOT NULL PRIMARY KEY,
    owner_id            uuid        NOT NULL REFERENCES users (id),
    assigned_to_id      uuid        REFERENCES users (id),
    topic               text        NOT NULL,
    description         text        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    priority            smallint    NOT NULL CHECK (priority BETWEEN 1 AND 4),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    resolved_at         timestamptz,
    closed_at           timestamptz,
    version             bigint      NOT NULL CHECK (version >= 1),
    message_count       bigint      NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    internal_note_count bigint      NOT NULL DEFAULT 0 CHECK (internal_note_count >= 0),
    deleted_at          timestamptz,
    search_text         text        NOT NULL DEFAULT '',
    search_vector       tsvector    GENERATED ALWAYS AS
                            (array_to_tsvector(string_to_array(search_text, ' '))) STORED
);

-- Keyset pagination: one index per (scope, sort key), each ending with id (the tie-breaker).
-- Partial: deleted tickets are never listed.
CREATE INDEX tickets_created_idx ON tickets (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_updated_idx ON tickets (updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_priority_idx ON tickets (priority, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_owner_created_idx ON tickets (owner_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_owner_updated_idx ON tickets (owner_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_owner_priority_idx ON tickets (owner_id, priority, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_assignee_created_idx ON tickets (assigned_to_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_assignee_updated_idx ON tickets (assigned_to_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_assignee_priority_idx ON tickets (assigned_to_id, priority, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_status_created_idx ON tickets (status, created_at, id) WHERE deleted_at IS NULL;
-- Text search (`q`): prefix queries `'term':* & ...` on the lexemes.
CREATE INDEX tickets_search_idx ON tickets USING gin (search_vector) WHERE deleted_at IS NULL;
