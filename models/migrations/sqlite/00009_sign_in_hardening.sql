-- +goose Up
-- When a user first signed in: SAMEN_ADMIN_EMAILS promotes only then, so a
-- later demotion sticks. Users who have signed in before (they have a
-- session or a provider account) count as signed in when they were made.
ALTER TABLE users ADD COLUMN first_signed_in_at DATETIME;
UPDATE users SET first_signed_in_at = created_at
WHERE id IN (SELECT user_id FROM sessions) OR id IN (SELECT user_id FROM identities);

-- API tokens may expire, and may be limited to reading.
ALTER TABLE api_tokens ADD COLUMN expires_at DATETIME;
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN read_only;
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE users DROP COLUMN first_signed_in_at;
