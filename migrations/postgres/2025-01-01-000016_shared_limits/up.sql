-- The counters of the abuse limits that must hold across replicas: failed password checks (per
-- account, per account and client address, per signed-in user, per address) and writes per
-- user. One row per key: the start of its current fixed window and the hits counted in it. A hit
-- is one upsert (`INSERT ... ON CONFLICT DO UPDATE`, atomic on the row), so every process of an
-- installation counts against the same budget. Rows whose window ended long ago are deleted by
-- the hourly upkeep. Per-address request rates stay in each process's memory (see
-- docs/security.md).
CREATE TABLE limit_counters (
    key          text        NOT NULL PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL CHECK (hits >= 0)
);

-- The upkeep deletes by window start.
CREATE INDEX limit_counters_window_start_idx ON limit_counters (window_start);
