-- +goose Up
-- Every sort of the idea list, filtered by status or by category, reads its
-- page straight from an index.
CREATE INDEX ideas_status_top ON ideas (status_id, state, pinned DESC, votes DESC, id DESC);
CREATE INDEX ideas_status_new ON ideas (status_id, state, pinned DESC, created_at DESC, id DESC);
CREATE INDEX ideas_status_updated ON ideas (status_id, state, pinned DESC, last_activity_at DESC, id DESC);
CREATE INDEX ideas_category_top ON ideas (category_id, state, pinned DESC, votes DESC, id DESC);
CREATE INDEX ideas_category_new ON ideas (category_id, state, pinned DESC, created_at DESC, id DESC);
CREATE INDEX ideas_category_updated ON ideas (category_id, state, pinned DESC, last_activity_at DESC, id DESC);

-- +goose Down
DROP INDEX ideas_category_updated;
DROP INDEX ideas_category_new;
DROP INDEX ideas_category_top;
DROP INDEX ideas_status_updated;
DROP INDEX ideas_status_new;
DROP INDEX ideas_status_top;
