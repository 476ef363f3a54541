-- +goose Up
-- What a staff member's edit replaced in someone else's idea or comment.
ALTER TABLE moderation_actions ADD COLUMN previous TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE moderation_actions DROP COLUMN previous;
