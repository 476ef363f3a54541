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
-- SQLite keeps timestamps as UTC text that starts with the day (YYYY-MM-DD),
-- the day of the rollups here.
--
-- analytics_days: per UTC day, category and source, the ideas proposed
-- (by the idea's source), of those the answered ones and the ones answered
-- within 7 days, the votes cast (by the vote's source) and the comments made
-- (source ''). changed is drawn anew at each change of the row: the sum of a
-- day's is a fingerprint that tells a reader its members may have changed
-- (every change of analytics_members changes a row here of the same day).
CREATE TABLE analytics_days (
    day           TEXT    NOT NULL,
    category_id   INTEGER NOT NULL,
    source        TEXT    NOT NULL,
    ideas         INTEGER NOT NULL DEFAULT 0,
    answered      INTEGER NOT NULL DEFAULT 0,
    answered_week INTEGER NOT NULL DEFAULT 0,
    votes         INTEGER NOT NULL DEFAULT 0,
    comments      INTEGER NOT NULL DEFAULT 0,
    changed       BIGINT  NOT NULL DEFAULT (abs(random()) % 1000000000),
    PRIMARY KEY (day, category_id, source)
);
-- analytics_statuses: per day the ideas proposed, by the status they have now.
CREATE TABLE analytics_statuses (
    day       TEXT    NOT NULL,
    status_id INTEGER NOT NULL,
    ideas     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, status_id)
);
-- analytics_members: per day and member, how many counted ideas, votes and
-- comments the member made that day; a member is active in a range when a
-- row of the range has actions > 0. Distinct members do not add up across
-- days, so they are counted from these rows: one per member and active day.
CREATE TABLE analytics_members (
    day     TEXT    NOT NULL,
    user_id INTEGER NOT NULL,
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
CREATE TRIGGER analytics_ideas_insert AFTER INSERT ON ideas FOR EACH ROW
WHEN (NEW.state = 'published' AND NEW.merged_into IS NULL)
BEGIN
    INSERT INTO analytics_days (day, category_id, source, ideas, answered, answered_week)
    SELECT substr(NEW.created_at, 1, 10), COALESCE(NEW.category_id, 0), NEW.source, 1, (NEW.answered_at IS NOT NULL), (NEW.answered_at IS NOT NULL AND unixepoch(NEW.answered_at, 'subsec') - unixepoch(NEW.created_at, 'subsec') <= 604800)
    WHERE NEW.state = 'published' AND NEW.merged_into IS NULL
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, ideas = ideas + excluded.ideas,
        answered = answered + excluded.answered, answered_week = answered_week + excluded.answered_week;
    INSERT INTO analytics_statuses (day, status_id, ideas)
    SELECT substr(NEW.created_at, 1, 10), NEW.status_id, 1 WHERE NEW.state = 'published' AND NEW.merged_into IS NULL
    ON CONFLICT (day, status_id) DO UPDATE SET ideas = ideas + excluded.ideas;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(NEW.created_at, 1, 10), NEW.author_id, 1 WHERE NEW.state = 'published' AND NEW.merged_into IS NULL
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
END;
-- +goose StatementEnd

-- An idea takes away what it counted and adds what it counts now; its votes
-- and comments move with it when it starts or stops counting or changes category.
-- +goose StatementBegin
CREATE TRIGGER analytics_ideas_update AFTER UPDATE OF state, merged_into, category_id, status_id, source, created_at, author_id, answered_at ON ideas FOR EACH ROW
BEGIN
    INSERT INTO analytics_days (day, category_id, source, ideas, answered, answered_week)
    SELECT substr(OLD.created_at, 1, 10), COALESCE(OLD.category_id, 0), OLD.source, -1, -(OLD.answered_at IS NOT NULL), -(OLD.answered_at IS NOT NULL AND unixepoch(OLD.answered_at, 'subsec') - unixepoch(OLD.created_at, 'subsec') <= 604800)
    WHERE OLD.state = 'published' AND OLD.merged_into IS NULL
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, ideas = ideas + excluded.ideas,
        answered = answered + excluded.answered, answered_week = answered_week + excluded.answered_week;
    INSERT INTO analytics_statuses (day, status_id, ideas)
    SELECT substr(OLD.created_at, 1, 10), OLD.status_id, -1 WHERE OLD.state = 'published' AND OLD.merged_into IS NULL
    ON CONFLICT (day, status_id) DO UPDATE SET ideas = ideas + excluded.ideas;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(OLD.created_at, 1, 10), OLD.author_id, -1 WHERE OLD.state = 'published' AND OLD.merged_into IS NULL
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
    INSERT INTO analytics_days (day, category_id, source, ideas, answered, answered_week)
    SELECT substr(NEW.created_at, 1, 10), COALESCE(NEW.category_id, 0), NEW.source, 1, (NEW.answered_at IS NOT NULL), (NEW.answered_at IS NOT NULL AND unixepoch(NEW.answered_at, 'subsec') - unixepoch(NEW.created_at, 'subsec') <= 604800)
    WHERE NEW.state = 'published' AND NEW.merged_into IS NULL
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, ideas = ideas + excluded.ideas,
        answered = answered + excluded.answered, answered_week = answered_week + excluded.answered_week;
    INSERT INTO analytics_statuses (day, status_id, ideas)
    SELECT substr(NEW.created_at, 1, 10), NEW.status_id, 1 WHERE NEW.state = 'published' AND NEW.merged_into IS NULL
    ON CONFLICT (day, status_id) DO UPDATE SET ideas = ideas + excluded.ideas;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(NEW.created_at, 1, 10), NEW.author_id, 1 WHERE NEW.state = 'published' AND NEW.merged_into IS NULL
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
    INSERT INTO analytics_days (day, category_id, source, votes)
    SELECT substr(v.created_at, 1, 10), COALESCE(OLD.category_id, 0), v.source, -COUNT(*)
    FROM votes v WHERE v.idea_id = OLD.id AND (OLD.state = 'published' AND OLD.merged_into IS NULL) AND ((OLD.state = 'published' AND OLD.merged_into IS NULL) <> (NEW.state = 'published' AND NEW.merged_into IS NULL) OR OLD.category_id IS NOT NEW.category_id) GROUP BY 1, 3
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, votes = votes + excluded.votes;
    INSERT INTO analytics_days (day, category_id, source, comments)
    SELECT substr(c.created_at, 1, 10), COALESCE(OLD.category_id, 0), '', -COUNT(*)
    FROM comments c WHERE c.idea_id = OLD.id AND c.state = 'published' AND NOT c.internal AND (OLD.state = 'published' AND OLD.merged_into IS NULL) AND ((OLD.state = 'published' AND OLD.merged_into IS NULL) <> (NEW.state = 'published' AND NEW.merged_into IS NULL) OR OLD.category_id IS NOT NEW.category_id) GROUP BY 1
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, comments = comments + excluded.comments;
    INSERT INTO analytics_days (day, category_id, source, votes)
    SELECT substr(v.created_at, 1, 10), COALESCE(NEW.category_id, 0), v.source, COUNT(*)
    FROM votes v WHERE v.idea_id = NEW.id AND (NEW.state = 'published' AND NEW.merged_into IS NULL) AND ((OLD.state = 'published' AND OLD.merged_into IS NULL) <> (NEW.state = 'published' AND NEW.merged_into IS NULL) OR OLD.category_id IS NOT NEW.category_id) GROUP BY 1, 3
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, votes = votes + excluded.votes;
    INSERT INTO analytics_days (day, category_id, source, comments)
    SELECT substr(c.created_at, 1, 10), COALESCE(NEW.category_id, 0), '', COUNT(*)
    FROM comments c WHERE c.idea_id = NEW.id AND c.state = 'published' AND NOT c.internal AND (NEW.state = 'published' AND NEW.merged_into IS NULL) AND ((OLD.state = 'published' AND OLD.merged_into IS NULL) <> (NEW.state = 'published' AND NEW.merged_into IS NULL) OR OLD.category_id IS NOT NEW.category_id) GROUP BY 1
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, comments = comments + excluded.comments;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT d, u, -SUM(n) FROM (
        SELECT substr(v.created_at, 1, 10) AS d, v.user_id AS u, COUNT(*) AS n FROM votes v
        WHERE v.idea_id = OLD.id GROUP BY 1, 2
        UNION ALL
        SELECT substr(c.created_at, 1, 10), c.user_id, COUNT(*) FROM comments c
        WHERE c.idea_id = OLD.id AND c.state = 'published' AND NOT c.internal GROUP BY 1, 2
    ) WHERE (OLD.state = 'published' AND OLD.merged_into IS NULL) AND ((OLD.state = 'published' AND OLD.merged_into IS NULL) <> (NEW.state = 'published' AND NEW.merged_into IS NULL)) GROUP BY d, u
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT d, u, SUM(n) FROM (
        SELECT substr(v.created_at, 1, 10) AS d, v.user_id AS u, COUNT(*) AS n FROM votes v
        WHERE v.idea_id = NEW.id GROUP BY 1, 2
        UNION ALL
        SELECT substr(c.created_at, 1, 10), c.user_id, COUNT(*) FROM comments c
        WHERE c.idea_id = NEW.id AND c.state = 'published' AND NOT c.internal GROUP BY 1, 2
    ) WHERE (NEW.state = 'published' AND NEW.merged_into IS NULL) AND ((OLD.state = 'published' AND OLD.merged_into IS NULL) <> (NEW.state = 'published' AND NEW.merged_into IS NULL)) GROUP BY d, u
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
END;
-- +goose StatementEnd

-- A deleted idea takes its votes and comments away before the cascade deletes them.
-- +goose StatementBegin
CREATE TRIGGER analytics_ideas_delete BEFORE DELETE ON ideas FOR EACH ROW
WHEN (OLD.state = 'published' AND OLD.merged_into IS NULL)
BEGIN
    INSERT INTO analytics_days (day, category_id, source, ideas, answered, answered_week)
    SELECT substr(OLD.created_at, 1, 10), COALESCE(OLD.category_id, 0), OLD.source, -1, -(OLD.answered_at IS NOT NULL), -(OLD.answered_at IS NOT NULL AND unixepoch(OLD.answered_at, 'subsec') - unixepoch(OLD.created_at, 'subsec') <= 604800)
    WHERE OLD.state = 'published' AND OLD.merged_into IS NULL
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, ideas = ideas + excluded.ideas,
        answered = answered + excluded.answered, answered_week = answered_week + excluded.answered_week;
    INSERT INTO analytics_statuses (day, status_id, ideas)
    SELECT substr(OLD.created_at, 1, 10), OLD.status_id, -1 WHERE OLD.state = 'published' AND OLD.merged_into IS NULL
    ON CONFLICT (day, status_id) DO UPDATE SET ideas = ideas + excluded.ideas;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(OLD.created_at, 1, 10), OLD.author_id, -1 WHERE OLD.state = 'published' AND OLD.merged_into IS NULL
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
    INSERT INTO analytics_days (day, category_id, source, votes)
    SELECT substr(v.created_at, 1, 10), COALESCE(OLD.category_id, 0), v.source, -COUNT(*)
    FROM votes v WHERE v.idea_id = OLD.id AND 1 GROUP BY 1, 3
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, votes = votes + excluded.votes;
    INSERT INTO analytics_days (day, category_id, source, comments)
    SELECT substr(c.created_at, 1, 10), COALESCE(OLD.category_id, 0), '', -COUNT(*)
    FROM comments c WHERE c.idea_id = OLD.id AND c.state = 'published' AND NOT c.internal AND 1 GROUP BY 1
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, comments = comments + excluded.comments;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT d, u, -SUM(n) FROM (
        SELECT substr(v.created_at, 1, 10) AS d, v.user_id AS u, COUNT(*) AS n FROM votes v
        WHERE v.idea_id = OLD.id GROUP BY 1, 2
        UNION ALL
        SELECT substr(c.created_at, 1, 10), c.user_id, COUNT(*) FROM comments c
        WHERE c.idea_id = OLD.id AND c.state = 'published' AND NOT c.internal GROUP BY 1, 2
    ) WHERE 1 GROUP BY d, u
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER analytics_votes_insert AFTER INSERT ON votes FOR EACH ROW
BEGIN
    INSERT INTO analytics_days (day, category_id, source, votes)
    SELECT substr(NEW.created_at, 1, 10), COALESCE(i.category_id, 0), NEW.source, 1
    FROM ideas i WHERE i.id = NEW.idea_id AND i.state = 'published' AND i.merged_into IS NULL
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, votes = votes + excluded.votes;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(NEW.created_at, 1, 10), NEW.user_id, 1
    FROM ideas i WHERE i.id = NEW.idea_id AND i.state = 'published' AND i.merged_into IS NULL
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER analytics_votes_delete AFTER DELETE ON votes FOR EACH ROW
BEGIN
    INSERT INTO analytics_days (day, category_id, source, votes)
    SELECT substr(OLD.created_at, 1, 10), COALESCE(i.category_id, 0), OLD.source, -1
    FROM ideas i WHERE i.id = OLD.idea_id AND i.state = 'published' AND i.merged_into IS NULL
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, votes = votes + excluded.votes;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(OLD.created_at, 1, 10), OLD.user_id, -1
    FROM ideas i WHERE i.id = OLD.idea_id AND i.state = 'published' AND i.merged_into IS NULL
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER analytics_votes_update AFTER UPDATE ON votes FOR EACH ROW
BEGIN
    INSERT INTO analytics_days (day, category_id, source, votes)
    SELECT substr(OLD.created_at, 1, 10), COALESCE(i.category_id, 0), OLD.source, -1
    FROM ideas i WHERE i.id = OLD.idea_id AND i.state = 'published' AND i.merged_into IS NULL
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, votes = votes + excluded.votes;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(OLD.created_at, 1, 10), OLD.user_id, -1
    FROM ideas i WHERE i.id = OLD.idea_id AND i.state = 'published' AND i.merged_into IS NULL
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
    INSERT INTO analytics_days (day, category_id, source, votes)
    SELECT substr(NEW.created_at, 1, 10), COALESCE(i.category_id, 0), NEW.source, 1
    FROM ideas i WHERE i.id = NEW.idea_id AND i.state = 'published' AND i.merged_into IS NULL
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, votes = votes + excluded.votes;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(NEW.created_at, 1, 10), NEW.user_id, 1
    FROM ideas i WHERE i.id = NEW.idea_id AND i.state = 'published' AND i.merged_into IS NULL
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER analytics_comments_insert AFTER INSERT ON comments FOR EACH ROW
BEGIN
    INSERT INTO analytics_days (day, category_id, source, comments)
    SELECT substr(NEW.created_at, 1, 10), COALESCE(i.category_id, 0), '', 1
    FROM ideas i WHERE i.id = NEW.idea_id AND i.state = 'published' AND i.merged_into IS NULL AND NEW.state = 'published' AND NOT NEW.internal
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, comments = comments + excluded.comments;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(NEW.created_at, 1, 10), NEW.user_id, 1
    FROM ideas i WHERE i.id = NEW.idea_id AND i.state = 'published' AND i.merged_into IS NULL AND NEW.state = 'published' AND NOT NEW.internal
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER analytics_comments_delete AFTER DELETE ON comments FOR EACH ROW
BEGIN
    INSERT INTO analytics_days (day, category_id, source, comments)
    SELECT substr(OLD.created_at, 1, 10), COALESCE(i.category_id, 0), '', -1
    FROM ideas i WHERE i.id = OLD.idea_id AND i.state = 'published' AND i.merged_into IS NULL AND OLD.state = 'published' AND NOT OLD.internal
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, comments = comments + excluded.comments;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(OLD.created_at, 1, 10), OLD.user_id, -1
    FROM ideas i WHERE i.id = OLD.idea_id AND i.state = 'published' AND i.merged_into IS NULL AND OLD.state = 'published' AND NOT OLD.internal
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER analytics_comments_update AFTER UPDATE ON comments FOR EACH ROW
BEGIN
    INSERT INTO analytics_days (day, category_id, source, comments)
    SELECT substr(OLD.created_at, 1, 10), COALESCE(i.category_id, 0), '', -1
    FROM ideas i WHERE i.id = OLD.idea_id AND i.state = 'published' AND i.merged_into IS NULL AND OLD.state = 'published' AND NOT OLD.internal
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, comments = comments + excluded.comments;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(OLD.created_at, 1, 10), OLD.user_id, -1
    FROM ideas i WHERE i.id = OLD.idea_id AND i.state = 'published' AND i.merged_into IS NULL AND OLD.state = 'published' AND NOT OLD.internal
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
    INSERT INTO analytics_days (day, category_id, source, comments)
    SELECT substr(NEW.created_at, 1, 10), COALESCE(i.category_id, 0), '', 1
    FROM ideas i WHERE i.id = NEW.idea_id AND i.state = 'published' AND i.merged_into IS NULL AND NEW.state = 'published' AND NOT NEW.internal
    ON CONFLICT (day, category_id, source) DO UPDATE SET changed = abs(random()) % 1000000000, comments = comments + excluded.comments;
    INSERT INTO analytics_members (day, user_id, actions)
    SELECT substr(NEW.created_at, 1, 10), NEW.user_id, 1
    FROM ideas i WHERE i.id = NEW.idea_id AND i.state = 'published' AND i.merged_into IS NULL AND NEW.state = 'published' AND NOT NEW.internal
    ON CONFLICT (day, user_id) DO UPDATE SET actions = actions + excluded.actions;
END;
-- +goose StatementEnd

-- The rollups of the rows there are (the bench's seeder rebuilds them the
-- same way after its bulk load: models.RebuildAnalytics).
INSERT INTO analytics_days (day, category_id, source, ideas, answered, answered_week, votes, comments)
SELECT day, category_id, source, SUM(ideas), SUM(answered), SUM(answered_week), SUM(votes), SUM(comments) FROM (
    SELECT substr(i.created_at, 1, 10) AS day, COALESCE(i.category_id, 0) AS category_id, i.source,
           COUNT(*) AS ideas, COUNT(i.answered_at) AS answered,
           SUM((i.answered_at IS NOT NULL AND unixepoch(i.answered_at, 'subsec') - unixepoch(i.created_at, 'subsec') <= 604800)) AS answered_week,
           0 AS votes, 0 AS comments
    FROM ideas i WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2, 3
    UNION ALL
    SELECT substr(v.created_at, 1, 10), COALESCE(i.category_id, 0), v.source, 0, 0, 0, COUNT(*), 0
    FROM votes v JOIN ideas i ON i.id = v.idea_id
    WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2, 3
    UNION ALL
    SELECT substr(c.created_at, 1, 10), COALESCE(i.category_id, 0), '', 0, 0, 0, 0, COUNT(*)
    FROM comments c JOIN ideas i ON i.id = c.idea_id
    WHERE c.state = 'published' AND NOT c.internal AND i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
) AS parts GROUP BY day, category_id, source;
INSERT INTO analytics_statuses (day, status_id, ideas)
SELECT substr(created_at, 1, 10), status_id, COUNT(*) FROM ideas
WHERE state = 'published' AND merged_into IS NULL GROUP BY 1, 2;
INSERT INTO analytics_members (day, user_id, actions)
SELECT day, user_id, SUM(n) FROM (
    SELECT substr(i.created_at, 1, 10) AS day, i.author_id AS user_id, COUNT(*) AS n
    FROM ideas i WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
    UNION ALL
    SELECT substr(v.created_at, 1, 10), v.user_id, COUNT(*)
    FROM votes v JOIN ideas i ON i.id = v.idea_id
    WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
    UNION ALL
    SELECT substr(c.created_at, 1, 10), c.user_id, COUNT(*)
    FROM comments c JOIN ideas i ON i.id = c.idea_id
    WHERE c.state = 'published' AND NOT c.internal AND i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
) AS acts GROUP BY day, user_id;

-- +goose Down
DROP TRIGGER analytics_comments_update;
DROP TRIGGER analytics_comments_delete;
DROP TRIGGER analytics_comments_insert;
DROP TRIGGER analytics_votes_update;
DROP TRIGGER analytics_votes_delete;
DROP TRIGGER analytics_votes_insert;
DROP TRIGGER analytics_ideas_delete;
DROP TRIGGER analytics_ideas_update;
DROP TRIGGER analytics_ideas_insert;
DROP INDEX ideas_unanswered_created;
DROP INDEX ideas_answered_created;
DROP TABLE analytics_members;
DROP TABLE analytics_statuses;
DROP TABLE analytics_days;
