-- Users. `username_key` / `email_key` are the lower-cased forms computed by the domain
-- (`Username::key`, `Email::key`, full Unicode lower-casing, independent of the database locale);
-- their unique indexes make both case-insensitively unique. COLLATE "C" makes the user list sort
-- by code point, like the other stores.
CREATE TABLE users (
    id            uuid        NOT NULL PRIMARY KEY,
    username      text        NOT NULL,
    username_key  text        COLLATE "C" NOT NULL,
    email         text        NOT NULL,
    email_key     text        COLLATE "C" NOT NULL,
    first_name    text        NOT NULL DEFAULT '',
    last_name     text        NOT NULL DEFAULT '',
    role          text        NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),
    is_active     boolean     NOT NULL DEFAULT true,
    password_hash text        NOT NULL,
    token_epoch   bigint      NOT NULL DEFAULT 0,
    date_joined   timestamptz NOT NULL,
    last_login    timestamptz
);

CREATE UNIQUE INDEX users_username_key_uq ON users (username_key);
CREATE UNIQUE INDEX users_email_key_uq ON users (email_key);
-- The staff user list (`/users/?role=agent`), ordered by username key then id.
CREATE INDEX users_role_username_idx ON users (role, username_key, id);
