package memory

import (
	"strings"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/store"
)

// textArgs refuses, as PostgreSQL does, text arguments it cannot hold (a
// NUL byte, invalid UTF-8): a read keyed or filtered by one is an error in
// both stores, never "nothing matches" in this one alone.
func textArgs(args ...string) error {
	for _, a := range args {
		if !utf8.ValidString(a) || strings.IndexByte(a, 0) >= 0 {
			return store.ErrText()
		}
	}
	return nil
}
