-- +goose Up
-- Issue 26: an audit entry's input larger than 1 KB (a window's raw
-- series, the one place they are kept) is stored DEFLATE-compressed
-- (RFC 1951) in input_z, with input NULL; smaller ones stay in input as
-- before. The bytes are exactly what was received: inflating input_z gives
-- them back byte for byte. PostgreSQL's pglz saves about a tenth on the
-- digits of a series, DEFLATE about half; STORAGE EXTERNAL stops
-- PostgreSQL from trying to compress the compressed bytes again.
-- Expand: every column of the previous release is still written and read.
-- A previous release reading the audit log shows input null for the large
-- inputs this release wrote (the data is intact in input_z).
-- Both statements change only the catalog; the lock is brief, but bounded
-- anyway (a deploy retries a migration that timed out).
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '1min';
ALTER TABLE audit_log ADD COLUMN input_z bytea;
ALTER TABLE audit_log ALTER COLUMN input_z SET STORAGE EXTERNAL;

-- +goose Down
ALTER TABLE audit_log DROP COLUMN input_z;
