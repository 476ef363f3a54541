-- +goose Up
-- One row per OAuth sign-in in progress, keyed by the hash of a short-lived
-- cookie: state, PKCE verifier, nonce and the provider's session.
CREATE TABLE auth_states (
    id            BIGSERIAL PRIMARY KEY,
    token_hash    BYTEA       NOT NULL UNIQUE,
    provider      TEXT        NOT NULL,
    state         TEXT        NOT NULL,
    verifier      TEXT        NOT NULL,
    nonce         TEXT        NOT NULL,
    goth_session  TEXT        NOT NULL,
    next_path     TEXT        NOT NULL DEFAULT '',
    link_user_id  BIGINT      REFERENCES users (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_states_expires_at ON auth_states (expires_at);
CREATE INDEX login_tokens_email ON login_tokens (email, created_at);

-- +goose Down
DROP INDEX login_tokens_email;
DROP TABLE auth_states;
