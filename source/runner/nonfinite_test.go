package runner_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/source/runner"
)

// TestNonFiniteSamples: a Prometheus answering +Inf samples for the
// canary's p99 (above the top histogram bucket). The source keeps them as
// sent and counts them per query; the judge counts them too, fails the
// metric (+Inf latency is unbounded in the direction the policy calls bad)
// and never promotes the release: the run ends rolled back, and no window
// silently drops them.
func TestNonFiniteSamples(t *testing.T) {
	inf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		secs, _ := strconv.ParseFloat(r.Form.Get("start"), 64) // client_golang sends Unix seconds
		start := time.Unix(int64(secs), 0)
		q := r.Form.Get("query")
		var vals []string
		for i := range 20 {
			v := `"100"` // totals and cpu
			switch {
			case strings.Contains(q, `5..`):
				v = `"0"`
			case strings.Contains(q, "checkout_success"):
				v = `"99"`
			case strings.Contains(q, "histogram_quantile") && strings.Contains(q, "canary") && i%5 == 4:
				v = `"+Inf"`
			case strings.Contains(q, "histogram_quantile"):
				v = `"0.25"`
			}
			vals = append(vals, fmt.Sprintf("[%d,%s]", start.Add(time.Duration(i)*15*time.Second).Unix(), v))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[%s]}]}}`, strings.Join(vals, ","))
	}))
	t.Cleanup(inf.Close)
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := newStack(t, open(t))
			rel := s.release(t, "checkout", inf.URL)
			var v runView
			s.mustDo(t, "POST", "/v1/releases/"+rel+"/runs", map[string]any{"source": "prom", "interval": "5m", "lifetime": "40m",
				"start": time.Now().Add(-2 * time.Hour).Truncate(time.Minute).Format(time.RFC3339),
				"scope": map[string]any{"canary": map[string]string{"app": "checkout", "track": "canary"}, "baseline": map[string]string{"app": "checkout", "track": "baseline"}}}, 202, &v)
			s.start(t, runner.Options{})
			got := s.await(t, v.ID)
			if got.Status != "TERMINAL" || got.Decision == nil || got.Decision.Action != "rollback" {
				t.Fatalf("%s after %d windows, decision %+v (%s); want TERMINAL / rollback", got.Status, got.Windows.Done, got.Decision, got.Reason)
			}
			var ws struct {
				Windows []struct {
					SourceError string `json:"source_error"`
					Queries     []struct {
						NonFinite int `json:"non_finite"`
						Problem   string
					}
				}
			}
			s.mustDo(t, "GET", "/v1/runs/"+v.ID+"/windows", nil, 200, &ws)
			for i, w := range ws.Windows {
				if w.SourceError != "" {
					t.Errorf("window %d: source_error %q, want the +Inf points judged", i+1, w.SourceError)
				}
				counted := 0
				for _, q := range w.Queries {
					if q.NonFinite == 4 && strings.Contains(q.Problem, "4 non-finite values") {
						counted++
					}
				}
				if counted != 1 {
					t.Errorf("window %d: %d queries counted 4 non-finite samples, want the canary's p99 query: %+v", i+1, counted, w.Queries)
				}
			}
		})
	}
}
