-- Personal access tokens (API tokens): one row per token; only the SHA-256 hex of its secret is
-- stored. A token stands for its owner within its scope and is honoured only while the owner is
-- active with the role and token epoch it records (checked on every use). Revoking a token
-- deletes its row; a password change, a role change or a moved token epoch deletes every token
-- of the user in the same transaction. At most 50 rows per user (counted under a lock of the
-- owner's row); names are unique per user.
CREATE TABLE api_tokens (
    id           uuid        NOT NULL PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id),
    name         text        NOT NULL,
    token_hash   text        NOT NULL UNIQUE,
    scope        text        NOT NULL CHECK (scope IN ('read', 'write')),
    role         text        NOT NULL,
    token_epoch  bigint      NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    CONSTRAINT api_tokens_user_name_uq UNIQUE (user_id, name)
);
