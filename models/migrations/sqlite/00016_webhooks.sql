-- +goose Up
-- Webhooks: endpoints the admins registered, the events each one hears, and
-- every delivery with each attempt at it (the delivery log).
CREATE TABLE webhooks (
    id                   INTEGER  PRIMARY KEY AUTOINCREMENT,
    url                  TEXT        NOT NULL,
    -- events is a comma-separated list with a comma on either end
    -- (",idea.created,vote.created,"), so one LIKE finds the subscribers.
    events               TEXT        NOT NULL,
    secret               TEXT        NOT NULL,
    disabled_at          DATETIME   ,
    disabled_reason      TEXT        NOT NULL DEFAULT '',
    consecutive_failures INTEGER     NOT NULL DEFAULT 0,
    created_by           INTEGER     REFERENCES users (id) ON DELETE SET NULL,
    created_at           DATETIME    NOT NULL,
    updated_at           DATETIME    NOT NULL
);

CREATE TABLE webhook_deliveries (
    id           INTEGER  PRIMARY KEY AUTOINCREMENT,
    webhook_id   INTEGER     NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- message_id is the webhook-id header: the same on every attempt.
    message_id   TEXT        NOT NULL UNIQUE,
    type         TEXT        NOT NULL,
    payload      TEXT        NOT NULL,
    created_at   DATETIME    NOT NULL,
    delivered_at DATETIME   ,
    -- failed_at is set when the last scheduled attempt failed.
    failed_at    DATETIME   
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id DESC);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (id) WHERE delivered_at IS NULL AND failed_at IS NULL;

CREATE TABLE webhook_attempts (
    id          INTEGER  PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER     NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          DATETIME    NOT NULL,
    status_code INTEGER     NOT NULL DEFAULT 0,
    duration_ms INTEGER     NOT NULL DEFAULT 0,
    response    TEXT        NOT NULL DEFAULT '',
    error       TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
