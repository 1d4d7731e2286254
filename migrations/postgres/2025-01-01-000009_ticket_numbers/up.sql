-- Ticket numbers (issue 15): the short number people quote (`#1042`), sequential, unique per
-- installation and never reused. PostgreSQL assigns it from the identity column's sequence in the
-- INSERT itself, so concurrent creations never wait on each other; `GENERATED ALWAYS` refuses a
-- number written by hand and any later change of it. A sequence does not roll back: a failed
-- creation leaves a gap, never a reused number (see docs/database.md).
--
-- Who spoke last: `last_public_author_id`, `last_public_by_staff` and `last_public_at` copy the
-- ticket's newest public message (never an internal note), all three NULL before the first one.
-- The store writes them in the transaction that inserts the message, so that lists show them
-- without reading `messages`.
--
-- Existing tickets, deleted ones too, are numbered in creation order (then id) and get their last
-- public message from `messages`, in one UPDATE (each row is rewritten once).
ALTER TABLE tickets
    ADD COLUMN number bigint,
    ADD COLUMN last_public_author_id uuid,
    ADD COLUMN last_public_by_staff boolean,
    ADD COLUMN last_public_at timestamptz;

UPDATE tickets t
SET number = o.n,
    last_public_author_id = m.author_id,
    last_public_by_staff = m.is_staff_message,
    last_public_at = m.created_at
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM tickets) o
LEFT JOIN (
    SELECT DISTINCT ON (ticket_id) ticket_id, author_id, is_staff_message, created_at
    FROM messages
    WHERE NOT internal
    ORDER BY ticket_id, created_at DESC, id DESC
) m ON m.ticket_id = o.id
WHERE t.id = o.id;

ALTER TABLE tickets ALTER COLUMN number SET NOT NULL;
ALTER TABLE tickets ALTER COLUMN number ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('tickets', 'number'), coalesce(max(number), 0) + 1, false)
FROM tickets;
ALTER TABLE tickets
    ADD CONSTRAINT tickets_number_check CHECK (number >= 1),
    ADD CONSTRAINT tickets_last_public_check CHECK (
        (last_public_author_id IS NULL) = (last_public_at IS NULL)
        AND (last_public_by_staff IS NULL) = (last_public_at IS NULL)
    );
CREATE UNIQUE INDEX tickets_number_uq ON tickets (number);
