-- What customers see of a ticket's changes: `public_version` and `public_updated_at` move only
-- with changes a customer can see (the domain decides: not internal notes, nor their files), so
-- that the ETag, `version`, `updated_at` and the order by `updated_at` shown to customers reveal
-- no staff-only change. Staff keep `version` and `updated_at`. Existing tickets start with both
-- equal to the full ones (SQLite adds a NOT NULL column only with a default; every write of the
-- adapter sets both).
ALTER TABLE tickets ADD COLUMN public_version INTEGER NOT NULL DEFAULT 1
    CHECK (public_version >= 1);
ALTER TABLE tickets ADD COLUMN public_updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET public_version = version, public_updated_at = updated_at;

-- Customers list their own tickets: the owner's keyset index on the public time.
CREATE INDEX tickets_owner_public_updated_idx ON tickets (owner_id, public_updated_at, id)
    WHERE deleted_at IS NULL;
