-- Ticket numbers (issue 15): the short number people quote (`#1042`), sequential, unique per
-- installation and never reused. SQLite takes it from a counter row, in the transaction that
-- inserts the ticket (writes are serialized, so no two creations read the same value, and a
-- failed creation rolls the counter back: no gaps). The triggers below assign it after every
-- INSERT, refuse a number written by hand and any later change of it. The column is nullable
-- only because SQLite adds a NOT NULL column only with a default; the trigger sets it in the
-- statement that inserts the row. Existing tickets, deleted ones too, are numbered in creation
-- order (then id).
ALTER TABLE tickets ADD COLUMN number INTEGER CHECK (number >= 1);
UPDATE tickets SET number = o.n
FROM (SELECT seq, row_number() OVER (ORDER BY created_at, id) AS n FROM tickets) AS o
WHERE tickets.seq = o.seq;
CREATE UNIQUE INDEX tickets_number_uq ON tickets (number);

CREATE TABLE ticket_number (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL CHECK (last >= 0)
) STRICT;
INSERT INTO ticket_number (id, last) SELECT 1, coalesce(max(number), 0) FROM tickets;

CREATE TRIGGER tickets_number_given BEFORE INSERT ON tickets
WHEN new.number IS NOT NULL BEGIN
    SELECT RAISE (ABORT, 'ticket numbers are assigned by the database');
END;

CREATE TRIGGER tickets_number_assign AFTER INSERT ON tickets BEGIN
    UPDATE ticket_number SET last = last + 1 WHERE id = 1;
    UPDATE tickets SET number = (SELECT last FROM ticket_number WHERE id = 1) WHERE seq = new.seq;
END;

CREATE TRIGGER tickets_number_fixed BEFORE UPDATE OF number ON tickets
WHEN old.number IS NOT NULL BEGIN
    SELECT RAISE (ABORT, 'a ticket number never changes');
END;

-- Who spoke last: the author, staff flag and time of the ticket's last public message (never an
-- internal note), all three NULL before the first one. A copy of the newest public row of
-- `messages`, written by the store in the transaction that inserts the message, so that lists
-- show it without reading `messages`. Existing tickets get theirs from the messages.
ALTER TABLE tickets ADD COLUMN last_public_author_id BLOB
    CHECK (last_public_author_id IS NULL OR length(last_public_author_id) = 16);
ALTER TABLE tickets ADD COLUMN last_public_by_staff INTEGER
    CHECK (last_public_by_staff IN (0, 1));
ALTER TABLE tickets ADD COLUMN last_public_at INTEGER;
UPDATE tickets
SET (last_public_author_id, last_public_by_staff, last_public_at) = (
    SELECT m.author_id, m.is_staff_message, m.created_at
    FROM messages m
    WHERE m.ticket_id = tickets.id AND m.internal = 0
    ORDER BY m.created_at DESC, m.id DESC
    LIMIT 1
);
