DROP TABLE audit_log;
DROP INDEX users_username_skeleton_uq;
ALTER TABLE users DROP COLUMN username_skeleton;
