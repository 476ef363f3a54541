-- +goose Up
-- Search reads a plain-text copy of each idea's body, written with its HTML
-- (the Markdown rendered, without its markup), so that its snippets quote
-- text, not Markdown. Rows written before this migration get theirs when
-- Samen starts (Migrate): SQL cannot render Markdown.
ALTER TABLE ideas ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
CREATE INDEX ideas_body_text_missing ON ideas (id) WHERE body_text = '' AND body <> '';

DROP TRIGGER ideas_fts_update;
DROP TRIGGER ideas_fts_delete;
DROP TRIGGER ideas_fts_insert;
DROP TABLE ideas_fts;
-- prefix='3 4': a search word of three letters or more is a prefix ("batt"
-- finds "battery"), and the prefixes of three and four letters have indexes
-- of their own, so a short prefix reads one list of ideas instead of merging
-- those of every word it begins. Shorter words match whole words, and
-- one-letter words are not searched at all (see searchTerms).
CREATE VIRTUAL TABLE ideas_fts USING fts5(title, body_text, content='ideas', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='3 4');
-- +goose StatementBegin
CREATE TRIGGER ideas_fts_insert AFTER INSERT ON ideas BEGIN
    INSERT INTO ideas_fts (rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ideas_fts_delete AFTER DELETE ON ideas BEGIN
    INSERT INTO ideas_fts (ideas_fts, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ideas_fts_update AFTER UPDATE OF title, body_text ON ideas BEGIN
    INSERT INTO ideas_fts (ideas_fts, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
    INSERT INTO ideas_fts (rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
-- +goose StatementEnd
INSERT INTO ideas_fts (ideas_fts) VALUES ('rebuild');

-- +goose Down
DROP TRIGGER ideas_fts_update;
DROP TRIGGER ideas_fts_delete;
DROP TRIGGER ideas_fts_insert;
DROP TABLE ideas_fts;
CREATE VIRTUAL TABLE ideas_fts USING fts5(title, body, content='ideas', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
-- +goose StatementBegin
CREATE TRIGGER ideas_fts_insert AFTER INSERT ON ideas BEGIN
    INSERT INTO ideas_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ideas_fts_delete AFTER DELETE ON ideas BEGIN
    INSERT INTO ideas_fts (ideas_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ideas_fts_update AFTER UPDATE OF title, body ON ideas BEGIN
    INSERT INTO ideas_fts (ideas_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO ideas_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
-- +goose StatementEnd
INSERT INTO ideas_fts (ideas_fts) VALUES ('rebuild');
DROP INDEX ideas_body_text_missing;
ALTER TABLE ideas DROP COLUMN body_text;
