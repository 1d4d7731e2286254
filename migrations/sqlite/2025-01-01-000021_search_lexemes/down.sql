-- Nothing to undo on SQLite: its search index (`tickets_fts`, FTS5) is already a table of its
-- own, written by triggers only when a ticket's words change. The PostgreSQL migration of this
-- name moves the lexemes out of the tickets row the same way (`ticket_lexemes`); the two
-- directories keep the same names in lockstep.
SELECT 1;
