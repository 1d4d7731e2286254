-- Outbound webhooks (issue 18): the endpoints admins register and the delivery log. See the
-- PostgreSQL migration of the same name for the meaning of each column. Ids are 16-byte
-- big-endian UUID blobs, times integer microseconds since the Unix epoch (UTC), booleans 0 or 1.
CREATE TABLE webhook_endpoints (
    id                    BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    url                   TEXT    NOT NULL CHECK (length(url) <= 2048),
    event_types           TEXT    NOT NULL,
    include_staff_events  INTEGER NOT NULL DEFAULT 0 CHECK (include_staff_events IN (0, 1)),
    enabled               INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    disabled_reason       TEXT,
    secret                TEXT    NOT NULL,
    previous_secret       TEXT,
    previous_secret_until INTEGER,
    failing_since         INTEGER,
    after_event_id        INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
    id              BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    endpoint_id     BLOB    NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL,
    event_type      TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_status     INTEGER,
    last_latency_ms INTEGER,
    last_error      TEXT,
    last_response   TEXT,
    CONSTRAINT webhook_deliveries_endpoint_event_uq UNIQUE (endpoint_id, event_id)
) STRICT;

CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint_id, event_id)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (endpoint_id, event_id DESC);

-- The dispatcher's cursor starts at the end of the outbox: no endpoint exists yet.
INSERT OR IGNORE INTO outbox_state (name, value)
    SELECT 'webhooks', value FROM outbox_state WHERE name = 'last_event_id';
