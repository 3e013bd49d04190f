package judge

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CompatUnknown is the class of SQL nobody could classify (unparseable,
// raw DML, DO blocks, replaced functions, or no classifier configured). It
// needs a human exactly like incompatible.
const CompatUnknown Compat = "unknown"

// RuleUnclassified is the rule id of SQL that reached the gate without a
// classifier having looked at it.
const RuleUnclassified = "unclassified"

// MigrationFinding is one verdict of the SQL classifier on one statement
// of a migration (a compatibility class), or one locking hazard (a
// warning, Class empty).
type MigrationFinding struct {
	Statement int    `json:"statement"` // 1-based position in the migration
	Line      int    `json:"line"`      // line of the migration text where it starts
	SQL       string `json:"sql"`       // the statement, shortened for display
	Class     Compat `json:"class,omitempty"`
	Rule      string `json:"rule"`
	Detail    string `json:"detail,omitempty"` // what exactly: the object, the types, the parser's message
	Reason    string `json:"reason"`
	Instead   string `json:"instead,omitempty"` // the safe expand/contract sequence
	// Allowed is the reason of a `-- canaryjudge:allow RULE REASON`
	// annotation that accepted this finding; an allowed finding does not
	// count against the migration.
	Allowed string `json:"allowed,omitempty"`
}

// Blocks reports whether the finding stops an automatic rollback.
func (f MigrationFinding) Blocks() bool {
	return f.Class != "" && f.Class != CompatExpand && f.Allowed == ""
}

// Describe is a one-line account of a finding for messages and pages.
func (f MigrationFinding) Describe() string {
	s := fmt.Sprintf("statement %d (line %d) %q is %s (%s)", f.Statement, f.Line, Shorten(f.SQL, 120), f.Class, f.Rule)
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	return s
}

// MigrationCheck is the classifier's answer for one migration's SQL.
type MigrationCheck struct {
	// Class is the worst class of the findings not accepted by an allow
	// annotation; expand when there is nothing else.
	Class    Compat             `json:"class"`
	Findings []MigrationFinding `json:"findings"`
	Warnings []MigrationFinding `json:"warnings"`
}

// NeedsHuman reports whether the migration blocks an automatic rollback.
func (c MigrationCheck) NeedsHuman() bool { return c.Class != CompatExpand }

// Blocking lists the findings that stop an automatic rollback.
func (c MigrationCheck) Blocking() []MigrationFinding {
	var out []MigrationFinding
	for _, f := range c.Findings {
		if f.Blocks() {
			out = append(out, f)
		}
	}
	return out
}

// Verdict sets Class from the findings: the worst of those that block.
func (c *MigrationCheck) Verdict() {
	c.Class = CompatExpand
	for _, f := range c.Blocking() {
		c.Class = Worse(c.Class, f.Class)
	}
}

// Unclassified is the check of SQL no classifier looked at: unknown.
func Unclassified(why string) MigrationCheck {
	c := MigrationCheck{Findings: []MigrationFinding{{Statement: 1, Line: 1, Class: CompatUnknown, Rule: RuleUnclassified,
		Reason:  "the migration carries SQL but no classifier looked at it (" + why + "); a human must read it",
		Instead: "run `canaryjudge migrations check` on it, or declare its compat after reading it"}}}
	c.Verdict()
	return c
}

// Shorten collapses whitespace and cuts s to at most n bytes (on a rune
// boundary), marking the cut with "…".
func Shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
