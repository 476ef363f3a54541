-- +goose Up
-- Keys the server makes for itself on first use, as the one that signs the
-- unsubscribe links in emails: they must outlive restarts and be the same
-- for every instance, so they live with the data.
CREATE TABLE secrets (
    name       TEXT        PRIMARY KEY,
    value      TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE secrets;
