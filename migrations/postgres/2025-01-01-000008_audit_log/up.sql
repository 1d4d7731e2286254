-- Look-alike usernames: `username_skeleton` is the confusable skeleton of `username_key`
-- (Unicode TS #39, computed by the domain's `Username::skeleton`; SQL cannot compute it). It is
-- NULL for accounts stored before this migration until the store fills it in at start-up
-- (`migrate`); accounts whose skeleton is already taken by another stay NULL. Several NULLs are
-- allowed by the unique index.
ALTER TABLE users ADD COLUMN username_skeleton text COLLATE "C";
CREATE UNIQUE INDEX users_username_skeleton_uq ON users (username_skeleton);

-- The audit log of account administration: append-only (the trigger below refuses UPDATE and
-- DELETE), written in the same transaction as the change it records. No foreign keys: an entry
-- names its actor and target by id and by the username they had at the time. `actor_id` is NULL
-- for the operator's command line (`actor` = 'cli'). Never holds a secret.
CREATE TABLE audit_log (
    id         uuid        NOT NULL PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor_id   uuid,
    actor      text        NOT NULL,
    action     text        NOT NULL,
    target_id  uuid,
    target     text        NOT NULL,
    details    text        NOT NULL DEFAULT '',
    address    text
);

-- Newest first, each filter on its own index.
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at, id);
CREATE INDEX audit_log_target_idx ON audit_log (target_id, at, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, at, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
