DROP TRIGGER ticket_counts_apply ON tickets;
DROP FUNCTION ticket_counts_apply();
DROP FUNCTION ticket_counts_add(uuid, text, smallint, smallint, bigint);
DROP TABLE ticket_counts;
