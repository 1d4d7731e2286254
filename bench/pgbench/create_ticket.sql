-- POST /api/v1/tickets/ (customer): the ticket and its entry, then the detail of the new ticket.
SELECT gen_random_uuid() AS tid \gset
BEGIN;
INSERT INTO tickets (id, owner_id, assigned_to_id, topic, description, status, priority, created_at, updated_at, resolved_at, closed_at, version, message_count, internal_note_count, deleted_at, search_text, public_version, public_updated_at) VALUES (:tid::uuid, :customer::uuid, NULL, 'Printer on floor 2 out of toner', 'The printer next to the kitchen says the toner is low and prints blank pages since this morning.', 'open', 3, now(), now(), NULL, NULL, 1, 0, 0, NULL, 'printer on floor 2 out of toner the printer next to the kitchen says the toner is low and prints blank pages since this morning', 1, now());
INSERT INTO activities (id, ticket_id, action, details, internal, performed_by, created_at) VALUES (gen_random_uuid(), :tid::uuid, 'created', 'Ticket created', false, :customer::uuid, now());
COMMIT;
SELECT id, ticket_id, author_id, body, is_staff_message, internal, created_at FROM messages WHERE ticket_id = :tid::uuid AND internal = false ORDER BY created_at, id;
SELECT id, ticket_id, message_id, storage_key, filename, content_type, size, sha256, internal, uploaded_by, uploaded_at FROM attachments WHERE ticket_id = :tid::uuid AND internal = false ORDER BY uploaded_at, id;
SELECT id, ticket_id, action, details, internal, performed_by, created_at FROM activities WHERE ticket_id = :tid::uuid AND internal = false ORDER BY created_at DESC, id DESC;
