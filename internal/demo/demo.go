// Package demo drives a canaryjudge server over HTTP through a story worth
// looking at: a checkout release whose canary regresses while it carries a
// destructive migration, so the automatic rollback escalates to a human,
// who orders the rollback, which the deploy tool completes; plus a second
// release still baking. The UI's tests (browser included) and the report's
// API tests render it.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/httpjson"
)

// Client talks to one server.
type Client struct {
	URL   string
	Token string // "" when auth is off
	HTTP  *http.Client
}

// Do sends body (nil or JSON-encodable) and decodes a 2xx answer into out
// (when not nil); any other status is an error carrying the body.
func (c Client) Do(ctx context.Context, method, path string, body, out any) error {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	status, data, err := httpjson.Call(ctx, hc, method, c.URL+path, c.Token, body, math.MaxInt64)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, status, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// Names in the story.
const (
	Service  = "checkout"
	Target   = "prod-eu"
	Version  = "v2.4.0"
	Baseline = "v2.3.1"
	// Evil is text an operator typed into an override reason: the UI must
	// show it as text.
	Evil = `schema reviewed <script>document.title="pwned"</script> safe to drop back`
)

// Policy is the story's policy: an error count (critical), p99 latency
// (rolls back on its own) and CPU; a webhook sink when sinkURL is set.
func Policy(sinkURL string) map[string]any {
	effect := func(measure string, inc float64) map[string]any {
		return map[string]any{"measure": measure, "allowed_increase": inc}
	}
	p := map[string]any{
		"metrics": []map[string]any{
			{"name": "errors", "kind": "count", "group": "errors", "direction": "increase", "critical": true,
				"effect_size": map[string]any{"measure": "rate_ratio", "allowed_increase": 1.2, "floor": 0.0005}},
			{"name": "latency_p99", "kind": "latency", "group": "latency", "direction": "increase", "rollback_trigger": true,
				"effect_size": effect("mean_ratio", 1.2)},
			{"name": "cpu", "group": "saturation", "direction": "increase", "effect_size": effect("mean_ratio", 1.2)},
		},
		"groups":  map[string]float64{"errors": 40, "latency": 30, "saturation": 30},
		"windows": map[string]any{"interval": "5m", "min_windows": 3, "min_bake": "15m", "max_windows": 12, "consecutive_failures": 2},
		"guards": map[string]any{"rollback_cap": map[string]any{"per_service": 2, "fleet": 5, "window": "1h"},
			"rollback_timeout": "10m", "migrations": "expand_only"},
	}
	if sinkURL != "" {
		p["notify"] = []map[string]any{{"kind": "webhook", "url": sinkURL}}
	}
	return p
}

// Migrations: one destructive (contract: a rollback would find the column
// gone), one additive with a locking warning.
var Migrations = []map[string]any{
	{"id": "00042_drop_legacy_note", "sql": "ALTER TABLE orders DROP COLUMN legacy_note;"},
	{"id": "00043_orders_created", "sql": "CREATE INDEX orders_created ON orders (created_at);"},
}

// Story is what Run made.
type Story struct {
	RolledBack string   // the release that escalated on its migration and was rolled back by a human
	Baking     string   // a release still baking: one healthy window, then one whose source failed
	Decisions  []string // action/reason of each window of RolledBack
}

type outcome struct {
	Release  struct{ ID, State string } `json:"release"`
	Decision struct{ Action, Reason, State string }
}

// Run plays the story. Windows are stamped back from now (t0 is the first
// window's start): two healthy windows, then a regressing canary until
// the decision escalates (at most four bad windows).
func Run(ctx context.Context, c Client, sinkURL string, t0 time.Time) (Story, error) {
	var st Story
	if err := c.Do(ctx, http.MethodPut, "/v1/services/"+Service+"/policy", Policy(sinkURL), nil); err != nil {
		return st, err
	}
	var rel struct{ ID string }
	if err := c.Do(ctx, http.MethodPost, "/v1/releases", map[string]any{"service": Service, "target": Target,
		"version": Version, "baseline_version": Baseline, "migrations": Migrations}, &rel); err != nil {
		return st, err
	}
	st.RolledBack = rel.ID
	for w := 0; w < 6; w++ {
		var out outcome
		body := Window(uint64(w), w >= 2, t0.Add(time.Duration(w)*5*time.Minute))
		if err := c.Do(ctx, http.MethodPost, "/v1/releases/"+rel.ID+"/analyses", body, &out); err != nil {
			return st, err
		}
		st.Decisions = append(st.Decisions, out.Decision.Action+"/"+out.Decision.Reason)
		if out.Decision.Action == "escalate" {
			break
		}
		if out.Decision.Action != "wait" {
			return st, fmt.Errorf("window %d decided %s/%s; the story needs it to wait, then escalate", w+1, out.Decision.Action, out.Decision.Reason)
		}
	}
	if last := st.Decisions[len(st.Decisions)-1]; last != "escalate/migration_incompatible" {
		return st, fmt.Errorf("decisions %v: the story needs escalate/migration_incompatible", st.Decisions)
	}
	path := "/v1/releases/" + rel.ID
	if err := c.Do(ctx, http.MethodPost, path+"/override", map[string]any{"action": "rollback", "reason": Evil}, nil); err != nil {
		return st, err
	}
	if err := c.Do(ctx, http.MethodPost, path+"/events", map[string]any{"type": "rollback_completed", "detail": "argo: rolled back to " + Baseline}, nil); err != nil {
		return st, err
	}
	var other struct{ ID string }
	if err := c.Do(ctx, http.MethodPost, "/v1/releases", map[string]any{"service": Service, "target": "prod-us",
		"version": Version, "baseline_version": Baseline, "migrations": []any{}}, &other); err != nil {
		return st, err
	}
	st.Baking = other.ID
	if err := c.Do(ctx, http.MethodPost, "/v1/releases/"+other.ID+"/analyses", Window(99, false, t0), nil); err != nil {
		return st, err
	}
	// Then its metric source fails for one window.
	end := t0.Add(10 * time.Minute).UTC().Format(time.RFC3339)
	return st, c.Do(ctx, http.MethodPost, "/v1/releases/"+other.ID+"/analyses", map[string]any{"source_error": SourceError,
		"window": map[string]string{"start": t0.Add(5 * time.Minute).UTC().Format(time.RFC3339), "end": end}}, nil)
}

// SourceError is what the baking release's second window reports.
const SourceError = "prometheus: query timed out"
