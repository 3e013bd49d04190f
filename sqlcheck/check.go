// Package sqlcheck classifies PostgreSQL migrations as expand, contract,
// incompatible or unknown with PostgreSQL's own parser (libpg_query via
// cgo), so that canaryjudge rolls back automatically only across schema
// changes the previous release still works with. It is the only package
// that links the parser; the rest of canaryjudge sees it through
// engine.MigrationClassifier and judge's result types.
package sqlcheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Checker classifies migrations one after another. It remembers what the
// migrations it has read declare (column types, CHECK (col IS NOT NULL)
// constraints, NOT NULL columns, dropped tables), so a later file is
// judged against what earlier files did. Nothing an earlier file created
// counts as new in a later one: the previous release of that later file
// may use it. A Checker is not safe for concurrent use; Classifier is.
type Checker struct {
	sch *schema
	// Limits bound what reaches the parser; a migration over one is not
	// parsed and gets a too-complex finding (unknown).
	Limits Limits
}

// New returns a Checker that knows no schema yet, with DefaultLimits.
func New() *Checker { return &Checker{sch: newSchema(), Limits: DefaultLimits} }

// Classifier classifies one migration at a time with a fresh Checker; it
// is what the engine and the HTTP endpoint use in-process (Pool runs the
// same in child processes). SQL over DefaultLimits is an error, a
// *LimitError, which the API answers 413 or 422.
type Classifier struct{}

// Classify implements engine.MigrationClassifier.
func (Classifier) Classify(ctx context.Context, sql string) (judge.MigrationCheck, error) {
	if e := DefaultLimits.Check(sql); e != nil {
		return judge.MigrationCheck{}, e
	}
	ch := New()
	ch.Limits = Limits{} // checked just above
	return ch.Check(ctx, sql)
}

// migration is the state of classifying one migration.
type migration struct {
	sch                      *schema
	cat                      catalog
	created                  map[string]bool   // "rel:name", "index:name", "type:name", ... made by this migration
	newCols                  map[string]newCol // "rel.col" added by this migration
	tx                       txState
	lockTimeout, stmtTimeout bool
	warned                   map[string]bool
	goose, noTx              bool
	findings                 []judge.MigrationFinding
	warnings                 []judge.MigrationFinding
}

// Check classifies one migration: the Up part of a goose file, or plain
// SQL. Parse errors are findings (unknown), never errors; the error is
// only the context's.
func (c *Checker) Check(ctx context.Context, sql string) (judge.MigrationCheck, error) {
	c.sch.file++
	m := &migration{sch: c.sch, cat: c.sch.cat, created: map[string]bool{}, newCols: map[string]newCol{},
		warned: map[string]bool{}, tx: txState{added: map[string]bool{}}}
	if why := validInput(sql); why != "" {
		m.find(&statement{n: 1, line: 1, text: sql}, "invalid-input", "the migration "+why)
		return m.result(), nil
	}
	if e := c.Limits.Check(sql); e != nil {
		m.find(&statement{n: 1, line: max(e.Line, 1), text: sql}, "too-complex", strings.TrimPrefix(e.Error(), e.Field+": "))
		return m.result(), nil
	}
	chunks := []chunk{{text: sql, line: 1}}
	var gooseErr *gooseError
	if isGoose(sql) {
		g, err := splitGoose(sql)
		if err != nil {
			gooseErr, _ = err.(*gooseError)
		}
		chunks, m.goose, m.noTx = g.chunks, true, g.noTx
		m.tx.in = !g.noTx
	}
	n := 0
	for _, ch := range chunks {
		for _, st := range statementsOf(ch) {
			if err := ctx.Err(); err != nil {
				return judge.MigrationCheck{}, err
			}
			n++
			st.n = n
			m.statement(&st)
			m.afterStatement()
		}
	}
	m.finish()
	if gooseErr != nil {
		m.find(&statement{n: n + 1, line: gooseErr.line, text: "(the goose file)"}, "parse-error", gooseErr.Error())
	}
	return m.result(), nil
}

// statement classifies one statement and applies its allow annotations.
func (m *migration) statement(st *statement) {
	fi, wi := len(m.findings), len(m.warnings)
	m.classify(st)
	if len(m.findings) == fi {
		m.find(st, "unrecognized-statement", "no rule matched")
	}
	for _, a := range st.allows {
		switch {
		case a.rule == "" || a.reason == "":
			m.find(st, "allow-without-reason", fmt.Sprintf("line %d: %q", a.line, strings.TrimSpace(a.rule+" "+a.reason)))
			continue
		}
		for i := fi; i < len(m.findings); i++ {
			if m.findings[i].Rule == a.rule {
				m.findings[i].Allowed, a.used = a.reason, true
			}
		}
		for i := wi; i < len(m.warnings); i++ {
			if m.warnings[i].Rule == a.rule {
				m.warnings[i].Allowed, a.used = a.reason, true
			}
		}
		if !a.used {
			m.find(st, "allow-unused", fmt.Sprintf("line %d allows %q, which no finding of this statement carries", a.line, a.rule))
		}
	}
}

// find records a finding of rule id on a statement: a class, or a warning.
func (m *migration) find(st *statement, id, detail string) {
	r := ruleByID(id)
	f := judge.MigrationFinding{Statement: st.n, Line: st.line, SQL: judge.Shorten(st.text, 300), Class: r.Class,
		Rule: r.ID, Detail: detail, Reason: r.Why, Instead: r.Instead}
	if r.Warning() {
		m.warnings = append(m.warnings, f)
		return
	}
	m.findings = append(m.findings, f)
}

func (m *migration) result() judge.MigrationCheck {
	c := judge.MigrationCheck{Findings: m.findings, Warnings: m.warnings}
	if c.Findings == nil {
		c.Findings = []judge.MigrationFinding{}
	}
	if c.Warnings == nil {
		c.Warnings = []judge.MigrationFinding{}
	}
	c.Verdict()
	return c
}
