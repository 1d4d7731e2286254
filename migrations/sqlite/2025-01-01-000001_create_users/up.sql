-- Users. Ids are 16-byte big-endian UUID blobs, times are integer microseconds since the Unix
-- epoch (UTC). `username_key` / `email_key` are the lower-cased forms computed by the domain
-- (`Username::key`, `Email::key`): full Unicode lower-casing, which SQLite's ASCII-only lower()
-- cannot do. Their unique indexes make both case-insensitively unique.
CREATE TABLE users (
    id            BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    username      TEXT    NOT NULL,
    username_key  TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL,
    first_name    TEXT    NOT NULL DEFAULT '',
    last_name     TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    password_hash TEXT    NOT NULL,
    token_epoch   INTEGER NOT NULL DEFAULT 0,
    date_joined   INTEGER NOT NULL,
    last_login    INTEGER
) STRICT;

CREATE UNIQUE INDEX users_username_key_uq ON users (username_key);
CREATE UNIQUE INDEX users_email_key_uq ON users (email_key);
-- The staff user list (`/users/?role=agent`), ordered by username key then id.
CREATE INDEX users_role_username_idx ON users (role, username_key, id);
