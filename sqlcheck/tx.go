package sqlcheck

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// txState follows transaction blocks through a migration: goose's own
// (a goose file without NO TRANSACTION runs in one) and explicit BEGIN /
// COMMIT. Plain SQL outside BEGIN is taken to run statement by statement
// (psql -f, or a tool without a transaction of its own).
type txState struct {
	in    bool
	begin *statement      // the explicit BEGIN that opened the block; nil for goose's
	added map[string]bool // "rel.constraint" added NOT VALID inside the open block
	// timeouts set with SET LOCAL end with the block
	localLock, localStmt bool
}

// transaction handles BEGIN, COMMIT, ROLLBACK and their variants.
func (m *migration) transaction(st *statement, t *pg_query.TransactionStmt) {
	m.find(st, "session-setting", strings.TrimPrefix(t.Kind.String(), "TRANS_STMT_"))
	switch t.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
		if m.tx.in {
			m.find(st, "nested-transaction", "BEGIN inside "+m.txName()+": PostgreSQL ignores it with a warning, and the COMMIT meant for it ends the outer block")
			return
		}
		m.tx = txState{in: true, begin: st, added: map[string]bool{}}
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		switch {
		case !m.tx.in:
			m.find(st, "nested-transaction", "no transaction block is open: PostgreSQL ignores it with a warning")
		case m.tx.begin == nil:
			m.find(st, "nested-transaction", "ends goose's transaction: the statements after it run outside it, and goose can no longer roll the file back")
		}
		if t.Chain && m.tx.in {
			m.tx.added = map[string]bool{}
			return
		}
		m.endTx()
	}
}

func (m *migration) txName() string {
	if m.tx.begin == nil {
		return "goose's transaction"
	}
	return "the transaction opened on line " + itoa(m.tx.begin.line)
}

func (m *migration) endTx() {
	if m.tx.localLock {
		m.lockTimeout = false
	}
	if m.tx.localStmt {
		m.stmtTimeout = false
	}
	m.tx = txState{added: map[string]bool{}}
}

// afterStatement: outside a block every statement commits on its own.
func (m *migration) afterStatement() {
	if !m.tx.in && len(m.tx.added) > 0 {
		m.tx.added = map[string]bool{}
	}
}

// finish reports a block the migration opened and never closed.
func (m *migration) finish() {
	if m.tx.in && m.tx.begin != nil {
		m.find(m.tx.begin, "unfinished-transaction", "this BEGIN has no COMMIT: when the session ends, everything after it is rolled back")
	}
}

// setting handles SET and RESET: lock_timeout and statement_timeout.
func (m *migration) setting(st *statement, v *pg_query.VariableSetStmt) {
	name := strings.ToLower(v.Name)
	m.find(st, "session-setting", strings.TrimSpace("SET "+v.Name))
	on := v.Kind == pg_query.VariableSetKind_VAR_SET_VALUE && !zeroSetting(v.Args)
	switch name {
	case "lock_timeout":
		m.lockTimeout = on
		m.tx.localLock = on && v.IsLocal
	case "statement_timeout":
		m.stmtTimeout = on
		m.tx.localStmt = on && v.IsLocal
	}
}

// zeroSetting: SET x = 0 (or '0') turns a timeout off.
func zeroSetting(args []*pg_query.Node) bool {
	if len(args) != 1 {
		return false
	}
	c := args[0].GetAConst()
	switch {
	case c == nil:
		return false
	case c.GetIval() != nil:
		return c.GetIval().Ival == 0
	case c.GetSval() != nil:
		return strings.TrimSpace(c.GetSval().Sval) == "0"
	}
	return false
}

// locks notes that st waits for a lock on an existing table: without
// lock_timeout the wait may queue every query of the table behind it, and
// without statement_timeout the lock may be held for as long as it runs.
// Each is warned once per migration.
func (m *migration) locks(st *statement, what string) {
	if !m.lockTimeout && !m.warned["missing-lock-timeout"] {
		m.warned["missing-lock-timeout"] = true
		m.find(st, "missing-lock-timeout", what)
	}
	if !m.stmtTimeout && !m.warned["missing-statement-timeout"] {
		m.warned["missing-statement-timeout"] = true
		m.find(st, "missing-statement-timeout", what)
	}
}

// concurrentOK reports whether a CONCURRENTLY operation may run here;
// inside a transaction block PostgreSQL refuses it, which is warned.
func (m *migration) concurrentOK(st *statement, what string) bool {
	if !m.tx.in {
		return true
	}
	m.find(st, "concurrently-in-transaction", what+" inside "+m.txName())
	return false
}
