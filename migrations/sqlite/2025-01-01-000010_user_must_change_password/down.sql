ALTER TABLE activities DROP COLUMN change_to;
ALTER TABLE activities DROP COLUMN change_from;
ALTER TABLE activities DROP COLUMN change_field;
ALTER TABLE users DROP COLUMN must_change_password;
ALTER TABLE users DROP COLUMN search_key;
