-- Look-alike usernames: `username_skeleton` is the confusable skeleton of `username_key`
-- (Unicode TS #39, computed by the domain's `Username::skeleton`; SQL cannot compute it). It is
-- NULL for accounts stored before this migration until the store fills it in at start-up
-- (`migrate`); accounts whose skeleton is already taken by another stay NULL. Several NULLs are
-- allowed by the unique index.
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
CREATE UNIQUE INDEX users_username_skeleton_uq ON users (username_skeleton);

-- The audit log of account administration: append-only (the triggers below refuse UPDATE and
-- DELETE), written in the same transaction as the change it records. No foreign keys: an entry
-- names its actor and target by id and by the username they had at the time. `actor_id` is NULL
-- for the operator's command line (`actor` = 'cli'). Never holds a secret. Ids are 16-byte
-- big-endian UUID blobs, times integer microseconds since the Unix epoch (UTC).
CREATE TABLE audit_log (
    id         BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    at         INTEGER NOT NULL,
    actor_id   BLOB    CHECK (actor_id IS NULL OR length(actor_id) = 16),
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target_id  BLOB    CHECK (target_id IS NULL OR length(target_id) = 16),
    target     TEXT    NOT NULL,
    details    TEXT    NOT NULL DEFAULT '',
    address    TEXT
) STRICT;

-- Newest first, each filter on its own index.
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at, id);
CREATE INDEX audit_log_target_idx ON audit_log (target_id, at, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, at, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
