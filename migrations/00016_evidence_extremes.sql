-- +goose Up
-- Issue 26: a release's running evidence is kept in two parts (encoding
-- version 3, judge.StateBytes). state keeps the sums, which every window
-- changes: a few hundred bytes a metric, so the row stays small enough for
-- in-place (HOT) updates on its half-filled page. extremes keeps each
-- metric's highest and lowest window (and its first, in mode sequential)
-- whole: most of the bytes, changed only when a window sets a new extreme.
-- The engine sends extremes only then; otherwise the update keeps the
-- stored value, whose TOAST pointer PostgreSQL reuses without copying. One
-- row of 10 metrics used to take 4-5 KB compressed, too large for two
-- versions in a page: each decision then wrote a new page (8 KB).
--
-- Adding a nullable column changes only the catalog. Rows written before
-- have no extremes and a version 2 state: the engine rebuilds their
-- evidence from the stored windows on their next analysis, as it does for
-- any state it cannot read. A replica of the previous release beside this
-- one rebuilds this release's states the same way, and the state it writes
-- is rebuilt in turn here: both stay right, at the cost of a rebuild.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '1min';
ALTER TABLE release_evidence ADD COLUMN extremes bytea;
-- +goose StatementBegin
-- canaryjudge:allow do-block only SET COMPRESSION (catalog-only, expand), caught where the server lacks LZ4 (or SET COMPRESSION)
DO $$
BEGIN
    ALTER TABLE release_evidence ALTER COLUMN extremes SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'this PostgreSQL cannot compress with LZ4: extremes stay pglz-compressed';
END
$$;
-- +goose StatementEnd

-- +goose Down
SET LOCAL lock_timeout = '5s';
ALTER TABLE release_evidence DROP COLUMN extremes;
