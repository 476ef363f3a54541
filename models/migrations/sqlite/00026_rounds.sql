-- +goose Up
-- Prototype feedback rounds: for an idea that is planned or in progress, the
-- team asks the idea's voters (all of them, or a random sample) a short
-- questionnaire until a closing date. The participants are drawn when the
-- round opens; each answers once and may change the answers until it closes.
CREATE TABLE rounds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    idea_id     INTEGER      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    title       TEXT        NOT NULL,
    intro       TEXT        NOT NULL DEFAULT '',
    intro_html  TEXT        NOT NULL DEFAULT '',
    closes_at   DATETIME NOT NULL,
    -- sample_size is the number of voters asked; NULL asks every voter.
    sample_size INTEGER     CHECK (sample_size IS NULL OR sample_size >= 1),
    status      TEXT        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by  INTEGER      REFERENCES users (id) ON DELETE SET NULL,
    created_at  DATETIME NOT NULL,
    closed_at   DATETIME,
    -- reminded_at is when the participants who had not answered were
    -- reminded: once per round.
    reminded_at DATETIME
);
CREATE INDEX rounds_idea ON rounds (idea_id, id DESC);
CREATE INDEX rounds_open ON rounds (closes_at) WHERE status = 'open';

CREATE TABLE round_questions (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id INTEGER  NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind IN ('rating', 'yesno', 'text')),
    prompt   TEXT    NOT NULL,
    required BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (round_id, position)
);

-- The voters invited to a round, drawn when it opened.
CREATE TABLE round_participants (
    round_id   INTEGER      NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id    INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_at DATETIME NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX round_participants_user ON round_participants (user_id);

-- A participant's response: one per participant and round.
CREATE TABLE round_responses (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id   INTEGER      NOT NULL,
    user_id    INTEGER      NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (round_id, user_id),
    FOREIGN KEY (round_id, user_id) REFERENCES round_participants (round_id, user_id) ON DELETE CASCADE
);

-- An answer: a rating "1" to "5", "yes" or "no", or free text.
CREATE TABLE round_answers (
    response_id INTEGER NOT NULL REFERENCES round_responses (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES round_questions (id) ON DELETE CASCADE,
    answer      TEXT   NOT NULL,
    PRIMARY KEY (response_id, question_id)
);

-- +goose Down
DROP TABLE round_answers;
DROP TABLE round_responses;
DROP TABLE round_participants;
DROP TABLE round_questions;
DROP TABLE rounds;
