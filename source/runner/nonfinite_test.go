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

// TestNonFiniteSamples: a Prometheus answering +Inf samples (a p99 above
// the top histogram bucket, a division by zero). The source keeps them as
// sent and counts them per query; the judge refuses a side holding them
// (until it rules on them itself: issue 19), so every window is a
// source_error naming the point, and the run escalates; nothing is ever
// promoted and no window silently drops them.
func TestNonFiniteSamples(t *testing.T) {
	inf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		secs, _ := strconv.ParseFloat(r.Form.Get("start"), 64) // client_golang sends Unix seconds
		start := time.Unix(int64(secs), 0)
		var vals []string
		for i := range 20 {
			v := `"1"`
			if i%5 == 4 {
				v = `"+Inf"`
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
			if got.Status != "TERMINAL" || got.Decision == nil || got.Decision.Action != "escalate" || got.Windows.Done != 3 {
				t.Fatalf("%s after %d windows, decision %+v (%s); want TERMINAL / escalate at window 3", got.Status, got.Windows.Done, got.Decision, got.Reason)
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
				if !strings.Contains(w.SourceError, "must be finite") {
					t.Errorf("window %d: source_error %q, want the judge's refusal of the infinite point", i+1, w.SourceError)
				}
				for _, q := range w.Queries {
					if q.NonFinite != 4 || !strings.Contains(q.Problem, "4 non-finite values") {
						t.Errorf("window %d: query %+v, want its 4 +Inf samples counted", i+1, q)
					}
				}
			}
		})
	}
}
