-- +goose Up
-- Analytics read a range of days from rollups instead of counting every
-- vote of the range on each request. The rollups are kept by triggers, in
-- the same transaction as the change, whichever statement makes it (a vote,
-- its withdrawal, a comment, hiding, a merge, a status or category change,
-- publishing after review), so they always equal a recount of the rows.
--
-- What counts is what the analytics count (models/analytics): published
-- ideas not merged into another; their votes; their public comments (not
-- internal, published). An idea without a category is category 0 here.
--
-- analytics_days: per UTC day, category and source, the ideas proposed
-- (by the idea's source), of those the answered ones and the ones answered
-- within 7 days, the votes cast (by the vote's source) and the comments made
-- (source ''). changed is drawn anew at each change of the row: the sum of a
-- day's is a fingerprint that tells a reader its members may have changed
-- (every change of analytics_members changes a row here of the same day).
CREATE TABLE analytics_days (
    day           DATE    NOT NULL,
    category_id   BIGINT  NOT NULL,
    source        TEXT    NOT NULL,
    ideas         INTEGER NOT NULL DEFAULT 0,
    answered      INTEGER NOT NULL DEFAULT 0,
    answered_week INTEGER NOT NULL DEFAULT 0,
    votes         INTEGER NOT NULL DEFAULT 0,
    comments      INTEGER NOT NULL DEFAULT 0,
    changed       BIGINT  NOT NULL DEFAULT floor(random() * 1000000000),
    PRIMARY KEY (day, category_id, source)
);
-- analytics_statuses: per day the ideas proposed, by the status they have now.
CREATE TABLE analytics_statuses (
    day       DATE    NOT NULL,
    status_id BIGINT  NOT NULL,
    ideas     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, status_id)
);
-- analytics_members: per day and member, how many counted ideas, votes and
-- comments the member made that day; a member is active in a range when a
-- row of the range has actions > 0. Distinct members do not add up across
-- days, so they are counted from these rows: one per member and active day.
CREATE TABLE analytics_members (
    day     DATE    NOT NULL,
    user_id BIGINT  NOT NULL,
    actions INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id)
);

-- The answer figures: the median needs each answered idea's times; the
-- unanswered ideas of the day that turns 30 days old now are counted live.
CREATE INDEX ideas_answered_created ON ideas (created_at, category_id, answered_at)
    WHERE answered_at IS NOT NULL AND state = 'published' AND merged_into IS NULL;
CREATE INDEX ideas_unanswered_created ON ideas (created_at, category_id)
    WHERE answered_at IS NULL AND state = 'published' AND merged_into IS NULL;

-- +goose StatementBegin
CREATE FUNCTION analytics_day(t TIMESTAMPTZ) RETURNS DATE AS $$
    SELECT (t AT TIME ZONE 'UTC')::date
$$ LANGUAGE sql IMMUTABLE;
-- +goose StatementEnd

-- The triggers' functions write their statements out (no SQL functions of
-- our own between them): PL/pgSQL keeps the plan of each statement, where a
-- SQL function's would be made again on every call, that is every vote.

-- analytics_idea adds (sign 1) or takes away (-1) what an idea counts for
-- itself: the idea, its answer, its status and its author's activity.
-- +goose StatementBegin
CREATE FUNCTION analytics_idea(i ideas, sign INTEGER) RETURNS void AS $$
DECLARE
    d DATE := analytics_day(i.created_at);
    answered INTEGER := CASE WHEN i.answered_at IS NOT NULL THEN 1 ELSE 0 END;
    week INTEGER := CASE WHEN i.answered_at <= i.created_at + INTERVAL '168 hours' THEN 1 ELSE 0 END;
BEGIN
    INSERT INTO analytics_days AS a (day, category_id, source, ideas, answered, answered_week)
    VALUES (d, COALESCE(i.category_id, 0), i.source, sign, sign * answered, sign * week)
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = floor(random() * 1000000000), ideas = a.ideas + EXCLUDED.ideas, answered = a.answered + EXCLUDED.answered, answered_week = a.answered_week + EXCLUDED.answered_week;
    INSERT INTO analytics_statuses AS s (day, status_id, ideas) VALUES (d, i.status_id, sign)
    ON CONFLICT (day, status_id) DO UPDATE SET ideas = s.ideas + EXCLUDED.ideas;
    INSERT INTO analytics_members AS m (day, user_id, actions) VALUES (d, i.author_id, sign)
    ON CONFLICT (day, user_id) DO UPDATE SET actions = m.actions + EXCLUDED.actions;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- analytics_children adds or takes away an idea's votes and comments (and
-- with members, their authors' activity).
-- +goose StatementBegin
CREATE FUNCTION analytics_children(idea BIGINT, cat BIGINT, sign INTEGER, members BOOLEAN) RETURNS void AS $$
BEGIN
    INSERT INTO analytics_days AS a (day, category_id, source, votes)
    SELECT analytics_day(v.created_at), COALESCE(cat, 0), v.source, sign * COUNT(*)
    FROM votes v WHERE v.idea_id = idea GROUP BY 1, 3
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = floor(random() * 1000000000), votes = a.votes + EXCLUDED.votes;
    INSERT INTO analytics_days AS a (day, category_id, source, comments)
    SELECT analytics_day(c.created_at), COALESCE(cat, 0), '', sign * COUNT(*)
    FROM comments c WHERE c.idea_id = idea AND c.state = 'published' AND NOT c.internal GROUP BY 1
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = floor(random() * 1000000000), comments = a.comments + EXCLUDED.comments;
    IF members THEN
        INSERT INTO analytics_members AS m (day, user_id, actions)
        SELECT d, u, sign * SUM(n) FROM (
            SELECT analytics_day(v.created_at) AS d, v.user_id AS u, COUNT(*) AS n
            FROM votes v WHERE v.idea_id = idea GROUP BY 1, 2
            UNION ALL
            SELECT analytics_day(c.created_at), c.user_id, COUNT(*)
            FROM comments c WHERE c.idea_id = idea AND c.state = 'published' AND NOT c.internal GROUP BY 1, 2
        ) AS acts GROUP BY d, u
        ON CONFLICT (day, user_id) DO UPDATE SET actions = m.actions + EXCLUDED.actions;
    END IF;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION analytics_ideas() RETURNS trigger AS $$
DECLARE
    was BOOLEAN := TG_OP <> 'INSERT' AND OLD.state = 'published' AND OLD.merged_into IS NULL;
    is_ BOOLEAN := TG_OP <> 'DELETE' AND NEW.state = 'published' AND NEW.merged_into IS NULL;
BEGIN
    IF was THEN
        PERFORM analytics_idea(OLD, -1);
    END IF;
    IF is_ THEN
        PERFORM analytics_idea(NEW, 1);
    END IF;
    -- The votes and comments move with their idea: when it starts or stops
    -- counting, or changes category. A deleted row takes them away before
    -- the cascade deletes them (this trigger runs before the delete).
    IF TG_OP = 'DELETE' THEN
        IF was THEN
            PERFORM analytics_children(OLD.id, OLD.category_id, -1, TRUE);
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND (was <> is_ OR OLD.category_id IS DISTINCT FROM NEW.category_id) THEN
        IF was THEN
            PERFORM analytics_children(OLD.id, OLD.category_id, -1, was <> is_);
        END IF;
        IF is_ THEN
            PERFORM analytics_children(NEW.id, NEW.category_id, 1, was <> is_);
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION analytics_votes() RETURNS trigger AS $$
DECLARE
    cat BIGINT;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT COALESCE(category_id, 0) INTO cat FROM ideas WHERE id = OLD.idea_id AND state = 'published' AND merged_into IS NULL;
        IF FOUND THEN
            INSERT INTO analytics_days AS a (day, category_id, source, votes)
                VALUES (analytics_day(OLD.created_at), cat, OLD.source, -1)
                ON CONFLICT (day, category_id, source) DO UPDATE SET changed = floor(random() * 1000000000), votes = a.votes + EXCLUDED.votes;
            INSERT INTO analytics_members AS m (day, user_id, actions) VALUES (analytics_day(OLD.created_at), OLD.user_id, -1)
                ON CONFLICT (day, user_id) DO UPDATE SET actions = m.actions + EXCLUDED.actions;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT COALESCE(category_id, 0) INTO cat FROM ideas WHERE id = NEW.idea_id AND state = 'published' AND merged_into IS NULL;
        IF FOUND THEN
            INSERT INTO analytics_days AS a (day, category_id, source, votes)
                VALUES (analytics_day(NEW.created_at), cat, NEW.source, 1)
                ON CONFLICT (day, category_id, source) DO UPDATE SET changed = floor(random() * 1000000000), votes = a.votes + EXCLUDED.votes;
            INSERT INTO analytics_members AS m (day, user_id, actions) VALUES (analytics_day(NEW.created_at), NEW.user_id, 1)
                ON CONFLICT (day, user_id) DO UPDATE SET actions = m.actions + EXCLUDED.actions;
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION analytics_comments() RETURNS trigger AS $$
DECLARE
    cat BIGINT;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.state = 'published' AND NOT OLD.internal THEN
        SELECT COALESCE(category_id, 0) INTO cat FROM ideas WHERE id = OLD.idea_id AND state = 'published' AND merged_into IS NULL;
        IF FOUND THEN
            INSERT INTO analytics_days AS a (day, category_id, source, comments)
                VALUES (analytics_day(OLD.created_at), cat, '', -1)
                ON CONFLICT (day, category_id, source) DO UPDATE SET changed = floor(random() * 1000000000), comments = a.comments + EXCLUDED.comments;
            INSERT INTO analytics_members AS m (day, user_id, actions) VALUES (analytics_day(OLD.created_at), OLD.user_id, -1)
                ON CONFLICT (day, user_id) DO UPDATE SET actions = m.actions + EXCLUDED.actions;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.state = 'published' AND NOT NEW.internal THEN
        SELECT COALESCE(category_id, 0) INTO cat FROM ideas WHERE id = NEW.idea_id AND state = 'published' AND merged_into IS NULL;
        IF FOUND THEN
            INSERT INTO analytics_days AS a (day, category_id, source, comments)
                VALUES (analytics_day(NEW.created_at), cat, '', 1)
                ON CONFLICT (day, category_id, source) DO UPDATE SET changed = floor(random() * 1000000000), comments = a.comments + EXCLUDED.comments;
            INSERT INTO analytics_members AS m (day, user_id, actions) VALUES (analytics_day(NEW.created_at), NEW.user_id, 1)
                ON CONFLICT (day, user_id) DO UPDATE SET actions = m.actions + EXCLUDED.actions;
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER analytics_ideas_insert AFTER INSERT ON ideas
    FOR EACH ROW EXECUTE FUNCTION analytics_ideas();
CREATE TRIGGER analytics_ideas_update AFTER UPDATE ON ideas FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.merged_into IS DISTINCT FROM NEW.merged_into
        OR OLD.category_id IS DISTINCT FROM NEW.category_id OR OLD.status_id IS DISTINCT FROM NEW.status_id
        OR OLD.source IS DISTINCT FROM NEW.source OR OLD.created_at IS DISTINCT FROM NEW.created_at
        OR OLD.author_id IS DISTINCT FROM NEW.author_id OR OLD.answered_at IS DISTINCT FROM NEW.answered_at)
    EXECUTE FUNCTION analytics_ideas();
CREATE TRIGGER analytics_ideas_delete BEFORE DELETE ON ideas
    FOR EACH ROW EXECUTE FUNCTION analytics_ideas();
CREATE TRIGGER analytics_votes AFTER INSERT OR UPDATE OR DELETE ON votes
    FOR EACH ROW EXECUTE FUNCTION analytics_votes();
CREATE TRIGGER analytics_comments AFTER INSERT OR UPDATE OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION analytics_comments();

-- The rollups of the rows there are (the bench's seeder rebuilds them the
-- same way after its bulk load: models.RebuildAnalytics).
INSERT INTO analytics_days (day, category_id, source, ideas, answered, answered_week, votes, comments)
SELECT day, category_id, source, SUM(ideas), SUM(answered), SUM(answered_week), SUM(votes), SUM(comments) FROM (
    SELECT analytics_day(i.created_at) AS day, COALESCE(i.category_id, 0) AS category_id, i.source,
           COUNT(*) AS ideas, COUNT(i.answered_at) AS answered,
           COUNT(*) FILTER (WHERE i.answered_at <= i.created_at + INTERVAL '168 hours') AS answered_week,
           0 AS votes, 0 AS comments
    FROM ideas i WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2, 3
    UNION ALL
    SELECT analytics_day(v.created_at), COALESCE(i.category_id, 0), v.source, 0, 0, 0, COUNT(*), 0
    FROM votes v JOIN ideas i ON i.id = v.idea_id
    WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2, 3
    UNION ALL
    SELECT analytics_day(c.created_at), COALESCE(i.category_id, 0), '', 0, 0, 0, 0, COUNT(*)
    FROM comments c JOIN ideas i ON i.id = c.idea_id
    WHERE c.state = 'published' AND NOT c.internal AND i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
) AS parts GROUP BY day, category_id, source;
INSERT INTO analytics_statuses (day, status_id, ideas)
SELECT analytics_day(created_at), status_id, COUNT(*) FROM ideas
WHERE state = 'published' AND merged_into IS NULL GROUP BY 1, 2;
INSERT INTO analytics_members (day, user_id, actions)
SELECT day, user_id, SUM(n) FROM (
    SELECT analytics_day(i.created_at) AS day, i.author_id AS user_id, COUNT(*) AS n
    FROM ideas i WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
    UNION ALL
    SELECT analytics_day(v.created_at), v.user_id, COUNT(*)
    FROM votes v JOIN ideas i ON i.id = v.idea_id
    WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
    UNION ALL
    SELECT analytics_day(c.created_at), c.user_id, COUNT(*)
    FROM comments c JOIN ideas i ON i.id = c.idea_id
    WHERE c.state = 'published' AND NOT c.internal AND i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
) AS acts GROUP BY day, user_id;

-- +goose Down
DROP TRIGGER analytics_comments ON comments;
DROP TRIGGER analytics_votes ON votes;
DROP TRIGGER analytics_ideas_delete ON ideas;
DROP TRIGGER analytics_ideas_update ON ideas;
DROP TRIGGER analytics_ideas_insert ON ideas;
DROP FUNCTION analytics_comments();
DROP FUNCTION analytics_votes();
DROP FUNCTION analytics_ideas();
DROP FUNCTION analytics_children(BIGINT, BIGINT, INTEGER, BOOLEAN);
DROP FUNCTION analytics_idea(ideas, INTEGER);
DROP FUNCTION analytics_day(TIMESTAMPTZ);
DROP INDEX ideas_unanswered_created;
DROP INDEX ideas_answered_created;
DROP TABLE analytics_members;
DROP TABLE analytics_statuses;
DROP TABLE analytics_days;
