DROP TABLE outbox_state;
DROP TABLE events;
