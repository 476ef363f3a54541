-- +goose Up
-- Search reads a plain-text copy of each idea's body, written with its HTML
-- (the Markdown rendered, without its markup), so that its snippets quote
-- text, not Markdown. Rows written before this migration get theirs when
-- Samen starts (Migrate): SQL cannot render Markdown. A search word of three
-- letters or more is a prefix (to_tsquery's :*), which the GIN index answers
-- by itself; shorter words match whole words (see searchTerms).
ALTER TABLE ideas ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
CREATE INDEX ideas_body_text_missing ON ideas (id) WHERE body_text = '' AND body <> '';
DROP INDEX ideas_search;
ALTER TABLE ideas DROP COLUMN search;
ALTER TABLE ideas ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(body_text, '')), 'B')) STORED;
CREATE INDEX ideas_search ON ideas USING GIN (search);

-- +goose Down
DROP INDEX ideas_search;
ALTER TABLE ideas DROP COLUMN search;
ALTER TABLE ideas ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(body, '')), 'B')) STORED;
CREATE INDEX ideas_search ON ideas USING GIN (search);
DROP INDEX ideas_body_text_missing;
ALTER TABLE ideas DROP COLUMN body_text;
