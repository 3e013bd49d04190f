-- +goose Up
-- The freeze switch: at most one freeze per scope ("global" or
-- "service:NAME"); expires_at NULL means until lifted.
CREATE TABLE freezes (
    scope      text PRIMARY KEY,
    reason     text NOT NULL DEFAULT '',
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    expires_at timestamptz
);

-- Stored responses for Idempotency-Key: scope is the route and caller. The
-- body is kept byte for byte (bytea, not jsonb, which would reorder keys
-- and respace): a replay must be identical to the first answer.
CREATE TABLE idempotency (
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    status       integer NOT NULL,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- API bearer tokens; only a hash of the secret is kept.
CREATE TABLE tokens (
    id         text PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    hash       bytea NOT NULL UNIQUE,
    scopes     text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE tokens;
DROP TABLE idempotency;
DROP TABLE freezes;
