-- Personal access tokens (API tokens): one row per token; only the SHA-256 hex of its secret is
-- stored. A token stands for its owner within its scope and is honoured only while the owner is
-- active with the role and token epoch it records (checked on every use). Revoking a token
-- deletes its row; a password change, a role change or a moved token epoch deletes every token
-- of the user in the same transaction. At most 50 rows per user (counted inside the write
-- transaction); names are unique per user. Ids are 16-byte big-endian UUID blobs, times integer
-- microseconds since the Unix epoch (UTC).
CREATE TABLE api_tokens (
    id           BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    user_id      BLOB    NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    role         TEXT    NOT NULL,
    token_epoch  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    CONSTRAINT api_tokens_user_name_uq UNIQUE (user_id, name)
) STRICT;
