-- +goose Up
CREATE TABLE categories (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL
);

CREATE TABLE statuses (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    colour     TEXT    NOT NULL DEFAULT '#5f6b73',
    kind       TEXT    NOT NULL CHECK (kind IN ('open', 'planned', 'active', 'done', 'closed')),
    position   INTEGER NOT NULL DEFAULT 0,
    on_roadmap BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL
);

CREATE TABLE ideas (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    title            TEXT    NOT NULL,
    slug             TEXT    NOT NULL,
    body             TEXT    NOT NULL DEFAULT '',
    body_html        TEXT    NOT NULL DEFAULT '',
    author_id        INTEGER NOT NULL REFERENCES users (id),
    category_id      INTEGER REFERENCES categories (id),
    status_id        INTEGER NOT NULL REFERENCES statuses (id),
    votes            INTEGER NOT NULL DEFAULT 0,
    comments         INTEGER NOT NULL DEFAULT 0,
    hot              REAL    NOT NULL DEFAULT 0,
    state            TEXT    NOT NULL DEFAULT 'published' CHECK (state IN ('published', 'pending', 'hidden', 'deleted')),
    locked           BOOLEAN NOT NULL DEFAULT FALSE,
    pinned           BOOLEAN NOT NULL DEFAULT FALSE,
    merged_into      INTEGER REFERENCES ideas (id),
    assignee_id      INTEGER REFERENCES users (id),
    impact           INTEGER,
    effort           INTEGER,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    last_activity_at DATETIME NOT NULL,
    edited_at        DATETIME
);
CREATE INDEX ideas_hot ON ideas (state, pinned DESC, hot DESC, id DESC);
CREATE INDEX ideas_top ON ideas (state, pinned DESC, votes DESC, id DESC);
CREATE INDEX ideas_new ON ideas (state, pinned DESC, created_at DESC, id DESC);
CREATE INDEX ideas_updated ON ideas (state, pinned DESC, last_activity_at DESC, id DESC);
CREATE INDEX ideas_status_hot ON ideas (status_id, state, pinned DESC, hot DESC, id DESC);
CREATE INDEX ideas_category_hot ON ideas (category_id, state, pinned DESC, hot DESC, id DESC);
CREATE INDEX ideas_author ON ideas (author_id, created_at DESC);

CREATE TABLE idea_revisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    idea_id    INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    editor_id  INTEGER REFERENCES users (id),
    created_at DATETIME NOT NULL
);
CREATE INDEX idea_revisions_idea ON idea_revisions (idea_id, id);

CREATE TABLE votes (
    idea_id    INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (idea_id, user_id)
);
CREATE INDEX votes_user ON votes (user_id, created_at DESC);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    idea_id    INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    parent_id  INTEGER REFERENCES comments (id),
    body       TEXT    NOT NULL,
    body_html  TEXT    NOT NULL,
    internal   BOOLEAN NOT NULL DEFAULT FALSE,
    state      TEXT    NOT NULL DEFAULT 'published' CHECK (state IN ('published', 'pending', 'hidden', 'deleted')),
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    edited_at  DATETIME
);
CREATE INDEX comments_idea ON comments (idea_id, created_at, id);
CREATE INDEX comments_user ON comments (user_id, created_at DESC);

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE idea_tags (
    idea_id INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (idea_id, tag_id)
);
CREATE INDEX idea_tags_tag ON idea_tags (tag_id, idea_id);

CREATE TABLE status_changes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    idea_id        INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    from_status_id INTEGER REFERENCES statuses (id),
    to_status_id   INTEGER NOT NULL REFERENCES statuses (id),
    note           TEXT    NOT NULL DEFAULT '',
    note_html      TEXT    NOT NULL DEFAULT '',
    actor_id       INTEGER REFERENCES users (id),
    created_at     DATETIME NOT NULL
);
CREATE INDEX status_changes_idea ON status_changes (idea_id, id);

-- Full-text search: an external-content FTS5 index kept by triggers.
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

-- +goose Down
DROP TRIGGER ideas_fts_update;
DROP TRIGGER ideas_fts_delete;
DROP TRIGGER ideas_fts_insert;
DROP TABLE ideas_fts;
DROP TABLE status_changes;
DROP TABLE idea_tags;
DROP TABLE tags;
DROP TABLE comments;
DROP TABLE votes;
DROP TABLE idea_revisions;
DROP TABLE ideas;
DROP TABLE statuses;
DROP TABLE categories;
