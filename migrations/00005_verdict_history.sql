-- +goose Up
-- verdict_history: one row per analysis (judged window), for dashboards
-- (Grafana reads it) and for GET .../verdicts. Columns:
--
--   analysis_id     analyses.id; with "at", the keyset for paging
--   service         the release's service
--   target          the release's target (cluster, region, ...)
--   release_id      the release the window belongs to
--   version         the canary version under test
--   seq             1, 2, ... : the window's number within the release
--   verdict         pass | marginal | fail | nodata; NULL when the metric
--                   source failed (then error is true)
--   error           true when the metric source failed
--   source_error    why the source failed ('' otherwise)
--   score           0-100, NULL when there was no result
--   policy_version  the policy version the window was judged with
--   action          promote | wait | rollback | escalate: the decision made
--                   on this window (the newest, if several); NULL if none
--   reason          that decision's reason code (bake_incomplete, ...)
--   state           the release's state after that decision
--   at              when the window was judged (analyses.created_at, UTC)
--
-- Newest first is ORDER BY at DESC, analysis_id DESC.
CREATE VIEW verdict_history AS
SELECT a.id AS analysis_id,
       r.service,
       r.target,
       a.release_id,
       r.version,
       a.seq,
       a.verdict,
       a.error,
       a.source_error,
       a.score,
       a.policy_version,
       d.action,
       d.reason,
       d.state_to AS state,
       a.created_at AS at
FROM analyses a
JOIN releases r ON r.id = a.release_id
LEFT JOIN LATERAL (
    SELECT x.action, x.reason, x.state_to
    FROM decisions x
    WHERE x.analysis_id = a.id
    ORDER BY x.id DESC
    LIMIT 1
) d ON true;

COMMENT ON VIEW verdict_history IS
    'One row per analysis with the decision made on it; newest first is ORDER BY at DESC, analysis_id DESC.';

-- +goose Down
DROP VIEW verdict_history;
