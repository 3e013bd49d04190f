-- +goose Up
-- Analyses carry their window: the start (the end is window_at) and, per
-- metric, the sufficient statistics later windows pool (judge.MetricSummary).
-- Both columns are nullable so that the previous release keeps working
-- against this schema (expand only); rows written before it read their
-- start as their end.
ALTER TABLE analyses ADD COLUMN window_start timestamptz;
ALTER TABLE analyses ADD COLUMN summary jsonb;

-- +goose Down
ALTER TABLE analyses DROP COLUMN summary;
ALTER TABLE analyses DROP COLUMN window_start;
