-- +goose Up
-- Where an idea or a vote came from: the web, or a channel where the team
-- met the customer (webcare), with a link to that conversation.
ALTER TABLE ideas ADD COLUMN source TEXT NOT NULL DEFAULT 'web';
ALTER TABLE ideas ADD COLUMN source_url TEXT NOT NULL DEFAULT '';
ALTER TABLE votes ADD COLUMN source TEXT NOT NULL DEFAULT 'web';

-- Analytics count ideas, votes and comments by when they were made.
CREATE INDEX ideas_created ON ideas (created_at);
CREATE INDEX votes_created ON votes (created_at);
CREATE INDEX comments_created ON comments (created_at);

-- +goose Down
DROP INDEX comments_created;
DROP INDEX votes_created;
DROP INDEX ideas_created;
ALTER TABLE votes DROP COLUMN source;
ALTER TABLE ideas DROP COLUMN source_url;
ALTER TABLE ideas DROP COLUMN source;
