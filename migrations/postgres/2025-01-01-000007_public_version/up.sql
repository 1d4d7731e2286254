-- What customers see of a ticket's changes: `public_version` and `public_updated_at` move only
-- with changes a customer can see (the domain decides: not internal notes, nor their files), so
-- that the ETag, `version`, `updated_at` and the order by `updated_at` shown to customers reveal
-- no staff-only change. Staff keep `version` and `updated_at`. Existing tickets start with both
-- equal to the full ones.
ALTER TABLE tickets ADD COLUMN public_version bigint;
ALTER TABLE tickets ADD COLUMN public_updated_at timestamptz;
UPDATE tickets SET public_version = version, public_updated_at = updated_at;
ALTER TABLE tickets ALTER COLUMN public_version SET NOT NULL;
ALTER TABLE tickets ALTER COLUMN public_updated_at SET NOT NULL;
ALTER TABLE tickets ADD CONSTRAINT tickets_public_version_check
    CHECK (public_version >= 1);

-- Customers list their own tickets: the owner's keyset index on the public time.
CREATE INDEX tickets_owner_public_updated_idx ON tickets (owner_id, public_updated_at, id)
    WHERE deleted_at IS NULL;
