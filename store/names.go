package store

import (
	"regexp"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/judge"
)

// The one rule for service, target and token names. The schema's CHECK on
// services.name is the same expression (a test compares them).
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// NameRule describes ValidName for error messages.
const NameRule = "1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"

// ValidName reports whether s may name a service, a target or a token.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Invalid is the error a store returns for a value the schema refuses (a
// CHECK constraint, a NUL byte or invalid UTF-8 in text): a
// *judge.ValidationError, which the API answers with 400 naming field.
func Invalid(field, msg string) error {
	v := &judge.ValidationError{}
	v.Add(field, msg)
	return v
}

// CleanText reports whether every string can be stored as PostgreSQL
// text: valid UTF-8 without NUL bytes.
func CleanText(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
		for i := 0; i < len(s); i++ {
			if s[i] == 0 {
				return false
			}
		}
	}
	return true
}

// ErrText is the Invalid error for text CleanText refuses. The database
// cannot say which column held it.
func ErrText() error {
	return Invalid("body", "contains a NUL byte or invalid UTF-8, which cannot be stored")
}
