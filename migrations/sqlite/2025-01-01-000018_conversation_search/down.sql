DROP INDEX tickets_search_pending_idx;
DROP TRIGGER tickets_fts_update;
DROP TRIGGER tickets_fts_delete;
DROP TRIGGER tickets_fts_insert;
DROP TABLE tickets_fts;
ALTER TABLE tickets DROP COLUMN search_pending;
ALTER TABLE tickets DROP COLUMN notes_text;
ALTER TABLE tickets DROP COLUMN conversation_text;

CREATE VIRTUAL TABLE tickets_fts USING fts5 (
    search_text,
    content = 'tickets',
    content_rowid = 'seq',
    tokenize = 'ascii',
    detail = 'none'
);

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;

CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
END;

CREATE TRIGGER tickets_fts_update AFTER UPDATE OF search_text ON tickets
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
    INSERT INTO tickets_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;

INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');
