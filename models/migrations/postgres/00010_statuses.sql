-- +goose Up
-- Admins name each status in English and Dutch. A status that is deleted
-- keeps its row, so the answers given in it still read as they were; its slug
-- is freed for a new status.
ALTER TABLE statuses ADD COLUMN name_nl TEXT NOT NULL DEFAULT '';
ALTER TABLE statuses ADD COLUMN deleted_at TIMESTAMPTZ;
UPDATE statuses SET name_nl = 'Open' WHERE slug = 'open';
UPDATE statuses SET name_nl = 'In behandeling' WHERE slug = 'under-review';
UPDATE statuses SET name_nl = 'Gepland' WHERE slug = 'planned';
UPDATE statuses SET name_nl = 'In ontwikkeling' WHERE slug = 'in-progress';
UPDATE statuses SET name_nl = 'Uitgebracht' WHERE slug = 'shipped';
UPDATE statuses SET name_nl = 'Afgewezen' WHERE slug = 'declined';

-- A decision record: an answer that declines or plans an idea says what
-- would change the team's mind.
ALTER TABLE status_changes ADD COLUMN reconsider TEXT NOT NULL DEFAULT '';

-- The roadmap filtered by category reads each column's most voted ideas
-- straight from an index.
CREATE INDEX ideas_category_status_top ON ideas (category_id, status_id, state, pinned DESC, votes DESC, id DESC);

-- +goose Down
DROP INDEX ideas_category_status_top;
ALTER TABLE status_changes DROP COLUMN reconsider;
ALTER TABLE statuses DROP COLUMN deleted_at;
ALTER TABLE statuses DROP COLUMN name_nl;
