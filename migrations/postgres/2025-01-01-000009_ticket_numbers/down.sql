DROP INDEX tickets_number_uq;
ALTER TABLE tickets
    DROP CONSTRAINT tickets_last_public_check,
    DROP COLUMN last_public_at,
    DROP COLUMN last_public_by_staff,
    DROP COLUMN last_public_author_id,
    DROP COLUMN number;
