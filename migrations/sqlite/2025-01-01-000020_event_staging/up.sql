-- The same table as PostgreSQL's (see migrations/postgres), kept so that both schemas match;
-- SQLite does not use it: one writer at a time numbers its events inside its own transaction.
CREATE TABLE events_staged (
    key         INTEGER PRIMARY KEY,
    xid         INTEGER NOT NULL DEFAULT 0,
    type        TEXT    NOT NULL,
    ticket_id   BLOB    CHECK (ticket_id IS NULL OR length(ticket_id) = 16),
    owner_id    BLOB    CHECK (owner_id IS NULL OR length(owner_id) = 16),
    actor_id    BLOB    CHECK (actor_id IS NULL OR length(actor_id) = 16),
    at          INTEGER NOT NULL,
    visibility  TEXT    NOT NULL CHECK (visibility IN ('public', 'staff', 'admin')),
    payload     TEXT    NOT NULL
) STRICT;
