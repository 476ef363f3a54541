-- +goose Up
-- The team's changelog: entries in Markdown, drafts until published, each
-- linked to the ideas it delivers.
CREATE TABLE changelog_entries (
    id           BIGSERIAL PRIMARY KEY,
    title        TEXT        NOT NULL,
    body         TEXT        NOT NULL DEFAULT '',
    body_html    TEXT        NOT NULL DEFAULT '',
    author_id    BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    published_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX changelog_entries_published ON changelog_entries (published_at DESC, id DESC) WHERE published_at IS NOT NULL;

CREATE TABLE changelog_ideas (
    entry_id BIGINT  NOT NULL REFERENCES changelog_entries (id) ON DELETE CASCADE,
    idea_id  BIGINT  NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (entry_id, idea_id)
);
CREATE INDEX changelog_ideas_idea ON changelog_ideas (idea_id);

-- +goose Down
DROP TABLE changelog_ideas;
DROP TABLE changelog_entries;
