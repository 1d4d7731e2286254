-- Presence: which staff member is viewing or replying to a ticket now. Ephemeral: a row lasts
-- until `expires_at` (30 s after its last refresh) and is not an event of the outbox. The event
-- hub reads the unexpired rows when woken and every second, and tells its staff streams what
-- changed. Expired rows are deleted by the next write of a presence. Ids are 16-byte big-endian
-- UUID blobs, times integer microseconds since the Unix epoch (UTC).
CREATE TABLE presence (
    ticket_id      BLOB    NOT NULL REFERENCES tickets (id) ON DELETE CASCADE
                           CHECK (length(ticket_id) = 16),
    user_id        BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE
                           CHECK (length(user_id) = 16),
    ticket_number  INTEGER NOT NULL,
    state          TEXT    NOT NULL CHECK (state IN ('viewing', 'replying')),
    at             INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
) STRICT;

CREATE INDEX presence_expires_at_idx ON presence (expires_at);
