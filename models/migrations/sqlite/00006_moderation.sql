-- +goose Up
-- Why a moderator hid an idea or comment, or suspended or banned a member.
ALTER TABLE ideas ADD COLUMN moderation_note TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN moderation_note TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN moderation_note TEXT NOT NULL DEFAULT '';
-- Pre-moderation: how often a member's content was approved, and whether
-- they are trusted (no pre-moderation, more links).
ALTER TABLE users ADD COLUMN approvals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN trusted BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX ideas_pending ON ideas (state, created_at) WHERE state = 'pending';
CREATE INDEX comments_pending ON comments (state, created_at) WHERE state = 'pending';
CREATE INDEX ideas_merged_into ON ideas (merged_into) WHERE merged_into IS NOT NULL;

-- A member's report of an idea or comment, once per member and item.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    target_type TEXT     NOT NULL CHECK (target_type IN ('idea', 'comment')),
    target_id   INTEGER  NOT NULL,
    reporter_id INTEGER  NOT NULL REFERENCES users (id),
    reason      TEXT     NOT NULL CHECK (reason IN ('spam', 'abusive', 'off-topic', 'other')),
    note        TEXT     NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    resolved_at DATETIME,
    resolver_id INTEGER  REFERENCES users (id),
    outcome     TEXT     NOT NULL DEFAULT '',
    UNIQUE (target_type, target_id, reporter_id)
);
CREATE INDEX reports_open ON reports (created_at, id) WHERE resolved_at IS NULL;
CREATE INDEX reports_reporter ON reports (reporter_id, created_at DESC);

-- The audit log: every moderator and team action, append-only.
CREATE TABLE moderation_actions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    INTEGER  REFERENCES users (id),
    action      TEXT     NOT NULL,
    target_type TEXT     NOT NULL,
    target_id   INTEGER  NOT NULL,
    subject_id  INTEGER  REFERENCES users (id),
    reason      TEXT     NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE INDEX moderation_actions_actor ON moderation_actions (actor_id, id DESC);
CREATE INDEX moderation_actions_action ON moderation_actions (action, id DESC);
CREATE INDEX moderation_actions_target ON moderation_actions (target_type, target_id, id DESC);
CREATE INDEX moderation_actions_subject ON moderation_actions (subject_id, id DESC);

-- +goose StatementBegin
CREATE TRIGGER moderation_actions_no_update BEFORE UPDATE ON moderation_actions
BEGIN
    SELECT RAISE(ABORT, 'moderation_actions is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER moderation_actions_no_delete BEFORE DELETE ON moderation_actions
BEGIN
    SELECT RAISE(ABORT, 'moderation_actions is append-only');
END;
-- +goose StatementEnd

-- The votes a merge added to its target, so an unmerge takes back exactly those.
CREATE TABLE merged_votes (
    source_id INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (source_id, user_id)
);

-- +goose Down
DROP TABLE merged_votes;
DROP TRIGGER moderation_actions_no_delete;
DROP TRIGGER moderation_actions_no_update;
DROP TABLE moderation_actions;
DROP TABLE reports;
DROP INDEX ideas_merged_into;
DROP INDEX comments_pending;
DROP INDEX ideas_pending;
ALTER TABLE users DROP COLUMN trusted;
ALTER TABLE users DROP COLUMN approvals;
ALTER TABLE users DROP COLUMN moderation_note;
ALTER TABLE comments DROP COLUMN moderation_note;
ALTER TABLE ideas DROP COLUMN moderation_note;
