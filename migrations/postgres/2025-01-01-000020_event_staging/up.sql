-- Events are staged by the writing transaction and numbered after its commit.
--
-- Before, every writing transaction took the next outbox ids from the counter row
-- (`outbox_state.last_event_id`) and held that row locked until its commit, WAL flush included,
-- and sent a NOTIFY (which PostgreSQL also serializes from pre-commit to the end of the commit):
-- writers of events committed one at a time, one flush each (with a 3 ms flush: 225 messages a
-- second, against 450 with this table). Now a writer only inserts its events here (no shared
-- row, no NOTIFY), so commits group their flushes; right after its commit it numbers what is
-- staged (`postgres/outbox.rs`): under a transaction-level advisory lock, one statement moves
-- the staged rows into `events` with the next ids of the counter and sends the NOTIFY, in a
-- transaction that does not wait for the flush. A writing
-- transaction's rows share its transaction id (`xid`) and are numbered together, in the order
-- of their keys, at the place of its first key: keys are taken by the transaction's last
-- statement, after every lock it waited for, so a transaction that waited for another's commit
-- comes after it.
CREATE TABLE events_staged (
    key         bigserial   PRIMARY KEY,
    xid         xid8        NOT NULL DEFAULT pg_current_xact_id(),
    type        text        NOT NULL,
    ticket_id   uuid,
    owner_id    uuid,
    actor_id    uuid,
    at          timestamptz NOT NULL,
    visibility  text        NOT NULL CHECK (visibility IN ('public', 'staff', 'admin')),
    payload     text        NOT NULL
);
