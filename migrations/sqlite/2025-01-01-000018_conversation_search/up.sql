-- Search covers the conversation. `conversation_text` holds the words of a ticket's public
-- messages and `notes_text` those of its internal notes, each word once, as the domain tokenizer
-- splits them (written by the adapter in the transaction that adds the message; messages are
-- never edited nor deleted).
ALTER TABLE tickets ADD COLUMN conversation_text TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN notes_text TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN search_pending INTEGER NOT NULL DEFAULT 0 CHECK (search_pending IN (0, 1));

-- The FTS5 index now has one column per word column. `detail = 'column'` (instead of 'none')
-- records which column a word is in, so that a customer's query is limited to the public ones
-- (`{search_text conversation_text} : (...)`) while staff match all three.
DROP TRIGGER tickets_fts_update;
DROP TRIGGER tickets_fts_delete;
DROP TRIGGER tickets_fts_insert;
DROP TABLE tickets_fts;

CREATE VIRTUAL TABLE tickets_fts USING fts5 (
    search_text,
    conversation_text,
    notes_text,
    content = 'tickets',
    content_rowid = 'seq',
    tokenize = 'ascii',
    detail = 'column'
);

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, search_text, conversation_text, notes_text)
    VALUES (new.seq, new.search_text, new.conversation_text, new.notes_text);
END;

CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text, conversation_text, notes_text)
    VALUES ('delete', old.seq, old.search_text, old.conversation_text, old.notes_text);
END;

CREATE TRIGGER tickets_fts_update AFTER UPDATE OF search_text, conversation_text, notes_text ON tickets
WHEN old.search_text IS NOT new.search_text
  OR old.conversation_text IS NOT new.conversation_text
  OR old.notes_text IS NOT new.notes_text BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text, conversation_text, notes_text)
    VALUES ('delete', old.seq, old.search_text, old.conversation_text, old.notes_text);
    INSERT INTO tickets_fts (rowid, search_text, conversation_text, notes_text)
    VALUES (new.seq, new.search_text, new.conversation_text, new.notes_text);
END;

INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');

-- Existing tickets with messages: the words come from the domain's tokenizer, not SQL, so the
-- server fills them in at start-up right after this migration and clears the mark.
UPDATE tickets SET search_pending = 1 WHERE message_count > 0 OR internal_note_count > 0;
CREATE INDEX tickets_search_pending_idx ON tickets (seq) WHERE search_pending = 1;
