-- +goose Up
-- Search forgives small typos ("baterry" finds "battery"): when the words of
-- a search match few ideas, titles whose words are similar to them are
-- offered after the matches. pg_trgm compares words by the three-letter
-- pieces they share; its GIN index on the lower-case title finds the titles
-- that hold a word like the one searched for without reading every title
-- (see Store.typoMatches).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX ideas_title_trigram ON ideas USING GIN (lower(title) gin_trgm_ops);

-- +goose Down
DROP INDEX ideas_title_trigram;
