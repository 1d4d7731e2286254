-- Outbound webhooks (issue 18): the endpoints admins register and the delivery log.
--
-- An endpoint receives the outbox events whose type it lists in `event_types` (comma-separated
-- wire names, e.g. 'ticket.created,message.created'); staff-only and admin-only events only when
-- `include_staff_events`. `secret` is the `whsec_...` signing secret (kept in clear: signing needs
-- it; never logged, shown once); during a rotation's overlap `previous_secret` signs too until
-- `previous_secret_until`. `failing_since` is the first failure since the last success; an
-- endpoint failing for 3 days is disabled (`enabled` false, `disabled_reason` says why).
-- `after_event_id`: the last outbox id when it was created; it receives only later events.
CREATE TABLE webhook_endpoints (
    id                    uuid        NOT NULL PRIMARY KEY,
    url                   text        NOT NULL CHECK (length(url) <= 2048),
    event_types           text        NOT NULL,
    include_staff_events  boolean     NOT NULL DEFAULT false,
    enabled               boolean     NOT NULL DEFAULT true,
    disabled_reason       text,
    secret                text        NOT NULL,
    previous_secret       text,
    previous_secret_until timestamptz,
    failing_since         timestamptz,
    after_event_id        bigint      NOT NULL DEFAULT 0,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);

-- One delivery per (endpoint, event), created by the dispatcher from the outbox (its cursor is
-- the row 'webhooks' of `outbox_state`) in the same transaction that advances the cursor.
-- `state`: 'pending' (to send at `next_attempt_at`; while one is being sent, `next_attempt_at` is
-- pushed past the attempt's time limit, a lease), 'delivered' or 'failed' (given up). Each
-- endpoint gets its events in id order: only its pending delivery with the lowest `event_id` is
-- ever sent. The last attempt's status, latency, failure and the start of the response are kept.
CREATE TABLE webhook_deliveries (
    id              uuid        NOT NULL PRIMARY KEY,
    endpoint_id     uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        bigint      NOT NULL,
    event_type      text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    last_attempt_at timestamptz,
    last_status     integer,
    last_latency_ms bigint,
    last_error      text,
    last_response   text,
    CONSTRAINT webhook_deliveries_endpoint_event_uq UNIQUE (endpoint_id, event_id)
);

-- The head of each endpoint's queue, and the due heads.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint_id, event_id)
    WHERE state = 'pending';
-- The delivery log of an endpoint, newest first.
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (endpoint_id, event_id DESC);

-- The dispatcher's cursor starts at the end of the outbox: no endpoint exists yet.
INSERT INTO outbox_state (name, value)
    SELECT 'webhooks', value FROM outbox_state WHERE name = 'last_event_id'
    ON CONFLICT (name) DO NOTHING;
