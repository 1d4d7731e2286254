-- Outgoing mail (docs/email.md); see the PostgreSQL migration of the same name. SQLite has one
-- writer: the consumer's transaction (BEGIN IMMEDIATE) excludes every other, so no row lock is
-- needed. Ids are 16-byte big-endian UUID blobs, times integer microseconds since the Unix epoch.
CREATE TABLE mail_jobs (
    id              BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    event_id        INTEGER,
    recipient_id    BLOB    NOT NULL REFERENCES users (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('new_ticket', 'public_reply', 'assigned',
                                                   'resolved', 'closed', 'password_reset')),
    to_address      TEXT    NOT NULL,
    to_name         TEXT    NOT NULL,
    ticket_id       BLOB,
    ticket_number   INTEGER,
    topic           TEXT    NOT NULL,
    actor_name      TEXT    NOT NULL,
    body            TEXT,
    secret          TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    finished_at     INTEGER,
    last_error      TEXT,
    CONSTRAINT mail_jobs_event_recipient_uq UNIQUE (event_id, recipient_id)
) STRICT;
CREATE INDEX mail_jobs_due_idx ON mail_jobs (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_jobs_failed_idx ON mail_jobs (finished_at) WHERE status = 'failed';

CREATE TABLE mail_reply_tokens (
    token_hash  TEXT    NOT NULL PRIMARY KEY,
    ticket_id   BLOB    NOT NULL,
    user_id     BLOB    NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX mail_reply_tokens_ticket_user_idx ON mail_reply_tokens (ticket_id, user_id);

CREATE TABLE password_resets (
    token_hash  TEXT    NOT NULL PRIMARY KEY,
    user_id     BLOB    NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) STRICT;
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE TABLE mail_preferences (
    user_id      BLOB    NOT NULL PRIMARY KEY REFERENCES users (id),
    new_ticket   INTEGER NOT NULL CHECK (new_ticket IN (0, 1)),
    public_reply INTEGER NOT NULL CHECK (public_reply IN (0, 1)),
    assigned     INTEGER NOT NULL CHECK (assigned IN (0, 1)),
    status       INTEGER NOT NULL CHECK (status IN (0, 1))
) STRICT;

INSERT INTO outbox_state (name, value)
SELECT 'mail', value FROM outbox_state WHERE name = 'last_event_id';
