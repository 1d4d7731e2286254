DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP INDEX users_username_skeleton_uq;
ALTER TABLE users DROP COLUMN username_skeleton;
