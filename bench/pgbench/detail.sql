-- GET /api/v1/tickets/{id}/ (staff): the ticket, then its messages, attachments, activities.
SELECT id, owner_id, assigned_to_id, topic, description, status, priority, created_at, updated_at, resolved_at, closed_at, version, message_count, internal_note_count, deleted_at FROM tickets WHERE id = :ticket::uuid AND deleted_at IS NULL LIMIT 1;
SELECT id, ticket_id, author_id, body, is_staff_message, internal, created_at FROM messages WHERE ticket_id = :ticket::uuid ORDER BY created_at, id;
SELECT id, ticket_id, message_id, storage_key, filename, content_type, size, sha256, internal, uploaded_by, uploaded_at FROM attachments WHERE ticket_id = :ticket::uuid ORDER BY uploaded_at, id;
SELECT id, ticket_id, action, details, internal, performed_by, created_at FROM activities WHERE ticket_id = :ticket::uuid ORDER BY created_at DESC, id DESC;
