package sqlcheck

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// Maintenance and locking statements change no schema the previous
// release uses (session-setting, grant); what they risk is locks. The
// lock modes below were measured on PostgreSQL 15 (pg_locks inside a
// transaction; see the peer corpus README).

// lockModes are LOCK TABLE's modes by number, weakest first.
var lockModes = []string{"", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE",
	"SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}

// shareLock is the weakest mode that blocks writes (ROW EXCLUSIVE).
const shareLock = 5

// reindex: REINDEX takes ACCESS EXCLUSIVE on each index it rebuilds and
// SHARE on the table, so writes wait, and so do reads through the index.
func (m *migration) reindex(st *statement, r *pg_query.ReindexStmt) {
	kind := strings.TrimPrefix(r.Kind.String(), "REINDEX_OBJECT_")
	name := r.Name
	if r.Relation != nil {
		name = relName(r.Relation)
	}
	m.find(st, "session-setting", "REINDEX "+kind+" "+name)
	switch {
	case r.Kind == pg_query.ReindexObjectType_REINDEX_OBJECT_SYSTEM:
		return // has no concurrent form
	case r.Relation != nil && (m.isNewRel(r.Relation) || m.created["index:"+r.Relation.Relname]):
		return
	case hasOption(r.Params, "concurrently"):
		m.concurrentOK(st, "REINDEX CONCURRENTLY")
		return
	}
	m.find(st, "lock-reindex", "REINDEX "+kind+" "+name)
	m.locks(st, "REINDEX "+kind+" "+name+" takes ACCESS EXCLUSIVE on the index and SHARE on its table")
}

// lockTable: LOCK TABLE waits for its lock and holds it to the end of
// the transaction.
func (m *migration) lockTable(st *statement, l *pg_query.LockStmt) {
	mode := int(l.Mode)
	if mode < 1 || mode >= len(lockModes) {
		mode = len(lockModes) - 1
	}
	var old []string
	for _, rv := range rangeVars(l.Relations) {
		if !m.isNewRel(rv) {
			old = append(old, relName(rv))
		}
	}
	what := "LOCK " + strings.Join(old, ", ") + " IN " + lockModes[mode] + " MODE"
	m.find(st, "session-setting", what)
	if len(old) == 0 {
		return
	}
	if mode >= shareLock {
		blocks := "writes"
		if mode == len(lockModes)-1 {
			blocks = "reads and writes"
		}
		m.find(st, "lock-table", what+": blocks "+blocks+" of the table until the transaction ends")
	}
	m.locks(st, what)
}

// comment: COMMENT ON a table or column takes SHARE UPDATE EXCLUSIVE. It
// blocks no read or write, but waits behind VACUUM (an anti-wraparound
// one is not cancelled) and index builds, holding the locks the
// migration's transaction already took.
func (m *migration) comment(st *statement, c *pg_query.CommentStmt) {
	m.find(st, "grant", "COMMENT ON "+kindName(c.Objtype))
	var rel string
	items := c.GetObject().GetList().GetItems()
	switch c.Objtype {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW,
		pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
		rel = lastName(items)
	case pg_query.ObjectType_OBJECT_COLUMN:
		if len(items) >= 2 {
			rel = lastName(items[:len(items)-1])
		}
	}
	if rel == "" || m.created["rel:"+rel] {
		return
	}
	m.locks(st, "COMMENT ON "+kindName(c.Objtype)+" of "+rel+" takes SHARE UPDATE EXCLUSIVE: it waits behind VACUUM and index builds")
}

// vacuum: plain VACUUM and ANALYZE take SHARE UPDATE EXCLUSIVE (no read
// or write waits); VACUUM FULL rewrites under ACCESS EXCLUSIVE; VACUUM
// cannot run inside a transaction block.
func (m *migration) vacuum(st *statement, v *pg_query.VacuumStmt) {
	what := "ANALYZE"
	if v.IsVacuumcmd {
		what = "VACUUM"
	}
	var rels []string
	for _, r := range v.Rels {
		rels = append(rels, relName(r.GetVacuumRelation().GetRelation()))
	}
	what = strings.TrimSpace(what + " " + strings.Join(rels, ", "))
	m.find(st, "session-setting", what)
	if v.IsVacuumcmd && !m.concurrentOK(st, "VACUUM") {
		return
	}
	if v.IsVacuumcmd && hasOption(v.Options, "full") {
		m.find(st, "table-rewrite", "VACUUM FULL "+strings.Join(rels, ", "))
		m.locks(st, "VACUUM FULL takes ACCESS EXCLUSIVE")
	}
}
