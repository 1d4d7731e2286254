-- GET /api/v1/tickets/?q=… (staff), the rare-word search: the matches counted up to the cap
-- (10,001 rows: `TOTAL_CAP` + 1; no counter applies), then the first page, newest first.
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT 1 FROM tickets WHERE deleted_at IS NULL AND EXISTS (SELECT 1 FROM ticket_lexemes l WHERE l.ticket_id = tickets.id AND l.lexemes @@ CAST(:tsq_rare AS tsquery)) LIMIT 10001;
SELECT id, owner_id, assigned_to_id, topic, description, status, priority, created_at, updated_at, resolved_at, closed_at, version, message_count, internal_note_count, deleted_at FROM tickets WHERE deleted_at IS NULL AND EXISTS (SELECT 1 FROM ticket_lexemes l WHERE l.ticket_id = tickets.id AND l.lexemes @@ CAST(:tsq_rare AS tsquery)) ORDER BY created_at DESC, id DESC LIMIT 51;
COMMIT;
