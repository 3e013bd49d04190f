-- +goose Up
-- Issue 26: an analysis result and an audit output larger than 1 KB are
-- stored DEFLATE-compressed (RFC 1951) by canaryjudge in result_z and
-- output_z, with result and output NULL; smaller ones stay as before. A
-- result of 10 metrics is 11.8 KB of JSON: PostgreSQL parsed it into jsonb
-- and compressed that with pglz to 3.5 KB, a third of its CPU per decision;
-- DEFLATE keeps it in 3.0 KB and PostgreSQL stores the bytes as they come.
-- STORAGE EXTERNAL stops PostgreSQL from compressing them again.
-- Expand: every column of the previous release is still written and read.
-- A previous release shows result and output null for what this release
-- stored compressed (the data is intact in the new columns); it never
-- decides from them (a release's evidence is rebuilt from summary, which
-- stays jsonb), so rolling canaryjudge back loses no decision.
-- Both statements change only the catalog; the lock is brief, but bounded
-- anyway (a deploy retries a migration that timed out).
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '1min';
ALTER TABLE analyses ADD COLUMN result_z bytea;
ALTER TABLE analyses ALTER COLUMN result_z SET STORAGE EXTERNAL;
ALTER TABLE audit_log ADD COLUMN output_z bytea;
ALTER TABLE audit_log ALTER COLUMN output_z SET STORAGE EXTERNAL;

-- +goose Down
ALTER TABLE audit_log DROP COLUMN output_z;
ALTER TABLE analyses DROP COLUMN result_z;
