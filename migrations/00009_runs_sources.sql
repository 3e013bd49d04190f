-- +goose Up
-- Scheduled runs (issue 11): metric sources configured once, runs that pull
-- a release's windows on schedule, and one record per judged window with
-- the queries that were asked. New tables only (expand).

-- A source's config is its backend's JSON document; it may hold
-- credentials, so the API reads it back redacted and the audit log never
-- copies it.
CREATE TABLE sources (
    name       text PRIMARY KEY,
    type       text NOT NULL,
    config     jsonb NOT NULL,
    version    integer NOT NULL CHECK (version > 0),
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL DEFAULT ''
);

-- A run leases itself to one worker at a time: a worker claims due rows
-- with FOR UPDATE SKIP LOCKED, sets lease_owner/lease_until and bumps
-- claim; a lease that expires (a crashed worker) lets another take over,
-- and only the current claim may complete the window.
CREATE TABLE runs (
    id                 text PRIMARY KEY,
    release_id         text NOT NULL REFERENCES releases (id),
    service            text NOT NULL,
    source             text NOT NULL,
    scope              jsonb NOT NULL,
    start_at           timestamptz NOT NULL,
    interval_us        bigint NOT NULL CHECK (interval_us > 0),
    lookback_us        bigint NOT NULL CHECK (lookback_us > 0),
    delay_us           bigint NOT NULL DEFAULT 0 CHECK (delay_us >= 0),
    windows            integer NOT NULL CHECK (windows > 0),
    done               integer NOT NULL DEFAULT 0 CHECK (done >= 0 AND done <= windows),
    state              text NOT NULL CHECK (state IN ('RUNNING', 'SUCCEEDED', 'TERMINAL', 'CANCELED')),
    reason             text NOT NULL DEFAULT '',
    decision           jsonb,
    latest_analysis_id bigint REFERENCES analyses (id),
    next_due           timestamptz NOT NULL,
    claim              bigint NOT NULL DEFAULT 0,
    lease_owner        text,
    lease_until        timestamptz,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    created_by         text NOT NULL DEFAULT ''
);
-- One running run per release (the store names it first; this catches the race).
CREATE UNIQUE INDEX runs_one_running ON runs (release_id) WHERE state = 'RUNNING';
-- Workers: running runs by due time.
CREATE INDEX runs_due ON runs (next_due) WHERE state = 'RUNNING';
-- GET /v1/runs: newest first, optionally by state.
CREATE INDEX runs_created ON runs (created_at DESC, (id COLLATE "C") DESC);
CREATE INDEX runs_state_created ON runs (state, created_at DESC, (id COLLATE "C") DESC);

CREATE TABLE run_windows (
    run_id       text NOT NULL REFERENCES runs (id),
    seq          integer NOT NULL CHECK (seq > 0),
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    analysis_id  bigint REFERENCES analyses (id),
    source_error text NOT NULL DEFAULT '',
    queries      jsonb NOT NULL DEFAULT '[]',
    action       text NOT NULL DEFAULT '',
    reason       text NOT NULL DEFAULT '',
    worker       text NOT NULL DEFAULT '',
    claim        bigint NOT NULL,
    adopted      boolean NOT NULL DEFAULT false,
    started_at   timestamptz NOT NULL,
    lag_us       bigint NOT NULL DEFAULT 0,
    at           timestamptz NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- +goose Down
DROP TABLE run_windows;
DROP TABLE runs;
DROP TABLE sources;
