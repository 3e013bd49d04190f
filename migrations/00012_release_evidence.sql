-- +goose Up
-- Issue 26: each release's running evidence (judge.Running: the counts and
-- sums every rule needs of the windows so far), written with each analysis
-- in the same transaction, so that a decision reads one row instead of
-- every earlier window. It can always be rebuilt from the analyses
-- (`canaryjudge evidence rebuild`); a release without a row, or with one
-- built under another policy version, is rebuilt on its next analysis.
-- Stored as the encoder's bytes (TOAST compresses them); PostgreSQL never
-- looks inside.
CREATE TABLE release_evidence (
    release_id     text PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
    policy_version integer NOT NULL CHECK (policy_version > 0),
    windows        integer NOT NULL CHECK (windows >= 0),
    state          bytea NOT NULL
);

-- +goose Down
DROP TABLE release_evidence;
