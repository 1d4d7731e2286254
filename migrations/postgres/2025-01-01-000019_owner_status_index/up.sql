-- A customer's list (their tickets by public time, often filtered by status) and its total:
-- with the status in the owner's index, the total of a customer's open tickets is counted in
-- the index alone and the list reads only the rows it shows. Counting a customer's 300 tickets
-- read each row before (rows grew with the stored conversation words).
DROP INDEX tickets_owner_public_updated_idx;
CREATE INDEX tickets_owner_public_updated_idx ON tickets (owner_id, public_updated_at, id, status)
    WHERE deleted_at IS NULL;
