package judge

import (
	"fmt"
	"strings"
)

// MigrationEvidence is what the migration gate records of one migration
// that blocked an automatic rollback.
type MigrationEvidence struct {
	ID         string             `json:"id"`
	Declared   Compat             `json:"declared,omitempty"`
	Classified Compat             `json:"classified,omitempty"`
	Effective  Compat             `json:"effective"`
	Blocking   []MigrationFinding `json:"blocking,omitempty"`
}

// unsafeMigrations lists the migrations that are not expand-only and says
// why in one line: the first blocking statement with its rule and reason.
func unsafeMigrations(ms []Migration) ([]MigrationEvidence, string) {
	var (
		out  []MigrationEvidence
		whys []string
	)
	for _, m := range ms {
		e := m.Effective()
		if e == CompatExpand {
			continue
		}
		out = append(out, MigrationEvidence{ID: m.ID, Declared: m.Compat, Classified: m.Classified, Effective: e, Blocking: m.Blocking})
		whys = append(whys, blockingWhy(m, e))
	}
	if len(whys) > 3 {
		whys = append(whys[:3], fmt.Sprintf("and %d more", len(whys)-3))
	}
	return out, strings.Join(whys, "; ")
}

// blockingWhy names what makes one migration unsafe to roll back across:
// its worst blocking statement with rule and reason, and a declaration.
func blockingWhy(m Migration, e Compat) string {
	var parts []string
	switch {
	case len(m.Blocking) > 0:
		f := m.Blocking[0]
		for _, b := range m.Blocking[1:] {
			if b.Class.rank() > f.Class.rank() {
				f = b
			}
		}
		s := f.Describe() + " — " + f.Reason
		if len(m.Blocking) > 1 {
			s += fmt.Sprintf(" (%d blocking statements in all)", len(m.Blocking))
		}
		parts = append(parts, s)
	case m.SQL != "" && m.Classified == "":
		parts = append(parts, "carries SQL that no classifier looked at (unknown)")
	}
	if m.Compat != "" && m.Compat != CompatExpand {
		parts = append(parts, "declared "+string(m.Compat))
	}
	if len(parts) == 0 {
		parts = append(parts, "classified "+string(e))
	}
	return "migration " + m.ID + ": " + strings.Join(parts, "; ")
}
