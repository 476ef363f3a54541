-- +goose Up
-- A member who deleted their account stays as "deleted member" (deleted_at
-- set, nothing left that names them) so their ideas, comments and vote
-- counts stay. show_votes: the member lets everyone see their name among an
-- idea's voters (off: only the team sees it).
ALTER TABLE users ADD COLUMN deleted_at DATETIME;
ALTER TABLE users ADD COLUMN show_votes BOOLEAN NOT NULL DEFAULT FALSE;

-- The public moderation log shows a reason's category, and the moderator's
-- own words only when marked public.
ALTER TABLE moderation_actions ADD COLUMN reason_category TEXT NOT NULL DEFAULT '';
ALTER TABLE moderation_actions ADD COLUMN reason_public BOOLEAN NOT NULL DEFAULT FALSE;

-- The audit log stays append-only, but for one change: deleting an account
-- replaces the member's name and email in a reason or a replaced text by
-- "Deleted member" (models.DeletedName); any other change is refused.
DROP TRIGGER moderation_actions_no_update;
-- +goose StatementBegin
CREATE TRIGGER moderation_actions_no_update BEFORE UPDATE ON moderation_actions
WHEN NEW.id IS NOT OLD.id OR NEW.actor_id IS NOT OLD.actor_id OR NEW.action IS NOT OLD.action
  OR NEW.target_type IS NOT OLD.target_type OR NEW.target_id IS NOT OLD.target_id
  OR NEW.subject_id IS NOT OLD.subject_id OR NEW.created_at IS NOT OLD.created_at
  OR NEW.reason_category IS NOT OLD.reason_category OR NEW.reason_public IS NOT OLD.reason_public
  OR (NEW.reason IS NOT OLD.reason AND NEW.reason NOT LIKE '%Deleted member%')
  OR (NEW.previous IS NOT OLD.previous AND NEW.previous NOT LIKE '%Deleted member%')
BEGIN
    SELECT RAISE(ABORT, 'moderation_actions is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER moderation_actions_no_update;
-- +goose StatementBegin
CREATE TRIGGER moderation_actions_no_update BEFORE UPDATE ON moderation_actions
BEGIN
    SELECT RAISE(ABORT, 'moderation_actions is append-only');
END;
-- +goose StatementEnd
ALTER TABLE moderation_actions DROP COLUMN reason_public;
ALTER TABLE moderation_actions DROP COLUMN reason_category;
ALTER TABLE users DROP COLUMN show_votes;
ALTER TABLE users DROP COLUMN deleted_at;
