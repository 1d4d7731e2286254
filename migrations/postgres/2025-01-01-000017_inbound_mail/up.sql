-- Inbound mail (`ticketing mail receive`, docs/email.md): one row per message that was turned
-- into a ticket or a message, written in the same transaction. `key_hash` is the SHA-256 hex of
-- the lowercased sender address and the Message-ID, so a mail delivered twice by the mail server
-- (a retry after a temporary failure) is written once; no address or id is kept in clear.
CREATE TABLE inbound_messages (
    key_hash    text        NOT NULL PRIMARY KEY,
    ticket_id   uuid        NOT NULL,
    received_at timestamptz NOT NULL
);
