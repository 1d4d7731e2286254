DROP SEQUENCE events_staged_batch;
DROP TABLE events_staged;
