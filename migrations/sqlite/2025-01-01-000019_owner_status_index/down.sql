DROP INDEX tickets_owner_public_updated_idx;
CREATE INDEX tickets_owner_public_updated_idx ON tickets (owner_id, public_updated_at, id)
    WHERE deleted_at IS NULL;
