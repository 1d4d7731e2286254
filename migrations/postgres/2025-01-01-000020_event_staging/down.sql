DROP TABLE events_staged;
