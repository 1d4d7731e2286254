-- The counters of the abuse limits that must hold across processes: failed password checks (per
-- account, per account and client address, per signed-in user, per address) and writes per
-- user. One row per key: the start of its current fixed window (integer microseconds since the
-- Unix epoch, UTC) and the hits counted in it. A hit is one upsert inside a write transaction
-- (SQLite has one writer at a time). Rows whose window ended long ago are deleted by the hourly
-- upkeep.
CREATE TABLE limit_counters (
    key          TEXT    NOT NULL PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL CHECK (hits >= 0)
) STRICT;

-- The upkeep deletes by window start.
CREATE INDEX limit_counters_window_start_idx ON limit_counters (window_start);
