DROP INDEX tickets_owner_public_updated_idx;
ALTER TABLE tickets DROP COLUMN public_updated_at;
ALTER TABLE tickets DROP COLUMN public_version;
