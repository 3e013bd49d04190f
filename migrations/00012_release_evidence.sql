-- +goose Up
-- Issue 26: each release's running evidence (judge.Running: the counts and
-- sums every rule needs of the windows so far), written with each analysis
-- in the same transaction, so that a decision reads one row instead of
-- every earlier window. It can always be rebuilt from the analyses
-- (`canaryjudge evidence rebuild`); a release without a row, or with one
-- built under another policy version, is rebuilt on its next analysis.
-- Stored as the encoder's bytes; PostgreSQL never looks inside.
--
-- Every decision rewrites its release's row, so the table is laid out for
-- in-place (HOT) updates: pages are filled to half (fillfactor 50), which
-- leaves room for the next version of each row on its own page, and the
-- state is kept in the row (STORAGE MAIN: compressed if that helps, moved
-- out of line only if the row would not fit in a page), since a TOAST
-- table would gain a dead copy of every state until autovacuum came by.
-- Old versions on a page are then reclaimed by page pruning at the next
-- update, without vacuum, and the index is not touched.
CREATE TABLE release_evidence (
    release_id     text PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
    policy_version integer NOT NULL CHECK (policy_version > 0),
    windows        integer NOT NULL CHECK (windows >= 0),
    state          bytea NOT NULL
) WITH (fillfactor = 50);
ALTER TABLE release_evidence ALTER COLUMN state SET STORAGE MAIN;

-- +goose Down
DROP TABLE release_evidence;
