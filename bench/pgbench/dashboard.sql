-- GET /api/v1/tickets/ (staff, page 1), as the server sends it once its user cache is warm.
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ticket_counts;
SELECT id, owner_id, assigned_to_id, topic, description, status, priority, created_at, updated_at, resolved_at, closed_at, version, message_count, internal_note_count, deleted_at FROM tickets WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 51;
COMMIT;
