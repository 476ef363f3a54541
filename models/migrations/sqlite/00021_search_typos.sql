-- +goose Up
-- Search forgives small typos ("baterry" finds "battery"): when the words of
-- a search match few ideas, titles whose words are similar to them are
-- offered after the matches. FTS5's trigram tokenizer indexes every
-- three-letter piece of each title, so the titles sharing pieces with a word
-- are found from the index (see Store.typoMatches). The table is named like
-- the other FTS5 table, whose shadow tables the schema comparison leaves out.
CREATE VIRTUAL TABLE ideas_fts_trigram USING fts5(title, content='ideas', content_rowid='id',
    tokenize='trigram remove_diacritics 1');
-- +goose StatementBegin
CREATE TRIGGER ideas_fts_trigram_insert AFTER INSERT ON ideas BEGIN
    INSERT INTO ideas_fts_trigram (rowid, title) VALUES (new.id, new.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ideas_fts_trigram_delete AFTER DELETE ON ideas BEGIN
    INSERT INTO ideas_fts_trigram (ideas_fts_trigram, rowid, title) VALUES ('delete', old.id, old.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ideas_fts_trigram_update AFTER UPDATE OF title ON ideas BEGIN
    INSERT INTO ideas_fts_trigram (ideas_fts_trigram, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO ideas_fts_trigram (rowid, title) VALUES (new.id, new.title);
END;
-- +goose StatementEnd
INSERT INTO ideas_fts_trigram (ideas_fts_trigram) VALUES ('rebuild');

-- +goose Down
DROP TRIGGER ideas_fts_trigram_update;
DROP TRIGGER ideas_fts_trigram_delete;
DROP TRIGGER ideas_fts_trigram_insert;
DROP TABLE ideas_fts_trigram;
