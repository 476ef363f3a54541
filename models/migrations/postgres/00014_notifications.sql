-- +goose Up
-- Closing the loop. An event is something that happened which members may
-- hear of; it is written in the same transaction as the change that causes
-- it, and a job fans it out into one notification per member who hears of
-- it. An event with a recipient goes to that member alone (a reply, a
-- mention, a report's outcome, hidden content); one without goes to the
-- idea's subscribers.
CREATE TABLE events (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT        NOT NULL,
    idea_id       BIGINT      REFERENCES ideas (id) ON DELETE CASCADE,
    other_idea_id BIGINT      REFERENCES ideas (id) ON DELETE CASCADE,
    comment_id    BIGINT      REFERENCES comments (id) ON DELETE CASCADE,
    entry_id      BIGINT      REFERENCES changelog_entries (id) ON DELETE CASCADE,
    actor_id      BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    recipient_id  BIGINT      REFERENCES users (id) ON DELETE CASCADE,
    detail        TEXT        NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    fanned_out_at TIMESTAMPTZ
);
CREATE INDEX events_pending ON events (created_at) WHERE fanned_out_at IS NULL;

-- Who follows an idea. following = false remembers an unfollow, so taking
-- part again does not subscribe the member anew.
CREATE TABLE subscriptions (
    idea_id    BIGINT      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    following  BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (idea_id, user_id)
);
CREATE INDEX subscriptions_user ON subscriptions (user_id, created_at DESC) WHERE following;

-- Who follows a category, to hear of its new ideas.
CREATE TABLE category_subscriptions (
    category_id BIGINT      NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (category_id, user_id)
);
CREATE INDEX category_subscriptions_user ON category_subscriptions (user_id);

-- One member's copy of an event: the in-app inbox, and what email sends.
-- The text is made when read, in the reader's language, from the kind, the
-- idea, the actor and the detail. emailed_at is set once an email (instant
-- or digest) carried it, or when the member's preference means none will.
CREATE TABLE notifications (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id   BIGINT      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind       TEXT        NOT NULL,
    idea_id    BIGINT      REFERENCES ideas (id) ON DELETE CASCADE,
    comment_id BIGINT      REFERENCES comments (id) ON DELETE CASCADE,
    entry_id   BIGINT      REFERENCES changelog_entries (id) ON DELETE CASCADE,
    actor_id   BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    detail     TEXT        NOT NULL DEFAULT '',
    read_at    TIMESTAMPTZ,
    emailed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (event_id, user_id)
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_unsent ON notifications (user_id, idea_id) WHERE emailed_at IS NULL;
CREATE INDEX notifications_read ON notifications (read_at) WHERE read_at IS NOT NULL;

-- A member's preferences: whether taking part follows an idea, how often a
-- digest comes, and per notification kind instant, digest or off (a JSON
-- object; a kind not in it takes the default).
ALTER TABLE users ADD COLUMN auto_subscribe BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN email_digest TEXT NOT NULL DEFAULT 'daily';
ALTER TABLE users ADD COLUMN email_prefs TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE users DROP COLUMN email_prefs;
ALTER TABLE users DROP COLUMN email_digest;
ALTER TABLE users DROP COLUMN auto_subscribe;
DROP TABLE notifications;
DROP TABLE category_subscriptions;
DROP TABLE subscriptions;
DROP TABLE events;
