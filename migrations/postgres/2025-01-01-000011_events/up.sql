-- The event outbox: the events of every committed change (`ticketing_domain::event`), written in
-- the same transaction as the change and its activity entries (or audit entries), read in id
-- order by the event stream (one reader per process) and the other consumers, and pruned after
-- the retention (`TICKETING_EVENTS_RETENTION`).
--
-- Ids are 1, 2, 3, … without gaps, in commit order: a writer takes its ids by incrementing the
-- counter row `outbox_state ('last_event_id')` as the last statement of its transaction. The row
-- stays locked until that transaction ends, so the next writer gets the next ids only after it
-- committed (or rolled back, giving its ids back). A reader that has seen id N therefore never
-- finds a committed event below N later (which a sequence cannot promise: a transaction that took
-- its value first may commit last). `payload` is the JSON of the event's `type` and `changes`;
-- `owner_id` (the ticket's owner) and `visibility` decide who may be told.
CREATE TABLE events (
    id          bigint      NOT NULL PRIMARY KEY,
    type        text        NOT NULL,
    ticket_id   uuid,
    owner_id    uuid,
    actor_id    uuid,
    at          timestamptz NOT NULL,
    visibility  text        NOT NULL CHECK (visibility IN ('public', 'staff', 'admin')),
    payload     text        NOT NULL
);

-- Pruning finds the last event older than the retention.
CREATE INDEX events_at_idx ON events (at);

-- Counters of the outbox; one row today: the last id handed out.
CREATE TABLE outbox_state (
    name   text   NOT NULL PRIMARY KEY,
    value  bigint NOT NULL
);
INSERT INTO outbox_state (name, value) VALUES ('last_event_id', 0);
