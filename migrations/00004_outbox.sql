-- +goose Up
-- The transactional outbox: one row per (notification, sink), written in the
-- decision's transaction and delivered by notify.Dispatcher. A claim hides a
-- row by moving next_attempt_at to the end of its lease.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    release_id      text NOT NULL DEFAULT '',
    service         text NOT NULL DEFAULT '',
    target          text NOT NULL DEFAULT '',
    kind            text NOT NULL,
    summary         text NOT NULL DEFAULT '',
    severity        text NOT NULL DEFAULT '',
    details         jsonb,
    sink            jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    delivered_at    timestamptz,
    dead            boolean NOT NULL DEFAULT false,
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL
);
-- Rows still to deliver, for Claim.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id)
    WHERE delivered_at IS NULL AND NOT dead;

-- +goose Down
DROP TABLE outbox;
