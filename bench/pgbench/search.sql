-- GET /api/v1/tickets/?q=… (staff): text search counts the matches (no counter applies).
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT COUNT(*) FROM tickets WHERE deleted_at IS NULL AND search_vector @@ CAST(:tsq AS tsquery);
SELECT id, owner_id, assigned_to_id, topic, description, status, priority, created_at, updated_at, resolved_at, closed_at, version, message_count, internal_note_count, deleted_at FROM tickets WHERE deleted_at IS NULL AND search_vector @@ CAST(:tsq AS tsquery) ORDER BY created_at DESC, id DESC LIMIT 51;
COMMIT;
