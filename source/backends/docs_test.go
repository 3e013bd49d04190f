package backends

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// renderer is what every opened source offers (sourcekit.Fetcher).
type renderer interface {
	Render(q string, s source.Scope, w sourcekit.Window) (string, error)
}

// docWindow and docScope are the window and canary scope docs/sources.md
// renders the example policies for.
var (
	docWindow = sourcekit.Window{Start: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 5, 10, 5, 0, 0, time.UTC)}
	docScope  = source.Scope{"app": "checkout", "track": "canary"}
)

// TestDocQueries: docs/sources.md shows, for every backend, each query of
// its example policy (source/TYPE/testdata/policy.yaml) exactly as the
// backend renders it for the canary scope app=checkout, track=canary and
// the window 10:00-10:05 UTC on 5 January 2026 (with the step of the
// doc's configuration example). Set CANARYJUDGE_PRINT_DOCS=1 to print
// them. Whether a rendering is right is shown by each backend's fuzz test
// (read back by its language's grammar); this keeps the doc current.
func TestDocQueries(t *testing.T) {
	b, err := os.ReadFile("../../docs/sources.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := map[string]json.RawMessage{}
	for _, m := range docExample.FindAllStringSubmatch(string(b), -1) {
		var req struct{ Config json.RawMessage }
		_ = json.Unmarshal([]byte(m[2]), &req)
		examples[m[1]] = req.Config
	}
	for _, typ := range []string{"prometheus", "datadog", "cloudwatch", "newrelic", "influxdb", "graphite", "web"} {
		be := All()[typ]
		cfg, err := be.Validate(examples[typ], nil)
		if err != nil {
			t.Fatalf("%s example: %v", typ, err)
		}
		src, err := be.Open("docs", cfg)
		if err != nil {
			t.Fatal(err)
		}
		var step struct{ Step judge.Duration }
		_ = json.Unmarshal(cfg, &step)
		w := docWindow
		w.Step = step.Step.Duration
		var out strings.Builder
		for _, m := range policy(t, typ).Metrics {
			for i, q := range []string{m.Query, m.TotalQuery} {
				part := []string{"query", "total_query"}[i]
				if q == "" {
					continue
				}
				r, err := src.(renderer).Render(q, docScope, w)
				if err != nil {
					t.Fatalf("%s %s.%s: %v", typ, m.Name, part, err)
				}
				fmt.Fprintf(&out, "%s %s:\n%s\n\n", m.Name, part, r)
				if !strings.Contains(string(b), r) {
					t.Errorf("docs/sources.md lacks %s's %s %s as rendered:\n%s", typ, m.Name, part, r)
				}
			}
		}
		if os.Getenv("CANARYJUDGE_PRINT_DOCS") != "" {
			t.Logf("### %s\n%s", typ, out.String())
		}
	}
}

func policy(t *testing.T, typ string) judge.Policy {
	b, err := os.ReadFile("../" + typ + "/testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policyfile.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
