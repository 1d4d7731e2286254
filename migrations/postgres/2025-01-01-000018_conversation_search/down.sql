DROP INDEX tickets_search_pending_idx;
DROP INDEX tickets_search_idx;
ALTER TABLE tickets DROP COLUMN search_vector;
ALTER TABLE tickets
    DROP COLUMN conversation_text,
    DROP COLUMN notes_text,
    DROP COLUMN search_pending;
ALTER TABLE tickets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
    (array_to_tsvector(string_to_array(search_text, ' '))) STORED;
CREATE INDEX tickets_search_idx ON tickets USING gin (search_vector) WHERE deleted_at IS NULL;
