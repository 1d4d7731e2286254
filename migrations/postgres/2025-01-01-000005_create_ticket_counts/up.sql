-- Exact counts of live (not deleted) tickets per (assignee, status, priority), so that the total
-- of an unfiltered or status/priority/assignee-filtered list (`X-Total-Count`) is a sum over a
-- few hundred rows instead of a `count(*)` over every ticket. `assignee` is the nil UUID for
-- unassigned tickets. Each key is split over 4 `shard`s (picked by the ticket id) so that
-- concurrent ticket creations, which all land on (nil, open, priority), do not queue on one row
-- lock. The trigger below keeps the counts in the same transaction as every insert, update and
-- delete of a ticket; lists with other filters (owner, text) still count the tickets.
CREATE TABLE ticket_counts (
    assignee uuid     NOT NULL,
    status   text     NOT NULL,
    priority smallint NOT NULL,
    shard    smallint NOT NULL,
    n        bigint   NOT NULL CHECK (n >= 0),
    PRIMARY KEY (assignee, status, priority, shard)
);

CREATE FUNCTION ticket_counts_add(a uuid, s text, p smallint, sh smallint, d bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF d < 0 THEN
        UPDATE ticket_counts SET n = n + d
        WHERE assignee = a AND status = s AND priority = p AND shard = sh;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'ticket_counts has no row for a live ticket';
        END IF;
    ELSE
        INSERT INTO ticket_counts (assignee, status, priority, shard, n) VALUES (a, s, p, sh, d)
        ON CONFLICT (assignee, status, priority, shard) DO UPDATE SET n = ticket_counts.n + d;
    END IF;
END;
$$;

CREATE FUNCTION ticket_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    nil constant uuid := '00000000-0000-0000-0000-000000000000';
    old_live boolean := TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL;
    new_live boolean := TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL;
    old_a uuid;
    new_a uuid;
    sh smallint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        sh := get_byte(uuid_send(OLD.id), 15) % 4;
    ELSE
        sh := get_byte(uuid_send(NEW.id), 15) % 4;
    END IF;
    IF old_live THEN
        old_a := coalesce(OLD.assigned_to_id, nil);
    END IF;
    IF new_live THEN
        new_a := coalesce(NEW.assigned_to_id, nil);
    END IF;
    IF old_live AND new_live THEN
        IF (old_a, OLD.status, OLD.priority) = (new_a, NEW.status, NEW.priority) THEN
            RETURN NULL;
        END IF;
        -- Two keys change: lock them in key order, so that two transactions moving tickets
        -- in opposite directions cannot deadlock.
        IF (old_a, OLD.status, OLD.priority) < (new_a, NEW.status, NEW.priority) THEN
            PERFORM ticket_counts_add(old_a, OLD.status, OLD.priority, sh, -1);
            PERFORM ticket_counts_add(new_a, NEW.status, NEW.priority, sh, 1);
        ELSE
            PERFORM ticket_counts_add(new_a, NEW.status, NEW.priority, sh, 1);
            PERFORM ticket_counts_add(old_a, OLD.status, OLD.priority, sh, -1);
        END IF;
    ELSIF old_live THEN
        PERFORM ticket_counts_add(old_a, OLD.status, OLD.priority, sh, -1);
    ELSIF new_live THEN
        PERFORM ticket_counts_add(new_a, NEW.status, NEW.priority, sh, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ticket_counts_apply
    AFTER INSERT OR DELETE OR UPDATE OF assigned_to_id, status, priority, deleted_at ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_counts_apply();

-- Existing tickets (the trigger above already holds a lock that keeps writers out until this
-- migration commits).
INSERT INTO ticket_counts (assignee, status, priority, shard, n)
SELECT coalesce(assigned_to_id, '00000000-0000-0000-0000-000000000000'), status, priority,
       get_byte(uuid_send(id), 15) % 4, count(*)
FROM tickets
WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4;
