-- +goose Up
-- The Kayenta-compatible API (issue 13): each canary execution is one
-- judgement of a service's policy over the scopes the caller named, kept so
-- that GET /kayenta/canary/{id} answers from any replica. A new table: the
-- previous release never reads it.
CREATE TABLE kayenta_executions (
    id             text PRIMARY KEY,
    service        text NOT NULL REFERENCES services (name) ON DELETE CASCADE,
    policy_version integer NOT NULL CHECK (policy_version > 0),
    params         jsonb NOT NULL DEFAULT '{}',
    request        jsonb NOT NULL,
    status         text NOT NULL CHECK (status IN ('succeeded', 'terminal')),
    result         jsonb,
    error          text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    ended_at       timestamptz NOT NULL
);
CREATE INDEX kayenta_executions_service ON kayenta_executions (service, created_at DESC);

-- +goose Down
DROP TABLE kayenta_executions;
