ALTER TABLE tickets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
    (array_to_tsvector(string_to_array(search_text, ' ')
                       || string_to_array(conversation_text, ' ')
                       || string_to_array(notes_text, ' '))) STORED;
CREATE INDEX tickets_search_idx ON tickets USING gin (search_vector) WHERE deleted_at IS NULL;
DROP TRIGGER tickets_lexemes_update ON tickets;
DROP TRIGGER tickets_lexemes_insert ON tickets;
DROP FUNCTION ticket_lexemes_write();
DROP TABLE ticket_lexemes;
DROP FUNCTION ticket_lexemes_of(text, text, text);
