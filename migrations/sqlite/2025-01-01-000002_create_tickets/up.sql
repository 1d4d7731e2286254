-- Tickets. `seq` is an INTEGER PRIMARY KEY (a stable rowid alias) so that the FTS5
-- external-content table can point at rows; the public id is the 16-byte UUID blob `id`.
-- `priority` is the severity rank 1 (low) .. 4 (critical), so ordering by it sorts by severity.
-- `search_text` holds the words of topic and description as the domain tokenizer splits them
-- (lower-cased runs of letters and digits, joined by single spaces), written by the adapter.
CREATE TABLE tickets (
    seq                 INTEGER NOT NULL PRIMARY KEY,
    id                  BLOB    NOT NULL UNIQUE CHECK (length(id) = 16),
    owner_id            BLOB    NOT NULL REFERENCES users (id),
    assigned_to_id      BLOB    REFERENCES users (id),
    topic               TEXT    NOT NULL,
    description         TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    priority            INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    resolved_at         INTEGER,
    closed_at           INTEGER,
    version             INTEGER NOT NULL CHECK (version >= 1),
    message_count       INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    internal_note_count INTEGER NOT NULL DEFAULT 0 CHECK (internal_note_count >= 0),
    deleted_at          INTEGER,
    search_text         TEXT    NOT NULL DEFAULT ''
) STRICT;

-- Keyset pagination: one index per (scope, sort key), each ending with id (the tie-breaker).
-- Partial: deleted tickets are never listed. `tickets_created_idx` also carries `deleted_at` so
-- that it covers `count(*)` of the unfiltered list (SQLite then scans it instead of the table;
-- leading with `deleted_at` instead would look selective to a planner without statistics).
CREATE INDEX tickets_created_idx ON tickets (created_at, id, deleted_at) WHERE deleted_at IS NULL;
CREATE INDEX tickets_updated_idx ON tickets (updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_priority_idx ON tickets (priority, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_owner_created_idx ON tickets (owner_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_owner_updated_idx ON tickets (owner_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_owner_priority_idx ON tickets (owner_id, priority, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_assignee_created_idx ON tickets (assigned_to_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_assignee_updated_idx ON tickets (assigned_to_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_assignee_priority_idx ON tickets (assigned_to_id, priority, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_status_created_idx ON tickets (status, created_at, id) WHERE deleted_at IS NULL;

-- Text search: an external-content FTS5 index over `search_text`. The `ascii` tokenizer splits
-- only on ASCII non-alphanumerics and folds only A-Z, so on the pre-tokenized, lower-cased text it
-- yields exactly the domain's words (see docs/database.md for why not unicode61).
CREATE VIRTUAL TABLE tickets_fts USING fts5 (
    search_text,
    content = 'tickets',
    content_rowid = 'seq',
    tokenize = 'ascii',
    detail = 'none'
);

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;

CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
END;

CREATE TRIGGER tickets_fts_update AFTER UPDATE OF search_text ON tickets
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
    INSERT INTO tickets_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;
