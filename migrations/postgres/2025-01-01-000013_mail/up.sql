-- Outgoing mail (docs/email.md).
--
-- `mail_jobs` is the durable queue: one row per mail. Notification rows are made from the event
-- outbox by the mail consumer, whose cursor is the row `outbox_state ('mail')`: in one
-- transaction it locks that row, checks that it still holds the id it read, inserts the jobs and
-- advances it, so each event is planned once whatever the number of replicas; the unique
-- (event_id, recipient_id) makes a second job for the same pair impossible anyway. Password reset
-- mails have no event. Senders claim due rows with FOR UPDATE SKIP LOCKED, moving
-- `next_attempt_at` past the send (a lease) before any network I/O. `secret` (the reply token or
-- the reset token the mail carries) is cleared once the job is finished.
CREATE TABLE mail_jobs (
    id              uuid        NOT NULL PRIMARY KEY,
    event_id        bigint,
    recipient_id    uuid        NOT NULL REFERENCES users (id),
    kind            text        NOT NULL CHECK (kind IN ('new_ticket', 'public_reply', 'assigned',
                                                       'resolved', 'closed', 'password_reset')),
    to_address      text        NOT NULL,
    to_name         text        NOT NULL,
    ticket_id       uuid,
    ticket_number   bigint,
    topic           text        NOT NULL,
    actor_name      text        NOT NULL,
    body            text,
    secret          text,
    status          text        NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    finished_at     timestamptz,
    last_error      text,
    CONSTRAINT mail_jobs_event_recipient_uq UNIQUE (event_id, recipient_id)
);
CREATE INDEX mail_jobs_due_idx ON mail_jobs (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_jobs_failed_idx ON mail_jobs (finished_at) WHERE status = 'failed';

-- Reply tokens of notifications, hashed (SHA-256 hex): a reply carrying one may be matched to
-- its ticket and participant by the inbound mail feature.
CREATE TABLE mail_reply_tokens (
    token_hash  text        NOT NULL PRIMARY KEY,
    ticket_id   uuid        NOT NULL,
    user_id     uuid        NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL
);
CREATE INDEX mail_reply_tokens_ticket_user_idx ON mail_reply_tokens (ticket_id, user_id);

-- Password reset requests: only the SHA-256 hex of the single-use token is kept.
CREATE TABLE password_resets (
    token_hash  text        NOT NULL PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Notification preferences; no row: every kind on.
CREATE TABLE mail_preferences (
    user_id      uuid    NOT NULL PRIMARY KEY REFERENCES users (id),
    new_ticket   boolean NOT NULL,
    public_reply boolean NOT NULL,
    assigned     boolean NOT NULL,
    status       boolean NOT NULL
);

-- The mail consumer starts after the events that exist now (nothing old is mailed).
INSERT INTO outbox_state (name, value)
SELECT 'mail', value FROM outbox_state WHERE name = 'last_event_id';
