-- +goose Up
-- The team's triage. An idea is triaged once the team has set its status,
-- assignee, impact or effort, or answered it; it is answered once team or a
-- moderator first wrote a public status note or a public comment on it (when
-- someone else proposed it). Both moments are stored, so the inbox's views
-- read an index instead of the status history and the comments.
ALTER TABLE ideas ADD COLUMN triaged_at DATETIME;
ALTER TABLE ideas ADD COLUMN answered_at DATETIME;

UPDATE ideas SET answered_at = (
    SELECT MIN(t) FROM (
        SELECT sc.created_at AS t FROM status_changes sc
        WHERE sc.idea_id = ideas.id AND sc.note <> '' AND sc.actor_id <> ideas.author_id
        UNION ALL
        SELECT c.created_at AS t FROM comments c JOIN users u ON u.id = c.user_id
        WHERE c.idea_id = ideas.id AND c.internal = FALSE AND c.state = 'published'
          AND c.user_id <> ideas.author_id AND u.role IN ('moderator', 'team', 'admin')
    ) AS answers
);
UPDATE ideas SET triaged_at = (
    SELECT MIN(t) FROM (
        SELECT sc.created_at AS t FROM status_changes sc WHERE sc.idea_id = ideas.id
        UNION ALL
        SELECT ideas.answered_at AS t WHERE ideas.answered_at IS NOT NULL
        UNION ALL
        SELECT ideas.updated_at AS t
        WHERE ideas.assignee_id IS NOT NULL OR ideas.impact IS NOT NULL OR ideas.effort IS NOT NULL
    ) AS steps
);

-- The inbox lists published ideas (state is a constant in its queries), by
-- votes, newest, score or oldest without an answer; the untriaged view, the
-- unanswered ideas and each assignee's ideas have indexes of their own. Each
-- starts with the columns the inbox compares for equality (IS NULL counts
-- here), then its order, so a page is read in order and stops after its rows.
CREATE INDEX ideas_triage_votes ON ideas (state, votes DESC, id DESC);
CREATE INDEX ideas_triage_new ON ideas (state, created_at DESC, id DESC);
CREATE INDEX ideas_triage_score ON ideas (state, (CAST(votes AS REAL) * impact / effort) DESC, id DESC);
CREATE INDEX ideas_untriaged_new ON ideas (state, triaged_at, created_at DESC, id DESC);
CREATE INDEX ideas_untriaged_votes ON ideas (state, triaged_at, votes DESC, id DESC);
CREATE INDEX ideas_unanswered_age ON ideas (state, answered_at, created_at, id);
CREATE INDEX ideas_assignee_votes ON ideas (assignee_id, state, votes DESC, id DESC);
CREATE INDEX ideas_assignee_new ON ideas (assignee_id, state, created_at DESC, id DESC);

-- +goose Down
DROP INDEX ideas_assignee_new;
DROP INDEX ideas_assignee_votes;
DROP INDEX ideas_unanswered_age;
DROP INDEX ideas_untriaged_votes;
DROP INDEX ideas_untriaged_new;
DROP INDEX ideas_triage_score;
DROP INDEX ideas_triage_new;
DROP INDEX ideas_triage_votes;
ALTER TABLE ideas DROP COLUMN answered_at;
ALTER TABLE ideas DROP COLUMN triaged_at;
