-- +goose Up
-- Branding: the community's own name, images, colour, welcome text, footer
-- links and stylesheet. One row (id 1); version grows with every save, so
-- every instance sees a change on its next request (it reads the version,
-- cheaply, per request, and reloads the rest only when it moved).
-- Images are stored as the PNG Samen re-encoded, never as uploaded.
CREATE TABLE branding (
    id              INTEGER     PRIMARY KEY CHECK (id = 1),
    version         INTEGER     NOT NULL DEFAULT 1,
    name            TEXT        NOT NULL DEFAULT '',
    accent          TEXT        NOT NULL DEFAULT '',
    welcome_en      TEXT        NOT NULL DEFAULT '',
    welcome_en_html TEXT        NOT NULL DEFAULT '',
    welcome_nl      TEXT        NOT NULL DEFAULT '',
    welcome_nl_html TEXT        NOT NULL DEFAULT '',
    privacy_url     TEXT        NOT NULL DEFAULT '',
    terms_url       TEXT        NOT NULL DEFAULT '',
    site_url        TEXT        NOT NULL DEFAULT '',
    custom_css      TEXT        NOT NULL DEFAULT '',
    logo            BLOB,
    favicon         BLOB,
    favicon_180     BLOB,
    updated_by      INTEGER     REFERENCES users (id) ON DELETE SET NULL,
    updated_at      DATETIME
);
INSERT INTO branding (id) VALUES (1);

-- +goose Down
DROP TABLE branding;
