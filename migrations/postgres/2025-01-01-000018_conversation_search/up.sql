-- Search covers the conversation. `conversation_text` holds the words of a ticket's public
-- messages and `notes_text` those of its internal notes, each word once, as the domain tokenizer
-- splits them (written by the adapter in the transaction that adds the message; messages are
-- never edited nor deleted). `search_vector`, the lexemes of the GIN index, now holds all three
-- word columns: staff match it through the index; a customer's list (always one owner's tickets,
-- found by the owner index) matches the public words only, computed from the columns.
--
-- Existing tickets with messages are marked `search_pending`: the words come from the domain's
-- tokenizer, not SQL, so the server fills them in at start-up right after this migration (in
-- batches, see docs/database.md) and clears the mark.
ALTER TABLE tickets
    ADD COLUMN conversation_text text    NOT NULL DEFAULT '',
    ADD COLUMN notes_text        text    NOT NULL DEFAULT '',
    ADD COLUMN search_pending    boolean NOT NULL DEFAULT false;

DROP INDEX tickets_search_idx;
ALTER TABLE tickets DROP COLUMN search_vector;
ALTER TABLE tickets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
    (array_to_tsvector(string_to_array(search_text, ' ')
                       || string_to_array(conversation_text, ' ')
                       || string_to_array(notes_text, ' '))) STORED;
CREATE INDEX tickets_search_idx ON tickets USING gin (search_vector) WHERE deleted_at IS NULL;

UPDATE tickets SET search_pending = true WHERE message_count > 0 OR internal_note_count > 0;
CREATE INDEX tickets_search_pending_idx ON tickets (id) WHERE search_pending;
