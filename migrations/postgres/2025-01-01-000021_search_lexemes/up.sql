-- The lexemes of text search leave the tickets row for a table of their own, written only when
-- a ticket's words change. In the row (a generated column with its GIN index) every UPDATE of a
-- ticket rebuilt the conversation's tsvector and, the update not being HOT (`updated_at` is
-- indexed), inserted every one of its lexemes into the GIN index again: a message whose words
-- the ticket already held (most of a conversation's replies add few or none) wrote 8-10 KB of
-- WAL, and the tsvector made every row 2 KB wider for the lists that never read it. Now:
-- `ticket_lexemes` holds one row per ticket, kept by the triggers below from the three word
-- columns (`search_text`, `conversation_text`, `notes_text`, still on `tickets` and written as
-- before), so every writer (the store, the seeding tool, the start-up fill of older tickets)
-- keeps it right; an UPDATE that leaves the words alone does not touch it. Deleted tickets keep
-- their row: the lists find tickets through `tickets` (`deleted_at IS NULL`) and ask this
-- table whether the words match.
CREATE FUNCTION ticket_lexemes_of(search_text text, conversation_text text, notes_text text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_to_tsvector(string_to_array(search_text, ' ')
                             || string_to_array(conversation_text, ' ')
                             || string_to_array(notes_text, ' '))
$$;

CREATE TABLE ticket_lexemes (
    ticket_id uuid     NOT NULL PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    lexemes   tsvector NOT NULL
);

INSERT INTO ticket_lexemes (ticket_id, lexemes)
SELECT id, ticket_lexemes_of(search_text, conversation_text, notes_text) FROM tickets;

-- Text search (`q`): prefix queries `'term':* & ...` on the lexemes.
CREATE INDEX ticket_lexemes_idx ON ticket_lexemes USING gin (lexemes);

CREATE FUNCTION ticket_lexemes_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_lexemes (ticket_id, lexemes)
    VALUES (new.id, ticket_lexemes_of(new.search_text, new.conversation_text, new.notes_text))
    ON CONFLICT (ticket_id) DO UPDATE SET lexemes = excluded.lexemes;
    RETURN NULL;
END
$$;

CREATE TRIGGER tickets_lexemes_insert AFTER INSERT ON tickets
FOR EACH ROW EXECUTE FUNCTION ticket_lexemes_write();

CREATE TRIGGER tickets_lexemes_update AFTER UPDATE OF search_text, conversation_text, notes_text
ON tickets FOR EACH ROW
WHEN (old.search_text IS DISTINCT FROM new.search_text
      OR old.conversation_text IS DISTINCT FROM new.conversation_text
      OR old.notes_text IS DISTINCT FROM new.notes_text)
EXECUTE FUNCTION ticket_lexemes_write();

DROP INDEX tickets_search_idx;
ALTER TABLE tickets DROP COLUMN search_vector;
