-- +goose Up
-- Trust levels (docs/trust.md): members rise from 0 (new) through 1 (basic),
-- 2 (member) and 3 (regular) by what they do; 4 (leader) is given by admins
-- only. The trusted flag stays, kept equal to trust_level >= 1: members who
-- were trusted start at level 1.
ALTER TABLE users ADD COLUMN trust_level INTEGER NOT NULL DEFAULT 0 CHECK (trust_level BETWEEN 0 AND 4);
UPDATE users SET trust_level = 1 WHERE trusted;
-- Days on which the member was seen signed in, and the last of them.
ALTER TABLE users ADD COLUMN days_active INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_active_at DATETIME;
-- When the last sanction (suspension or ban) ended or ends: no level is
-- earned again for a while after it.
ALTER TABLE users ADD COLUMN sanctioned_until DATETIME;

-- Every change of a member's level, with why: their page says when and why.
CREATE TABLE trust_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    from_level INTEGER  NOT NULL,
    to_level   INTEGER  NOT NULL,
    reason     TEXT     NOT NULL,
    actor_id   INTEGER      REFERENCES users (id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX trust_changes_user ON trust_changes (user_id, id);
INSERT INTO trust_changes (user_id, from_level, to_level, reason, created_at)
    SELECT id, 0, 1, 'approvals', updated_at FROM users WHERE trusted;

-- Categories and tags members of a trust level suggest; moderators accept
-- (a tag on its idea; a category, admins) or reject them.
CREATE TABLE suggestions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT     NOT NULL CHECK (kind IN ('category', 'tag')),
    name       TEXT     NOT NULL,
    note       TEXT     NOT NULL DEFAULT '',
    idea_id    INTEGER      REFERENCES ideas (id) ON DELETE CASCADE,
    user_id    INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT     NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'rejected')),
    decided_by INTEGER      REFERENCES users (id) ON DELETE SET NULL,
    decided_at DATETIME,
    answer     TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    CHECK ((kind = 'tag') = (idea_id IS NOT NULL))
);
CREATE INDEX suggestions_state ON suggestions (state, id);
CREATE INDEX suggestions_user ON suggestions (user_id, id);

-- +goose Down
DROP TABLE suggestions;
DROP TABLE trust_changes;
ALTER TABLE users DROP COLUMN sanctioned_until;
ALTER TABLE users DROP COLUMN last_active_at;
ALTER TABLE users DROP COLUMN days_active;
ALTER TABLE users DROP COLUMN trust_level;
