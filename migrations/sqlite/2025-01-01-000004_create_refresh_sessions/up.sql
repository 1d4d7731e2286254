-- Refresh sessions: one row per refresh token (only its SHA-256 hex is stored). A family is one
-- login and all its rotations.
CREATE TABLE refresh_sessions (
    id         BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    family_id  BLOB    NOT NULL CHECK (length(family_id) = 16),
    user_id    BLOB    NOT NULL REFERENCES users (id),
    token_hash TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    rotated_at INTEGER,
    revoked_at INTEGER
) STRICT;

CREATE INDEX refresh_sessions_family_idx ON refresh_sessions (family_id);
CREATE INDEX refresh_sessions_user_idx ON refresh_sessions (user_id);
CREATE INDEX refresh_sessions_expires_idx ON refresh_sessions (expires_at);
