-- GET /api/v1/tickets/?cursor=… (staff, half-way down the list).
BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ticket_counts;
SELECT id, owner_id, assigned_to_id, topic, description, status, priority, created_at, updated_at, resolved_at, closed_at, version, message_count, internal_note_count, deleted_at FROM tickets WHERE deleted_at IS NULL AND created_at <= :deep_time::timestamptz AND (created_at < :deep_time::timestamptz OR id < :deep_id::uuid) ORDER BY created_at DESC, id DESC LIMIT 51;
COMMIT;
