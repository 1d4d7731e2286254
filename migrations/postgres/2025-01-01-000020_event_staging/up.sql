-- Events are staged by the writing transaction and numbered after its commit.
--
-- Before, every writing transaction took the next outbox ids from the counter row
-- (`outbox_state.last_event_id`) and held that row locked until its commit, WAL flush included,
-- and sent a NOTIFY (which PostgreSQL also serializes from pre-commit to the end of the commit):
-- writers of events committed one at a time, one flush each, and wrote half as fast as without
-- an outbox. Now a writer only inserts its events here (no shared row, no NOTIFY), so commits
-- group their flushes; right after its commit it numbers what is staged (`queries/events.rs`):
-- under a transaction-level advisory lock, one transaction moves the staged rows into `events`
-- in staging order with the next ids of the counter and sends the NOTIFY. A writing
-- transaction's rows share one `batch` (taken from the sequence by its last statement, after
-- every lock it waited for: a transaction that waited for another's commit stages after it)
-- and keep their order in `pos`, so one transaction's events stay consecutive. Numbering
-- transactions run one at a time, and each sees every staged row committed before it took the
-- lock, so ids still grow in the order readers can see them: a reader that has seen id N never
-- later finds a committed event below N.
CREATE TABLE events_staged (
    batch       bigint      NOT NULL,
    pos         integer     NOT NULL,
    type        text        NOT NULL,
    ticket_id   uuid,
    owner_id    uuid,
    actor_id    uuid,
    at          timestamptz NOT NULL,
    visibility  text        NOT NULL CHECK (visibility IN ('public', 'staff', 'admin')),
    payload     text        NOT NULL,
    PRIMARY KEY (batch, pos)
);

CREATE SEQUENCE events_staged_batch;
