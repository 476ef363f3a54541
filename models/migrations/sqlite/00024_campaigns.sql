-- +goose Up
-- Co-creation rounds: a campaign asks the community one question in a brief,
-- takes ideas within its submission dates, lets members vote (from a budget
-- of points when it has one, counts sealed until the reveal when asked),
-- and ends with the team's results.
CREATE TABLE campaigns (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    slug                 TEXT        NOT NULL UNIQUE,
    title                TEXT        NOT NULL,
    brief                TEXT        NOT NULL DEFAULT '',
    brief_html           TEXT        NOT NULL DEFAULT '',
    image_id             INTEGER      REFERENCES images (id) ON DELETE SET NULL,
    phase                TEXT        NOT NULL DEFAULT 'draft',
    submission_opens_at  DATETIME,
    submission_closes_at DATETIME,
    voting_opens_at      DATETIME,
    voting_closes_at     DATETIME,
    budget               INTEGER     NOT NULL DEFAULT 0 CHECK (budget >= 0),
    max_per_idea         INTEGER     NOT NULL DEFAULT 0 CHECK (max_per_idea >= 0),
    sealed               BOOLEAN     NOT NULL DEFAULT FALSE,
    revealed_at          DATETIME,
    created_by           INTEGER      REFERENCES users (id) ON DELETE SET NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    CHECK (phase IN ('draft', 'submission', 'voting', 'review', 'results'))
);
CREATE INDEX campaigns_phase ON campaigns (phase, id DESC);

CREATE TABLE campaign_categories (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (campaign_id, category_id)
);

CREATE TABLE campaign_questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER  NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('text', 'choice', 'number')),
    prompt      TEXT    NOT NULL,
    choices     TEXT    NOT NULL DEFAULT '',
    required    BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (campaign_id, position)
);

-- Every phase a campaign entered, by whom and when: its page shows them.
CREATE TABLE campaign_phases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER      NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    phase       TEXT        NOT NULL,
    actor_id    INTEGER      REFERENCES users (id) ON DELETE SET NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX campaign_phases_campaign ON campaign_phases (campaign_id, id);

ALTER TABLE ideas ADD COLUMN campaign_id INTEGER REFERENCES campaigns (id) ON DELETE SET NULL;
CREATE INDEX ideas_campaign ON ideas (campaign_id, id) WHERE campaign_id IS NOT NULL;

CREATE TABLE idea_answers (
    idea_id     INTEGER NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES campaign_questions (id) ON DELETE CASCADE,
    answer      TEXT   NOT NULL,
    PRIMARY KEY (idea_id, question_id)
);

-- A member's budget in a campaign: spent never passes the campaign's budget,
-- checked in the one statement that spends (see Store.SpendPoints).
CREATE TABLE campaign_budgets (
    campaign_id INTEGER  NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id     INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    spent       INTEGER NOT NULL DEFAULT 0 CHECK (spent >= 0),
    PRIMARY KEY (campaign_id, user_id)
);

-- The points a member gave an idea of a campaign.
CREATE TABLE campaign_points (
    campaign_id INTEGER      NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    idea_id     INTEGER      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    user_id     INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    points      INTEGER     NOT NULL CHECK (points > 0),
    updated_at  DATETIME NOT NULL,
    PRIMARY KEY (idea_id, user_id)
);
CREATE INDEX campaign_points_member ON campaign_points (campaign_id, user_id);

-- The team's decision on a shortlisted idea, published in the results phase.
CREATE TABLE campaign_results (
    campaign_id INTEGER      NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    idea_id     INTEGER      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    decision    TEXT        NOT NULL CHECK (decision IN ('chosen', 'considered', 'declined')),
    answer      TEXT        NOT NULL DEFAULT '',
    answer_html TEXT        NOT NULL DEFAULT '',
    updated_at  DATETIME NOT NULL,
    PRIMARY KEY (campaign_id, idea_id)
);

-- +goose Down
DROP TABLE campaign_results;
DROP TABLE campaign_points;
DROP TABLE campaign_budgets;
DROP TABLE idea_answers;
DROP INDEX ideas_campaign;
ALTER TABLE ideas DROP COLUMN campaign_id;
DROP TABLE campaign_phases;
DROP TABLE campaign_questions;
DROP TABLE campaign_categories;
DROP TABLE campaigns;
