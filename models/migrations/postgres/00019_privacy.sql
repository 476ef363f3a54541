-- +goose Up
-- A member who deleted their account stays as "deleted member" (deleted_at
-- set, nothing left that names them) so their ideas, comments and vote
-- counts stay. show_votes: the member lets everyone see their name among an
-- idea's voters (off: only the team sees it).
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN show_votes BOOLEAN NOT NULL DEFAULT FALSE;

-- The public moderation log shows a reason's category, and the moderator's
-- own words only when marked public.
ALTER TABLE moderation_actions ADD COLUMN reason_category TEXT NOT NULL DEFAULT '';
ALTER TABLE moderation_actions ADD COLUMN reason_public BOOLEAN NOT NULL DEFAULT FALSE;

-- The audit log stays append-only, but for one change: deleting an account
-- replaces the member's name and email in a reason or a replaced text by
-- "Deleted member" (models.DeletedName); any other change is refused.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION moderation_actions_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.action = OLD.action
       AND NEW.target_type = OLD.target_type AND NEW.target_id = OLD.target_id
       AND NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id AND NEW.created_at = OLD.created_at
       AND NEW.reason_category = OLD.reason_category AND NEW.reason_public = OLD.reason_public
       AND (NEW.reason = OLD.reason OR NEW.reason LIKE '%Deleted member%')
       AND (NEW.previous = OLD.previous OR NEW.previous LIKE '%Deleted member%') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'moderation_actions is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION moderation_actions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'moderation_actions is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
ALTER TABLE moderation_actions DROP COLUMN reason_public;
ALTER TABLE moderation_actions DROP COLUMN reason_category;
ALTER TABLE users DROP COLUMN show_votes;
ALTER TABLE users DROP COLUMN deleted_at;
