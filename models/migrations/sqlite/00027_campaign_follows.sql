-- +goose Up
-- A campaign's followers hear of each phase it enters: those who follow it
-- from its page, and members who submit an idea to it or vote in it (unless
-- their preferences say not to, or they stopped following it).
CREATE TABLE campaign_subscriptions (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    following   BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  DATETIME NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX campaign_subscriptions_user ON campaign_subscriptions (user_id);

-- An event and its notifications may speak of a campaign.
ALTER TABLE events ADD COLUMN campaign_id INTEGER REFERENCES campaigns (id) ON DELETE CASCADE;
ALTER TABLE notifications ADD COLUMN campaign_id INTEGER REFERENCES campaigns (id) ON DELETE CASCADE;

-- +goose Down
ALTER TABLE notifications DROP COLUMN campaign_id;
ALTER TABLE events DROP COLUMN campaign_id;
DROP TABLE campaign_subscriptions;
