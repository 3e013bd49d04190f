package sqlcheck

// hazardRules are the warnings: they never block a rollback, but matter
// for the deploy (locks, rewrites, transactions) or for the annotations.
var hazardRules = []Rule{
	{ID: "lock-index-build", Matches: "CREATE INDEX without CONCURRENTLY on an existing table",
		Why:     "blocks every write to the table while the index builds",
		Instead: "CREATE INDEX CONCURRENTLY, in a migration that runs outside a transaction (-- +goose NO TRANSACTION)",
		Squawk:  "require-concurrent-index-creation", StrongMigrations: "adding an index non-concurrently", Atlas: "PG101"},
	{ID: "lock-drop-index", Matches: "DROP INDEX without CONCURRENTLY on an index that existed before",
		Why:     "takes an ACCESS EXCLUSIVE lock: blocks reads and writes of the table",
		Instead: "DROP INDEX CONCURRENTLY, outside a transaction",
		Squawk:  "require-concurrent-index-deletion"},
	{ID: "lock-validation", Matches: "ADD CONSTRAINT without NOT VALID (also on columns this migration added), SET NOT NULL without a validated CHECK, an added column with CHECK / REFERENCES / UNIQUE, VALIDATE in the transaction that added the constraint, ALTER DOMAIN ADD CONSTRAINT, on an existing table",
		Why:     "scans the whole table while holding a lock that blocks writes (and reads, for ACCESS EXCLUSIVE)",
		Instead: "add constraints NOT VALID and VALIDATE them separately (VALIDATE takes a weaker lock)",
		Squawk:  "constraint-missing-not-valid, adding-foreign-key-constraint", StrongMigrations: "adding a foreign key / check constraint", Atlas: "PG105 (unique)"},
	{ID: "table-rewrite", Matches: "a type change that rewrites (by PostgreSQL's cast rules), a volatile default, a stored generated or identity column, SET LOGGED / UNLOGGED, SET TABLESPACE, VACUUM FULL, CLUSTER",
		Why:     "rewrites the whole table (and its indexes) under an ACCESS EXCLUSIVE lock",
		Instead: "add a nullable column and backfill in batches; avoid rewrites on large tables",
		Squawk:  "adding-field-with-default, changing-column-type", StrongMigrations: "adding a stored generated column, adding an auto-incrementing column"},
	{ID: "lock-reindex", Matches: "REINDEX (TABLE, INDEX, SCHEMA, DATABASE) without CONCURRENTLY of an existing object",
		Why:     "takes ACCESS EXCLUSIVE on each index it rebuilds and SHARE on its table: writes wait, and so do reads that use the index",
		Instead: "REINDEX ... CONCURRENTLY, outside a transaction",
		Squawk:  "require-concurrent-reindex"},
	{ID: "lock-table", Matches: "LOCK TABLE in SHARE mode or stronger (the default is ACCESS EXCLUSIVE) on an existing table",
		Why:     "holds the lock until the transaction ends: writes wait (and reads, for ACCESS EXCLUSIVE) for the rest of the migration",
		Instead: "let each statement take the lock it needs; if one must be taken, set lock_timeout and keep the transaction short"},
	{ID: "lock-detach-partition", Matches: "ALTER TABLE ... DETACH PARTITION without CONCURRENTLY",
		Why:     "takes ACCESS EXCLUSIVE on the parent: reads and writes of every partition wait",
		Instead: "DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+), outside a transaction",
		Squawk:  "require-concurrent-partition-detach"},
	{ID: "missing-lock-timeout", Matches: "the first statement that waits for a lock on an existing table (ALTER TABLE, CREATE / DROP INDEX, REINDEX, LOCK TABLE, COMMENT ON, TRUNCATE, DROP, VACUUM FULL, CLUSTER), when no SET lock_timeout came before it",
		Why:     "waiting behind a long transaction for the lock queues every other query of the table behind this statement",
		Instead: "start the migration with SET lock_timeout = '2s' (and retry the migration if it times out)",
		Squawk:  "require-timeout-settings, require-lock-timeout"},
	{ID: "missing-statement-timeout", Matches: "the first statement that waits for a lock on an existing table, when no SET statement_timeout came before it",
		Why:     "nothing bounds how long the statement (a rewrite, a scan, an index build) holds its lock",
		Instead: "start the migration with SET statement_timeout = '5min' (or what the largest table needs)",
		Squawk:  "require-timeout-settings, require-statement-timeout"},
	{ID: "concurrently-in-transaction", Matches: "CREATE / DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY or VACUUM inside a transaction block (goose's, or an explicit BEGIN)",
		Why:     "PostgreSQL refuses these inside a transaction block; the migration fails",
		Instead: "add -- +goose NO TRANSACTION to the file, or move the statement out of BEGIN ... COMMIT",
		Squawk:  "ban-concurrent-index-creation-in-transaction", Atlas: "PG103", StrongMigrations: "adding an index non-concurrently (without disable_ddl_transaction!)"},
	{ID: "nested-transaction", Matches: "BEGIN inside a transaction block; COMMIT / ROLLBACK with none open, or inside goose's",
		Why:     "PostgreSQL ignores a nested BEGIN (and a stray COMMIT) with a warning; a COMMIT inside goose's transaction ends it early, so goose can no longer roll the file back",
		Instead: "one transaction per file: let goose open it, or use -- +goose NO TRANSACTION and your own BEGIN ... COMMIT",
		Squawk:  "transaction-nesting"},
	{ID: "unfinished-transaction", Matches: "BEGIN without COMMIT by the end of the migration",
		Why:     "when the session ends the open transaction is rolled back: the migration seems to succeed but changes nothing after the BEGIN",
		Instead: "end every BEGIN with COMMIT",
		Squawk:  "ban-uncommitted-transaction"},
	{ID: "allow-without-reason", Matches: "-- canaryjudge:allow RULE with no reason",
		Why:     "an allow annotation must say why; without one it accepts nothing",
		Instead: "-- canaryjudge:allow RULE why this is safe (e.g. the release that stopped using it)"},
	{ID: "allow-unused", Matches: "-- canaryjudge:allow RULE that matches no finding of its statement",
		Why:     "the annotation accepts nothing: a typo, or the statement changed",
		Instead: "name a rule the statement's findings carry, or remove the annotation"},
}

// NotTaken lists what the other tools check that the classifier leaves
// out, and why; the policy document prints it.
var NotTaken = []struct{ Tool, Check, Why string }{
	{"squawk", "prefer-bigint-over-int, prefer-identity, prefer-text-field, prefer-timestamptz, ban-char-field",
		"schema style, not compatibility or locking; use squawk for style"},
	{"squawk", "prefer-robust-stmts (IF NOT EXISTS)", "re-runnability is goose's job (one version row per file)"},
	{"squawk", "ban-create-domain-with-constraint", "a style choice; CREATE DOMAIN is expand here"},
	{"strong_migrations", "adding a json column, creating a table with force", "Rails-specific (json equality, the force option)"},
	{"strong_migrations", "executing SQL directly", "every statement here is SQL; raw DML is raw-dml (unknown)"},
	{"Atlas", "PG110 (column alignment), naming conventions", "style and storage, not rollback safety"},
	{"Atlas", "pre-migration assertions (atlas:assert)", "the classifier reads SQL; it never connects to a database"},
	{"Atlas", "non-linear migration directories", "goose and the deploy tool own ordering"},
	{"all three", "drop-not-null as an error (squawk ban-drop-not-null)",
		"dropping NOT NULL is the expand step of removing a column; the new release's NULLs are its own risk"},
}

var rulesByID = func() map[string]Rule {
	m := make(map[string]Rule, len(Rules))
	for _, r := range Rules {
		m[r.ID] = r
	}
	return m
}()

// ruleByID finds a rule. The classifier only uses ids of this table (a
// test walks every one); a miss fails closed, as unknown.
func ruleByID(id string) Rule {
	if r, ok := rulesByID[id]; ok {
		return r
	}
	return Rule{ID: id, Class: unknown, Why: "internal: no rule " + id + " in the table"}
}
