-- The event outbox: the events of every committed change (`ticketing_domain::event`), written in
-- the same transaction as the change and its activity entries (or audit entries), read in id
-- order by the event stream and the other consumers, and pruned after the retention
-- (`TICKETING_EVENTS_RETENTION`).
--
-- Ids are 1, 2, 3, … without gaps, in commit order: a writer takes its ids by incrementing the
-- counter row `outbox_state ('last_event_id')` inside its transaction (SQLite has one writer at a
-- time, so commit order is trivially kept; PostgreSQL's migration explains the general case).
-- `payload` is the JSON of the event's `type` and `changes`; `owner_id` (the ticket's owner) and
-- `visibility` decide who may be told. Ids of users and tickets are 16-byte big-endian UUID
-- blobs, times integer microseconds since the Unix epoch (UTC).
CREATE TABLE events (
    id          INTEGER NOT NULL PRIMARY KEY,
    type        TEXT    NOT NULL,
    ticket_id   BLOB    CHECK (ticket_id IS NULL OR length(ticket_id) = 16),
    owner_id    BLOB    CHECK (owner_id IS NULL OR length(owner_id) = 16),
    actor_id    BLOB    CHECK (actor_id IS NULL OR length(actor_id) = 16),
    at          INTEGER NOT NULL,
    visibility  TEXT    NOT NULL CHECK (visibility IN ('public', 'staff', 'admin')),
    payload     TEXT    NOT NULL
) STRICT;

-- Pruning finds the last event older than the retention.
CREATE INDEX events_at_idx ON events (at);

-- Counters of the outbox; one row today: the last id handed out.
CREATE TABLE outbox_state (
    name   TEXT    NOT NULL PRIMARY KEY,
    value  INTEGER NOT NULL
) STRICT;
INSERT INTO outbox_state (name, value) VALUES ('last_event_id', 0);
