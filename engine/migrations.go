package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

// MigrationClassifier classifies one migration's SQL (a goose file or
// plain SQL). The real one, sqlcheck.Classifier, links PostgreSQL's
// parser through cgo; cmd/canaryjudge wires it in, so nothing here pays
// for it. Parse errors are findings (unknown), not errors.
type MigrationClassifier interface {
	Classify(ctx context.Context, sql string) (judge.MigrationCheck, error)
}

// MaxMigrationSQL is the most SQL one migration of a release may carry.
const MaxMigrationSQL = 256 << 10

// validateMigration checks one migration of a release request.
func validateMigration(v *judge.ValidationError, f string, m judge.Migration) {
	switch {
	case m.Compat == "" && m.SQL == "":
		v.Add(f+".compat", "required unless sql is given: one of expand, contract, incompatible")
	case m.Compat != "" && m.Compat != judge.CompatExpand && m.Compat != judge.CompatContract && m.Compat != judge.CompatIncompatible:
		v.Add(f+".compat", "must be one of expand, contract, incompatible")
	}
	switch {
	case len(m.SQL) > MaxMigrationSQL:
		v.Add(f+".sql", fmt.Sprintf("at most %d bytes, got %d", MaxMigrationSQL, len(m.SQL)))
	case strings.IndexByte(m.SQL, 0) >= 0:
		v.Add(f+".sql", "must not contain NUL bytes (PostgreSQL would refuse the migration)")
	}
	if m.Classified != "" || m.Blocking != nil || m.Warnings != nil {
		v.Add(f+".classified", "classified, blocking and warnings are set by canaryjudge, not by the caller")
	}
}

// classifyMigrations returns the migrations with the classifier's verdict
// on each one's SQL. Without a classifier, SQL is unknown: a release that
// carries SQL never rolls back automatically on an unread migration.
func (e *Engine) classifyMigrations(ctx context.Context, ms []judge.Migration) ([]judge.Migration, error) {
	out := make([]judge.Migration, len(ms))
	for i, m := range ms {
		out[i] = m
		if m.SQL == "" {
			continue
		}
		check := judge.Unclassified("no SQL classifier is configured in this server")
		if e.classifier != nil {
			var err error
			if check, err = e.classifier.Classify(ctx, m.SQL); err != nil {
				// SQL over the classifier's limits names this migration's field.
				var le interface{ WithField(string) error }
				if errors.As(err, &le) {
					return nil, le.WithField(fmt.Sprintf("migrations[%d].sql", i))
				}
				return nil, fmt.Errorf("classify migration %q: %w", m.ID, err)
			}
		}
		out[i].Classified, out[i].Blocking = check.Class, check.Blocking()
		if len(check.Warnings) > 0 {
			out[i].Warnings = check.Warnings
		}
	}
	return out, nil
}
