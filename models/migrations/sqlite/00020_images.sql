-- +goose Up
-- Images members attach to their ideas and comments. An upload waits
-- unattached (idea_id and comment_id both null) until its post is saved;
-- uploads never attached are removed after a day. An image has no state of
-- its own: whoever may read its post may see it (see models/images.go).
-- The blob keys are random: nothing in them follows from an id.
CREATE TABLE images (
    id           INTEGER  PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idea_id      INTEGER     REFERENCES ideas (id) ON DELETE CASCADE,
    comment_id   INTEGER     REFERENCES comments (id) ON DELETE CASCADE,
    blob_key     TEXT        NOT NULL UNIQUE,
    thumb_key    TEXT        NOT NULL UNIQUE,
    content_type TEXT        NOT NULL,
    width        INTEGER     NOT NULL,
    height       INTEGER     NOT NULL,
    thumb_width  INTEGER     NOT NULL,
    thumb_height INTEGER     NOT NULL,
    alt          TEXT        NOT NULL,
    bytes        INTEGER     NOT NULL,
    created_at   DATETIME    NOT NULL
);
CREATE INDEX images_idea ON images (idea_id) WHERE idea_id IS NOT NULL;
CREATE INDEX images_comment ON images (comment_id) WHERE comment_id IS NOT NULL;
CREATE INDEX images_user ON images (user_id);
CREATE INDEX images_unattached ON images (created_at) WHERE idea_id IS NULL AND comment_id IS NULL;

-- +goose Down
DROP TABLE images;
