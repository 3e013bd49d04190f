-- +goose Up
-- Releases and everything a release accumulates: its analyses (one per
-- judged window), the decisions made on it, and the append-only audit log.
-- Timestamps are written by the application (UTC, microseconds), never by
-- now(), so that the judge stays a pure function of the time passed in.
CREATE TABLE releases (
    id                  text PRIMARY KEY,
    service             text NOT NULL REFERENCES services (name),
    target              text NOT NULL,
    version             text NOT NULL,
    baseline_version    text NOT NULL,
    migrations          jsonb NOT NULL DEFAULT '[]',
    state               text NOT NULL
        CHECK (state IN ('baking', 'promoted', 'rolling_back', 'rolled_back', 'halted')),
    state_reason        text NOT NULL DEFAULT '',
    policy_version      integer NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    rollback_started_at timestamptz,
    rollback_deadline   timestamptz,
    auto_rollbacks      integer NOT NULL DEFAULT 0 CHECK (auto_rollbacks >= 0),
    rollback_attempted  boolean NOT NULL DEFAULT false
);

-- Backstop for "one active release per service and target": the store
-- checks first and names the active release; this index catches the race.
CREATE UNIQUE INDEX releases_one_active ON releases (service, target)
    WHERE state IN ('baking', 'rolling_back', 'halted');
-- The stuck-rollback sweeper: rolling_back releases by deadline.
CREATE INDEX releases_rollback_deadline ON releases (rollback_deadline)
    WHERE state = 'rolling_back';
CREATE INDEX releases_service ON releases (service, created_at);

CREATE TABLE analyses (
    id             bigserial PRIMARY KEY,
    release_id     text NOT NULL REFERENCES releases (id),
    seq            integer NOT NULL CHECK (seq > 0),
    -- NULL when the metric source failed (error is then true).
    verdict        text CHECK (verdict IN ('pass', 'marginal', 'fail', 'nodata')),
    error          boolean NOT NULL DEFAULT false,
    score          double precision,
    result         jsonb,
    source_error   text NOT NULL DEFAULT '',
    policy_version integer NOT NULL,
    window_at      timestamptz NOT NULL,
    created_at     timestamptz NOT NULL,
    UNIQUE (release_id, seq)
);
CREATE INDEX analyses_created_at ON analyses (created_at, id);

CREATE TABLE decisions (
    id          bigserial PRIMARY KEY,
    release_id  text NOT NULL REFERENCES releases (id),
    service     text NOT NULL,
    target      text NOT NULL,
    analysis_id bigint REFERENCES analyses (id),
    trigger     text NOT NULL,
    actor       text NOT NULL DEFAULT '',
    automatic   boolean NOT NULL DEFAULT false,
    state_from  text NOT NULL,
    action      text NOT NULL,
    reason      text NOT NULL,
    state_to    text NOT NULL,
    decision    jsonb NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX decisions_release ON decisions (release_id, id);
CREATE INDEX decisions_analysis ON decisions (analysis_id) WHERE analysis_id IS NOT NULL;
-- The rollback cap: automatic rollbacks since T, fleet-wide and per service
-- (few rows by construction: the cap bounds them).
CREATE INDEX decisions_auto_rollbacks ON decisions (created_at, service)
    WHERE automatic AND action = 'rollback';

-- The audit log is append-only: no foreign keys (it outlives what it
-- describes) and a trigger refusing UPDATE, DELETE and TRUNCATE.
CREATE TABLE audit_log (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL,
    actor          text NOT NULL DEFAULT '',
    action         text NOT NULL,
    service        text NOT NULL DEFAULT '',
    release_id     text NOT NULL DEFAULT '',
    policy_version integer NOT NULL DEFAULT 0,
    input          json,  -- json, not jsonb: the audit keeps what was received, as received
    output         json
);
CREATE INDEX audit_log_release ON audit_log (release_id, id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE decisions;
DROP TABLE analyses;
DROP TABLE releases;
