package deploytool

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

// RunSpec is a scheduled run a tool's protocol starts for its release: the
// source to pull from, each side's label matchers, and optionally the
// window spacing and lifetime (Go durations; empty: the policy's).
type RunSpec struct {
	Source           string
	Canary, Baseline map[string]string
	Interval         string
	Lifetime         string
}

var scopeSplit = regexp.MustCompile(`\s*,\s*|\s+and\s+`)

// ParseScope reads label matchers written as text: "name=value" terms
// joined by "," or " and ", values optionally double-quoted (Kayenta's
// scopes, Flagger's metadata).
func ParseScope(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, term := range scopeSplit.Split(strings.TrimSpace(s), -1) {
		name, value, ok := strings.Cut(term, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if unq, found := strings.CutPrefix(value, `"`); found && strings.HasSuffix(unq, `"`) && len(unq) > 0 {
			value = strings.TrimSuffix(unq, `"`)
		}
		if !ok || !judge.IsLabelName(name) || value == "" {
			return nil, fmt.Errorf("%q is not label=value (label matchers joined by \",\" or \" and \")", term)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("label %q is named twice", name)
		}
		out[name] = value
	}
	return out, nil
}
