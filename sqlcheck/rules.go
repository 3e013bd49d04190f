package sqlcheck

import "github.com/canaryjudge/canaryjudge/judge"

// Rule is one row of the migration-safety policy. Every finding names
// its rule, and `canaryjudge render migrations` prints this table, so the
// policy document cannot drift from what the classifier does.
//
// Each compatibility rule answers one question: after this statement ran,
// does the code of the release before it still work against the schema?
// That is what an automatic rollback relies on.
type Rule struct {
	ID string
	// Class is the compatibility a statement matching the rule gets;
	// empty for a warning (a locking or annotation hazard that never
	// blocks a rollback).
	Class   judge.Compat
	Matches string // the statements it covers
	Why     string // the reason, as the finding states it
	Instead string // the safe expand/contract sequence
	// The nearest rule of other tools, "" when they have none.
	Squawk, StrongMigrations, Atlas string
}

// Warning reports whether the rule is a hazard rather than a class.
func (r Rule) Warning() bool { return r.Class == "" }

const (
	expand       = judge.CompatExpand
	contract     = judge.CompatContract
	incompatible = judge.CompatIncompatible
	unknown      = judge.CompatUnknown
)

// Rules is the policy, in the order the document lists it: expand first,
// then contract, incompatible, unknown, and the warnings.
var Rules = []Rule{
	{ID: "create-table", Class: expand, Matches: "CREATE TABLE, CREATE TABLE AS, SELECT INTO",
		Why: "a new table: the previous release never reads or writes it"},
	{ID: "create-index", Class: expand, Matches: "CREATE INDEX (not unique, or on a table this migration created)",
		Why: "an index changes no result the previous release sees"},
	{ID: "create-view", Class: expand, Matches: "CREATE VIEW, CREATE MATERIALIZED VIEW",
		Why: "a new view: the previous release does not query it"},
	{ID: "create-type", Class: expand, Matches: "CREATE TYPE (enum, composite, range), CREATE DOMAIN",
		Why: "a new type: nothing the previous release uses changes"},
	{ID: "create-sequence", Class: expand, Matches: "CREATE SEQUENCE",
		Why: "a new sequence: the previous release does not call it"},
	{ID: "create-function", Class: expand, Matches: "CREATE FUNCTION / PROCEDURE without OR REPLACE",
		Why: "a function that did not exist: the previous release cannot call it (replacing one is replace-function)"},
	{ID: "create-object", Class: expand, Matches: "CREATE SCHEMA, EXTENSION, COLLATION, STATISTICS, CAST, OPERATOR, AGGREGATE, TEXT SEARCH ...",
		Why: "adds a new named object; existing objects are unchanged"},
	{ID: "new-object", Class: expand, Matches: "any change to a table or column this same migration created",
		Why: "the previous release cannot depend on an object that did not exist before this migration"},
	{ID: "add-column", Class: expand, Matches: "ALTER TABLE ADD COLUMN, nullable (with or without a default)",
		Why: "the previous release does not name the column; its inserts get NULL or the default"},
	{ID: "add-column-not-null-default", Class: expand, Matches: "ALTER TABLE ADD COLUMN ... NOT NULL with a DEFAULT, identity or serial",
		Why:              "inserts by the previous release, which omit the column, get the default",
		StrongMigrations: "adding a column with a default value (PG < 11 only)", Squawk: "adding-field-with-default (volatile defaults only)"},
	{ID: "add-constraint-not-valid", Class: expand, Matches: "ADD CONSTRAINT ... CHECK / FOREIGN KEY ... NOT VALID",
		Why:    "existing rows are not checked, and rows the previous release writes already satisfy a rule the new code introduces alongside it",
		Squawk: "constraint-missing-not-valid (the safe form)", StrongMigrations: "adding a check constraint / foreign key (the safe form)"},
	{ID: "attach-unique-index", Class: expand, Matches: "ADD CONSTRAINT ... UNIQUE USING INDEX",
		Why:    "the unique index already enforced the rule; naming it a constraint changes nothing for writers",
		Squawk: "disallowed-unique-constraint (the safe form)"},
	{ID: "widen-column-type", Class: expand, Matches: "ALTER COLUMN TYPE that only widens: varchar(n) → varchar(m ≥ n) or text, numeric(p,s) → numeric(p' ≥ p, s' ≥ s), smallint → integer → bigint, real → double precision",
		Why:    "every value the previous release writes or reads still fits the new type (known when the column's type is in this migration or an earlier file of the same check)",
		Squawk: "changing-column-type (flags all)", StrongMigrations: "changing the type of a column (safe cases)"},
	{ID: "add-enum-value", Class: expand, Matches: "ALTER TYPE ... ADD VALUE",
		Why: "values the previous release writes remain valid"},
	{ID: "drop-not-null", Class: expand, Matches: "ALTER COLUMN DROP NOT NULL",
		Why:    "relaxes a rule; every write of the previous release still succeeds (rows the new release writes with NULL are the new release's risk)",
		Squawk: "ban-drop-not-null (flags it)"},
	{ID: "set-default", Class: expand, Matches: "ALTER COLUMN SET DEFAULT",
		Why: "only applies when a writer omits the column, which the previous release's writes keep working with"},
	{ID: "rename-index-or-trigger", Class: expand, Matches: "ALTER INDEX / TRIGGER / RULE / POLICY ... RENAME",
		Why: "names only the database uses; queries of the previous release do not mention them"},
	{ID: "attach-partition", Class: expand, Matches: "ALTER TABLE ... ATTACH PARTITION",
		Why: "the parent gains a partition; queries of the previous release keep working"},
	{ID: "grant", Class: expand, Matches: "GRANT, COMMENT ON, SECURITY LABEL",
		Why: "adds privileges or documentation; nothing the previous release does is refused"},
	{ID: "session-setting", Class: expand, Matches: "SET, RESET, BEGIN, COMMIT, SHOW, LOCK, VACUUM, ANALYZE, CHECKPOINT, CLUSTER, REINDEX, REFRESH MATERIALIZED VIEW",
		Why: "changes settings or maintenance state, not the schema the previous release uses"},
	{ID: "table-storage", Class: expand, Matches: "ALTER TABLE SET (storage options), SET STATISTICS, SET STORAGE, SET COMPRESSION, CLUSTER ON, REPLICA IDENTITY, SET TABLESPACE, SET LOGGED / UNLOGGED, SET ACCESS METHOD, ALTER INDEX / VIEW SET",
		Why: "physical properties; the logical schema is unchanged"},

	{ID: "drop-table", Class: contract, Matches: "DROP TABLE",
		Why:     "the previous release may still read or write the table",
		Instead: "release 1 stops using the table; a later release, whose rollback target no longer uses it, drops it (accept with an allow annotation naming that release)",
		Squawk:  "ban-drop-table", Atlas: "DS102"},
	{ID: "drop-column", Class: contract, Matches: "ALTER TABLE DROP COLUMN",
		Why:     "the previous release may still select or insert the column",
		Instead: "release 1 stops reading and writing the column (and DROP NOT NULL first if it has one); a later release drops it",
		Squawk:  "ban-drop-column", StrongMigrations: "removing a column", Atlas: "DS103"},
	{ID: "drop-index", Class: contract, Matches: "DROP INDEX",
		Why:     "the previous release's queries may rely on the index to be fast enough, or on its uniqueness (ON CONFLICT)",
		Instead: "drop it in a release after the one that stopped needing it; use DROP INDEX CONCURRENTLY",
		Squawk:  "require-concurrent-index-deletion (locking only)"},
	{ID: "drop-view", Class: contract, Matches: "DROP VIEW, DROP MATERIALIZED VIEW",
		Why:     "the previous release may still query the view",
		Instead: "stop using the view first; drop it in a later release"},
	{ID: "drop-type", Class: contract, Matches: "DROP TYPE, DROP DOMAIN",
		Why:     "the previous release may still cast to or write the type",
		Instead: "stop using the type first; drop it in a later release",
		Squawk:  "ban-drop-domain"},
	{ID: "drop-constraint", Class: contract, Matches: "ALTER TABLE DROP CONSTRAINT",
		Why:     "the previous release may rely on the constraint (ON CONFLICT ON CONSTRAINT, cascades, the guarantee itself)",
		Instead: "drop it in a release after the code no longer depends on it",
		Squawk:  "ban-drop-constraint", Atlas: "CD101"},
	{ID: "drop-object", Class: contract, Matches: "DROP SEQUENCE, FUNCTION, PROCEDURE, TRIGGER, RULE, POLICY, SCHEMA, EXTENSION, ...",
		Why:     "removes something the previous release may call or depend on",
		Instead: "stop depending on it first; drop it in a later release",
		Squawk:  "ban-drop-schema, ban-drop-sequence, ban-drop-extension", Atlas: "DS101 (schema)"},
	{ID: "drop-default", Class: contract, Matches: "ALTER COLUMN DROP DEFAULT",
		Why:     "inserts of the previous release that omit the column get NULL instead of the default, or fail on NOT NULL",
		Instead: "drop the default once no running code omits the column"},
	{ID: "validate-constraint", Class: contract, Matches: "ALTER TABLE VALIDATE CONSTRAINT",
		Why:              "the contract step of a NOT VALID constraint: from now on the rule is a guarantee, and code that writes violating rows is no longer a valid rollback target",
		Instead:          "validate in a release after every running version writes only valid rows",
		StrongMigrations: "validating a check constraint / foreign key (the safe second step)"},
	{ID: "set-not-null-after-check", Class: contract, Matches: "ALTER COLUMN SET NOT NULL after a validated CHECK (col IS NOT NULL) in the same migration",
		Why:     "the backfill is proven by the validated check; writes of NULL by the previous release now fail",
		Instead: "the last step of: add CHECK (col IS NOT NULL) NOT VALID, backfill, VALIDATE, SET NOT NULL, in a release whose rollback target writes the column",
		Squawk:  "adding-not-nullable-field (the safe form)", StrongMigrations: "setting NOT NULL on an existing column (the safe form)"},
	{ID: "attach-primary-key", Class: contract, Matches: "ADD CONSTRAINT ... PRIMARY KEY USING INDEX",
		Why:     "also makes the key columns NOT NULL; writes of NULL by the previous release fail",
		Instead: "make sure every running version writes the key, then attach it"},
	{ID: "rename-constraint", Class: contract, Matches: "ALTER TABLE RENAME CONSTRAINT",
		Why:     "the previous release may name the constraint (ON CONFLICT ON CONSTRAINT, error handling)",
		Instead: "rename once no running code names it"},
	{ID: "detach-partition", Class: contract, Matches: "ALTER TABLE ... DETACH PARTITION",
		Why:     "the partition's rows disappear from what the previous release reads through the parent",
		Instead: "detach once no running code needs those rows through the parent"},
	{ID: "revoke", Class: contract, Matches: "REVOKE, ALTER ... OWNER TO",
		Why:     "the previous release may need the privilege taken away",
		Instead: "revoke in a release after the code stopped needing it"},

	{ID: "rename-table", Class: incompatible, Matches: "ALTER TABLE / VIEW / MATERIALIZED VIEW ... RENAME TO",
		Why:     "the previous release queries the old name and fails at once",
		Instead: "create the new table (or a view under the new name), write both, backfill, move reads, then drop the old one in a later release",
		Squawk:  "renaming-table", StrongMigrations: "renaming a table", Atlas: "BC101"},
	{ID: "rename-column", Class: incompatible, Matches: "ALTER TABLE RENAME COLUMN",
		Why:     "the previous release names the old column and fails at once",
		Instead: "add the new column, write both, backfill, move reads, then drop the old column in a later release",
		Squawk:  "renaming-column", StrongMigrations: "renaming a column", Atlas: "BC102"},
	{ID: "rename-schema", Class: incompatible, Matches: "ALTER SCHEMA ... RENAME TO",
		Why:     "every qualified name the previous release uses breaks",
		Instead: "create the new schema, move objects with views left behind, switch code, drop later",
		Squawk:  "renaming-object"},
	{ID: "rename-type", Class: incompatible, Matches: "ALTER TYPE / DOMAIN ... RENAME TO",
		Why:     "casts and declarations of the previous release name the old type",
		Instead: "create the new type, migrate columns in steps, drop the old one later",
		Squawk:  "renaming-object"},
	{ID: "rename-enum-value", Class: incompatible, Matches: "ALTER TYPE ... RENAME VALUE",
		Why:     "the previous release writes and compares the old label, which no longer exists",
		Instead: "add the new value, write it, migrate rows, stop using the old one; an enum value cannot be dropped in place"},
	{ID: "rename-object", Class: incompatible, Matches: "RENAME of a sequence, function, procedure, ... ; ALTER ... SET SCHEMA",
		Why:     "the previous release calls the object by its old name or schema",
		Instead: "create the object under the new name beside the old one, switch code, drop the old one later",
		Squawk:  "renaming-object, ban-set-schema"},
	{ID: "alter-column-type", Class: incompatible, Matches: "ALTER COLUMN TYPE that narrows, changes the kind of type, uses USING, or whose current type is unknown",
		Why:     "values or types the previous release reads and writes change; some writes fail, some reads decode differently",
		Instead: "add a column of the new type, write both, backfill, move reads, drop the old column later; if it only widens a type the classifier could not see, accept it with an allow annotation",
		Squawk:  "changing-column-type", StrongMigrations: "changing the type of a column"},
	{ID: "add-column-not-null", Class: incompatible, Matches: "ALTER TABLE ADD COLUMN ... NOT NULL (or PRIMARY KEY) without a default",
		Why:     "inserts of the previous release omit the column and fail; the migration itself fails on a non-empty table",
		Instead: "add the column nullable (or with a default), backfill, then add CHECK (col IS NOT NULL) NOT VALID and validate it in later releases",
		Squawk:  "adding-required-field", Atlas: "MF103"},
	{ID: "set-not-null", Class: incompatible, Matches: "ALTER COLUMN SET NOT NULL on an existing column (no validated CHECK in the migration)",
		Why:     "writes of NULL by the previous release fail, and the statement fails on rows still NULL",
		Instead: "add CHECK (col IS NOT NULL) NOT VALID, backfill, VALIDATE, then SET NOT NULL (see set-not-null-after-check)",
		Squawk:  "adding-not-nullable-field", StrongMigrations: "setting NOT NULL on an existing column", Atlas: "MF104"},
	{ID: "add-constraint", Class: incompatible, Matches: "ADD CONSTRAINT CHECK / FOREIGN KEY / UNIQUE / PRIMARY KEY / EXCLUDE, validated at once on an existing table",
		Why:     "writes of the previous release that break the rule fail at once, and the statement fails if existing rows break it",
		Instead: "CHECK and FOREIGN KEY: add NOT VALID (expand), VALIDATE in a later release (contract); UNIQUE: CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX",
		Squawk:  "constraint-missing-not-valid, adding-foreign-key-constraint, disallowed-unique-constraint", StrongMigrations: "adding a check constraint / foreign key / unique constraint / exclusion constraint", Atlas: "PG105 (unique)"},
	{ID: "create-unique-index", Class: incompatible, Matches: "CREATE UNIQUE INDEX on a table that existed before",
		Why:     "from now on writes of the previous release that duplicate a key fail, and the build fails on existing duplicates",
		Instead: "remove duplicates and ship code that never writes them first; then build the index CONCURRENTLY and accept it with an allow annotation naming that release",
		Atlas:   "MF101"},
	{ID: "truncate", Class: incompatible, Matches: "TRUNCATE",
		Why:     "deletes every row; rolling the code back cannot bring the data back",
		Instead: "never in a release migration; run it as a separate, reviewed operation",
		Squawk:  "ban-truncate-cascade (cascade only)"},
	{ID: "drop-cascade", Class: incompatible, Matches: "any DROP ... CASCADE (table, column, type, constraint, schema, ...)",
		Why:     "also drops every dependent object (views, constraints, columns), which nobody listed",
		Instead: "drop the dependents explicitly, each with its own rule, then the object without CASCADE"},
	{ID: "update-rows", Class: incompatible, Matches: "UPDATE on a table that existed before",
		Why:              "changes data the previous release reads; rolling the code back does not change it back",
		Instead:          "backfill in batches from a job or a separate migration that only fills new columns, and accept it with an allow annotation that says so",
		StrongMigrations: "backfilling data"},
	{ID: "delete-rows", Class: incompatible, Matches: "DELETE, MERGE on a table that existed before",
		Why:     "removes or rewrites data the previous release may need; a rollback cannot restore it",
		Instead: "run deletions as a separate, reviewed operation after the release is promoted"},

	{ID: "raw-dml", Class: unknown, Matches: "INSERT, COPY, SELECT, CALL, EXECUTE on a table or routine that existed before",
		Why:     "what data changes depends on the statement's meaning, which a parser cannot judge",
		Instead: "seed new tables in the migration that creates them; otherwise read it and accept it with an allow annotation"},
	{ID: "do-block", Class: unknown, Matches: "DO $$ ... $$",
		Why:     "procedural code can do anything; the classifier does not look inside",
		Instead: "write the statements out, or read the block and accept it with an allow annotation"},
	{ID: "replace-function", Class: unknown, Matches: "CREATE OR REPLACE FUNCTION / PROCEDURE / TRIGGER",
		Why:     "replaces code the previous release may call; whether its behaviour stays compatible is not visible in the schema",
		Instead: "create a new function under a new name, switch the code to it, drop the old one later"},
	{ID: "replace-view", Class: unknown, Matches: "CREATE OR REPLACE VIEW",
		Why:     "changes what the previous release reads through the view; the classifier cannot compare the two queries",
		Instead: "create a new view beside the old one and switch the code to it"},
	{ID: "change-trigger", Class: unknown, Matches: "CREATE TRIGGER / RULE on an existing table, ALTER TABLE ENABLE / DISABLE TRIGGER or RULE",
		Why:     "changes what writes of the previous release do, in code the classifier does not read",
		Instead: "read the trigger function and accept it with an allow annotation"},
	{ID: "row-security", Class: unknown, Matches: "CREATE / ALTER / DROP POLICY, ALTER TABLE ENABLE / DISABLE / FORCE ROW LEVEL SECURITY",
		Why:     "changes which rows the previous release sees and may write",
		Instead: "read the policy and accept it with an allow annotation"},
	{ID: "unrecognized-statement", Class: unknown, Matches: "any statement or ALTER TABLE action no rule above covers (ALTER SEQUENCE, ALTER FUNCTION, ALTER DOMAIN, INHERIT, identity changes, ...)",
		Why:     "the classifier has no rule for it, so it cannot promise the previous release still works",
		Instead: "read it and accept it with an allow annotation, or ask for a rule"},
	{ID: "parse-error", Class: unknown, Matches: "anything PostgreSQL's parser rejects",
		Why:     "PostgreSQL's own parser rejects it; what it would do is unknown (the finding's detail is the parser's message)",
		Instead: "fix the SQL; psql meta-commands are not SQL"},
	{ID: "invalid-input", Class: unknown, Matches: "SQL with a NUL byte or invalid UTF-8",
		Why:     "PostgreSQL would refuse it and the parser cannot see past a NUL byte",
		Instead: "send the migration file as it is, in UTF-8"},

	{ID: "lock-index-build", Matches: "CREATE INDEX without CONCURRENTLY on an existing table",
		Why:     "blocks every write to the table while the index builds",
		Instead: "CREATE INDEX CONCURRENTLY, in a migration that runs outside a transaction (-- +goose NO TRANSACTION)",
		Squawk:  "require-concurrent-index-creation", StrongMigrations: "adding an index non-concurrently", Atlas: "PG101"},
	{ID: "lock-drop-index", Matches: "DROP INDEX without CONCURRENTLY on an index that existed before",
		Why:     "takes an ACCESS EXCLUSIVE lock: blocks reads and writes of the table",
		Instead: "DROP INDEX CONCURRENTLY, outside a transaction",
		Squawk:  "require-concurrent-index-deletion"},
	{ID: "lock-validation", Matches: "ADD CONSTRAINT without NOT VALID, SET NOT NULL, or an added column with CHECK / REFERENCES, on an existing table",
		Why:     "scans the whole table while holding a lock that blocks writes (and reads, for ACCESS EXCLUSIVE)",
		Instead: "add constraints NOT VALID and VALIDATE them separately (VALIDATE takes a weaker lock)",
		Squawk:  "constraint-missing-not-valid, adding-foreign-key-constraint", StrongMigrations: "adding a foreign key / check constraint", Atlas: "PG105 (unique)"},
	{ID: "table-rewrite", Matches: "a type change that rewrites, a volatile default, a stored generated or identity column, SET LOGGED / UNLOGGED, SET TABLESPACE, VACUUM FULL, CLUSTER",
		Why:     "rewrites the whole table (and its indexes) under an ACCESS EXCLUSIVE lock",
		Instead: "add a nullable column and backfill in batches; avoid rewrites on large tables",
		Squawk:  "adding-field-with-default, changing-column-type", StrongMigrations: "adding a stored generated column, adding an auto-incrementing column"},
	{ID: "missing-lock-timeout", Matches: "the first statement that locks an existing table, when no SET lock_timeout came before it",
		Why:     "waiting behind a long transaction for the lock queues every other query of the table behind this statement",
		Instead: "start the migration with SET lock_timeout = '2s' (and retry the migration if it times out)",
		Squawk:  "require-timeout-settings"},
	{ID: "concurrently-in-transaction", Matches: "CREATE / DROP INDEX CONCURRENTLY in a goose migration that runs in a transaction",
		Why:     "PostgreSQL refuses CONCURRENTLY inside a transaction block; the migration fails",
		Instead: "add -- +goose NO TRANSACTION to the file",
		Squawk:  "ban-concurrent-index-creation-in-transaction", Atlas: "PG103"},
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
