-- GET /api/v1/tickets/?status=open,in_progress,resolved as a customer (owner scope: counted).
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT COUNT(*) FROM tickets WHERE deleted_at IS NULL AND owner_id = :customer::uuid AND status IN ('open', 'in_progress', 'resolved');
SELECT id, owner_id, assigned_to_id, topic, description, status, priority, created_at, updated_at, resolved_at, closed_at, version, message_count, internal_note_count, deleted_at FROM tickets WHERE deleted_at IS NULL AND owner_id = :customer::uuid AND status IN ('open', 'in_progress', 'resolved') ORDER BY created_at DESC, id DESC LIMIT 51;
COMMIT;
