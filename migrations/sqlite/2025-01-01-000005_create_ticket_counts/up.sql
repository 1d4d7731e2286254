-- Exact counts of live (not deleted) tickets per (assignee, status, priority), so that the total
-- of an unfiltered or status/priority/assignee-filtered list (`X-Total-Count`) is a sum over a
-- few hundred rows instead of a `count(*)` over every ticket. `assignee` is 16 zero bytes for
-- unassigned tickets. The triggers keep the counts in the same transaction as every insert,
-- update and delete of a ticket; lists with other filters (owner, text) still count the tickets.
CREATE TABLE ticket_counts (
    assignee BLOB    NOT NULL CHECK (length(assignee) = 16),
    status   TEXT    NOT NULL,
    priority INTEGER NOT NULL,
    n        INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (assignee, status, priority)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets
WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO ticket_counts (assignee, status, priority, n)
    VALUES (coalesce(new.assigned_to_id, zeroblob(16)), new.status, new.priority, 1)
    ON CONFLICT (assignee, status, priority) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets
WHEN old.deleted_at IS NULL BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE assignee = coalesce(old.assigned_to_id, zeroblob(16))
      AND status = old.status AND priority = old.priority;
END;

CREATE TRIGGER ticket_counts_update AFTER UPDATE OF assigned_to_id, status, priority, deleted_at
ON tickets
WHEN old.deleted_at IS NOT new.deleted_at
  OR old.assigned_to_id IS NOT new.assigned_to_id
  OR old.status IS NOT new.status
  OR old.priority IS NOT new.priority
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE old.deleted_at IS NULL
      AND assignee = coalesce(old.assigned_to_id, zeroblob(16))
      AND status = old.status AND priority = old.priority;
    INSERT INTO ticket_counts (assignee, status, priority, n)
    SELECT coalesce(new.assigned_to_id, zeroblob(16)), new.status, new.priority, 1
    WHERE new.deleted_at IS NULL
    ON CONFLICT (assignee, status, priority) DO UPDATE SET n = n + 1;
END;

-- Existing tickets.
INSERT INTO ticket_counts (assignee, status, priority, n)
SELECT coalesce(assigned_to_id, zeroblob(16)), status, priority, count(*)
FROM tickets
WHERE deleted_at IS NULL
GROUP BY 1, 2, 3;
