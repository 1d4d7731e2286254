-- Presence: which staff member is viewing or replying to a ticket now. Ephemeral: a row lasts
-- until `expires_at` (30 s after its last refresh) and is not an event of the outbox. Each
-- process's event hub reads the unexpired rows when woken (the writer sends `NOTIFY
-- ticketing_events`) and every second, and tells its staff streams what changed. Expired rows
-- are deleted by the next write of a presence.
CREATE TABLE presence (
    ticket_id      uuid        NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ticket_number  bigint      NOT NULL,
    state          text        NOT NULL CHECK (state IN ('viewing', 'replying')),
    at             timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);

CREATE INDEX presence_expires_at_idx ON presence (expires_at);
