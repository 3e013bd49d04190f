-- +goose Up
-- Issue 26: the documents PostgreSQL still compresses itself (each
-- analysis's summary, each decision, each release's running evidence, and
-- the small results and audit documents) are compressed with LZ4 instead
-- of pglz. pglz was a tenth of PostgreSQL's CPU per decision.
-- SET COMPRESSION changes only the catalog: values already stored keep
-- their method and every release, this one and the previous, reads both
-- (PostgreSQL decompresses, the application never sees the difference).
-- A server built without LZ4 refuses the method, and PostgreSQL before 14
-- has no SET COMPRESSION; the columns then keep pglz and the migration
-- still succeeds (a mistake in the statements would not go unnoticed: a
-- test asserts LZ4 on all six columns).
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '1min';
-- +goose StatementBegin
-- canaryjudge:allow do-block only SET COMPRESSION (catalog-only, expand), caught where the server lacks LZ4 (or SET COMPRESSION)
DO $$
BEGIN
    ALTER TABLE analyses ALTER COLUMN summary SET COMPRESSION lz4,
                         ALTER COLUMN result SET COMPRESSION lz4;
    ALTER TABLE decisions ALTER COLUMN decision SET COMPRESSION lz4;
    ALTER TABLE release_evidence ALTER COLUMN state SET COMPRESSION lz4;
    ALTER TABLE audit_log ALTER COLUMN input SET COMPRESSION lz4,
                          ALTER COLUMN output SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'this PostgreSQL cannot compress with LZ4: documents stay pglz-compressed';
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
-- canaryjudge:allow do-block only SET COMPRESSION back to the server's default, skipped where it has none
DO $$
BEGIN
    ALTER TABLE analyses ALTER COLUMN summary SET COMPRESSION DEFAULT,
                         ALTER COLUMN result SET COMPRESSION DEFAULT;
    ALTER TABLE decisions ALTER COLUMN decision SET COMPRESSION DEFAULT;
    ALTER TABLE release_evidence ALTER COLUMN state SET COMPRESSION DEFAULT;
    ALTER TABLE audit_log ALTER COLUMN input SET COMPRESSION DEFAULT,
                          ALTER COLUMN output SET COMPRESSION DEFAULT;
EXCEPTION WHEN syntax_error THEN
    RAISE NOTICE 'this PostgreSQL has no SET COMPRESSION: nothing to undo';
END
$$;
-- +goose StatementEnd
