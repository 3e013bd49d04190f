package judge

import (
	"strings"
	"testing"
	"time"
)

// TestStaleAfterAndSinkLimits: stale_after defaults to 3 x interval, may
// not be shorter than an interval nor longer than a week; at most
// MaxSinks notify sinks.
func TestStaleAfterAndSinkLimits(t *testing.T) {
	base := `{"metrics":[{"name":"m","group":"g","direction":"increase"}]`
	for _, c := range []struct {
		doc   string
		stale time.Duration
		field string
	}{
		{base + `}`, 15 * time.Minute, ""},
		{base + `,"windows":{"interval":"1m"}}`, 3 * time.Minute, ""},
		{base + `,"windows":{"stale_after":"2h"}}`, 2 * time.Hour, ""},
		{base + `,"windows":{"interval":"10m","stale_after":"5m"}}`, 0, "windows.stale_after"},
		{base + `,"windows":{"stale_after":"200h"}}`, 0, "windows.stale_after"},
		{base + `,"notify":[` + strings.Repeat(`{"kind":"slack","url":"https://h.example/x"},`, MaxSinks) + `{"kind":"slack","url":"https://h.example/y"}]}`, 0, "notify"},
	} {
		p, err := ParsePolicy([]byte(c.doc))
		if c.field == "" {
			if err != nil || p.Windows.StaleAfterOrDefault() != c.stale {
				t.Errorf("%s: stale after %v, %v; want %v", c.doc, p.Windows.StaleAfterOrDefault(), err, c.stale)
			}
			continue
		}
		if v, ok := AsValidation(err); !ok || v.Problems[0].Field != c.field {
			t.Errorf("%.80s: %v, want a problem with %s", c.doc, err, c.field)
		}
	}
}
