-- +goose Up
-- Issue 26: an audit input that carries a window's series is kept packed
-- in input_n (store/postgres/numpack.go: its plain decimal numbers as
-- integers apart from the text, each part DEFLATE-compressed with codes of
-- its own), with input and input_z NULL: 7.9 KB of series take ~2.4 KB
-- instead of input_z's ~3.6 KB, and unpacking gives the bytes exactly as
-- received (canaryjudge keeps the packed form only after checking that).
-- Inputs without such numbers stay as before. STORAGE EXTERNAL stops
-- PostgreSQL from compressing the compressed bytes again.
-- Expand: every column of the previous release is still written and read.
-- A previous release reading the audit log shows input null for the inputs
-- this release packed (the data is intact in input_n), as 00013 did for
-- input_z; it never decides from the audit log.
-- Both statements change only the catalog; the lock is brief, but bounded
-- anyway (a deploy retries a migration that timed out).
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '1min';
ALTER TABLE audit_log ADD COLUMN input_n bytea;
ALTER TABLE audit_log ALTER COLUMN input_n SET STORAGE EXTERNAL;

-- +goose Down
-- Drops the inputs kept packed with it (as 00013's down step drops
-- input_z): roll canaryjudge back instead, which leaves them in place.
ALTER TABLE audit_log DROP COLUMN input_n;
