-- +goose Up
-- Where an idea or a vote came from: the web, or a channel where the team
-- met the customer (webcare), with a link to that conversation.
ALTER TABLE ideas ADD COLUMN source TEXT NOT NULL DEFAULT 'web';
ALTER TABLE ideas ADD COLUMN source_url TEXT NOT NULL DEFAULT '';
ALTER TABLE votes ADD COLUMN source TEXT NOT NULL DEFAULT 'web';

-- Analytics count ideas, votes and comments by when they were made. The
-- votes of a range, with their source, come from the index alone, and so
-- does whether each vote's idea counts (published, not merged) and its
-- category.
CREATE INDEX ideas_created ON ideas (created_at);
CREATE INDEX votes_created ON votes (created_at, idea_id, source);
CREATE INDEX comments_created ON comments (created_at);
CREATE INDEX ideas_counted ON ideas (id, state, merged_into, category_id);

-- +goose Down
DROP INDEX ideas_counted;
DROP INDEX comments_created;
DROP INDEX votes_created;
DROP INDEX ideas_created;
ALTER TABLE votes DROP COLUMN source;
ALTER TABLE ideas DROP COLUMN source_url;
ALTER TABLE ideas DROP COLUMN source;
