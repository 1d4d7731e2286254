ALTER TABLE tickets DROP COLUMN last_public_at;
ALTER TABLE tickets DROP COLUMN last_public_by_staff;
ALTER TABLE tickets DROP COLUMN last_public_author_id;
DROP TRIGGER tickets_number_fixed;
DROP TRIGGER tickets_number_assign;
DROP TRIGGER tickets_number_given;
DROP TABLE ticket_number;
DROP INDEX tickets_number_uq;
ALTER TABLE tickets DROP COLUMN number;
