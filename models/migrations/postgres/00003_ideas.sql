-- +goose Up
CREATE TABLE categories (
    id          BIGSERIAL PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE statuses (
    id         BIGSERIAL PRIMARY KEY,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    colour     TEXT    NOT NULL DEFAULT '#5f6b73',
    kind       TEXT    NOT NULL CHECK (kind IN ('open', 'planned', 'active', 'done', 'closed')),
    position   INTEGER NOT NULL DEFAULT 0,
    on_roadmap BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ideas (
    id               BIGSERIAL PRIMARY KEY,
    title            TEXT    NOT NULL,
    slug             TEXT    NOT NULL,
    body             TEXT    NOT NULL DEFAULT '',
    body_html        TEXT    NOT NULL DEFAULT '',
    author_id        BIGINT  NOT NULL REFERENCES users (id),
    category_id      BIGINT  REFERENCES categories (id),
    status_id        BIGINT  NOT NULL REFERENCES statuses (id),
    votes            INTEGER NOT NULL DEFAULT 0,
    comments         INTEGER NOT NULL DEFAULT 0,
    hot              DOUBLE PRECISION    NOT NULL DEFAULT 0,
    state            TEXT    NOT NULL DEFAULT 'published' CHECK (state IN ('published', 'pending', 'hidden', 'deleted')),
    locked           BOOLEAN NOT NULL DEFAULT FALSE,
    pinned           BOOLEAN NOT NULL DEFAULT FALSE,
    merged_into      BIGINT  REFERENCES ideas (id),
    assignee_id      BIGINT  REFERENCES users (id),
    impact           INTEGER,
    effort           INTEGER,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    last_activity_at TIMESTAMPTZ NOT NULL,
    edited_at        TIMESTAMPTZ
);
CREATE INDEX ideas_hot ON ideas (state, pinned DESC, hot DESC, id DESC);
CREATE INDEX ideas_top ON ideas (state, pinned DESC, votes DESC, id DESC);
CREATE INDEX ideas_new ON ideas (state, pinned DESC, created_at DESC, id DESC);
CREATE INDEX ideas_updated ON ideas (state, pinned DESC, last_activity_at DESC, id DESC);
CREATE INDEX ideas_status_hot ON ideas (status_id, state, pinned DESC, hot DESC, id DESC);
CREATE INDEX ideas_category_hot ON ideas (category_id, state, pinned DESC, hot DESC, id DESC);
CREATE INDEX ideas_author ON ideas (author_id, created_at DESC);

CREATE TABLE idea_revisions (
    id         BIGSERIAL PRIMARY KEY,
    idea_id    BIGINT  NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    editor_id  BIGINT  REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idea_revisions_idea ON idea_revisions (idea_id, id);

CREATE TABLE votes (
    idea_id    BIGINT  NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (idea_id, user_id)
);
CREATE INDEX votes_user ON votes (user_id, created_at DESC);

CREATE TABLE comments (
    id         BIGSERIAL PRIMARY KEY,
    idea_id    BIGINT  NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL REFERENCES users (id),
    parent_id  BIGINT  REFERENCES comments (id),
    body       TEXT    NOT NULL,
    body_html  TEXT    NOT NULL,
    internal   BOOLEAN NOT NULL DEFAULT FALSE,
    state      TEXT    NOT NULL DEFAULT 'published' CHECK (state IN ('published', 'pending', 'hidden', 'deleted')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    edited_at  TIMESTAMPTZ
);
CREATE INDEX comments_idea ON comments (idea_id, created_at, id);
CREATE INDEX comments_user ON comments (user_id, created_at DESC);

CREATE TABLE tags (
    id         BIGSERIAL PRIMARY KEY,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE idea_tags (
    idea_id BIGINT  NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    tag_id  BIGINT  NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (idea_id, tag_id)
);
CREATE INDEX idea_tags_tag ON idea_tags (tag_id, idea_id);

CREATE TABLE status_changes (
    id             BIGSERIAL PRIMARY KEY,
    idea_id        BIGINT  NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    from_status_id BIGINT  REFERENCES statuses (id),
    to_status_id   BIGINT  NOT NULL REFERENCES statuses (id),
    note           TEXT    NOT NULL DEFAULT '',
    note_html      TEXT    NOT NULL DEFAULT '',
    actor_id       BIGINT  REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_changes_idea ON status_changes (idea_id, id);

-- Full-text search: a weighted, generated tsvector with a GIN index.
ALTER TABLE ideas ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(body, '')), 'B')) STORED;
CREATE INDEX ideas_search ON ideas USING GIN (search);

-- +goose Down
DROP TABLE status_changes;
DROP TABLE idea_tags;
DROP TABLE tags;
DROP TABLE comments;
DROP TABLE votes;
DROP TABLE idea_revisions;
DROP TABLE ideas;
DROP TABLE statuses;
DROP TABLE categories;
