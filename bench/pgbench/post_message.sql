-- POST /api/v1/tickets/{id}/messages/ (staff) on one of the open tickets the wrk run uses.
\set n random(1, :ntargets)
SELECT id, owner_id, assigned_to_id, topic, description, status, priority, created_at, updated_at, resolved_at, closed_at, version, message_count, internal_note_count, deleted_at FROM tickets WHERE id = (:targets::uuid[])[:n] AND deleted_at IS NULL LIMIT 1;
BEGIN;
UPDATE tickets SET version = version + 1, updated_at = now(), message_count = message_count + 1, internal_note_count = internal_note_count + 0 WHERE id = (:targets::uuid[])[:n] AND deleted_at IS NULL AND status <> 'closed';
INSERT INTO messages (id, ticket_id, author_id, body, is_staff_message, internal, created_at) VALUES (gen_random_uuid(), (:targets::uuid[])[:n], :staff::uuid, 'Thanks, we are looking into it and will get back to you shortly.', true, false, now());
INSERT INTO activities (id, ticket_id, action, details, internal, performed_by, created_at) VALUES (gen_random_uuid(), (:targets::uuid[])[:n], 'message_added', 'Message added', false, :staff::uuid, now());
COMMIT;
