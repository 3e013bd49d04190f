-- +goose Up
-- Hardening (issue 9): stale releases, the release list, audit paging and
-- token management.

-- A baking release must get an analysis before analysis_deadline (its last
-- analysis, or its creation, plus the policy's windows.stale_after);
-- otherwise the sweeper escalates it (no_analysis). Releases baking when
-- this migration runs get the default, 3 x the default 5m interval, from
-- their last analysis.
ALTER TABLE releases ADD COLUMN analysis_deadline timestamptz;
-- canaryjudge:allow update-rows fills only analysis_deadline, added above; the previous release never reads it
UPDATE releases r SET analysis_deadline = greatest(r.created_at,
        coalesce((SELECT max(a.created_at) FROM analyses a WHERE a.release_id = r.id), r.created_at))
    + interval '15 minutes'
WHERE r.state = 'baking';
-- The stale-release sweeper: baking releases by deadline.
CREATE INDEX releases_analysis_deadline ON releases (analysis_deadline)
    WHERE state = 'baking';
-- GET /v1/releases: newest first by keyset (created_at, id in byte order),
-- optionally by state (by service: releases_service).
CREATE INDEX releases_created ON releases (created_at DESC, (id COLLATE "C") DESC);
CREATE INDEX releases_state_created ON releases (state, created_at DESC, (id COLLATE "C") DESC);

-- The whole audit log by service, newest first (GET /v1/audit?service=).
CREATE INDEX audit_log_service ON audit_log (service, id);

-- Tokens: names are unique (a revoke names the token), a token may be
-- limited to some services (empty: all), and the last use is kept (to a
-- minute). Duplicate names that exist already keep the oldest token's name;
-- the others get their id appended.
ALTER TABLE tokens ADD COLUMN services text[] NOT NULL DEFAULT '{}';
ALTER TABLE tokens ADD COLUMN last_used_at timestamptz;
-- canaryjudge:allow update-rows renames duplicate token names only; tokens authenticate by hash, so the previous release is unaffected
UPDATE tokens t SET name = left(t.name, 40) || '-' || t.id
WHERE EXISTS (SELECT 1 FROM tokens o WHERE o.name = t.name
              AND (o.created_at, o.id) < (t.created_at, t.id));
-- canaryjudge:allow create-unique-index duplicates are renamed just above, and the previous release never creates tokens under a taken name in practice (token create is a rare admin act)
CREATE UNIQUE INDEX tokens_name ON tokens (name);

-- +goose Down
DROP INDEX tokens_name;
ALTER TABLE tokens DROP COLUMN last_used_at;
ALTER TABLE tokens DROP COLUMN services;
DROP INDEX audit_log_service;
DROP INDEX releases_state_created;
DROP INDEX releases_created;
DROP INDEX releases_analysis_deadline;
ALTER TABLE releases DROP COLUMN analysis_deadline;
