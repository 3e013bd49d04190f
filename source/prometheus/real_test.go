package prometheus

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
)

// weird is a label value that would break out of a spliced selector.
const weird = `we"ird} or vector(1) or {x="\`

// real starts a Prometheus for one test: a checkout canary and baseline,
// and a baseline whose app label is weird, scraped every 15 s over the
// half hour from t0.
func real(t *testing.T) (*promtest.Prometheus, time.Time) {
	t.Helper()
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
	base := promtest.Track{App: "checkout", Track: "baseline", RPS: 40, ErrorRatio: 0.01, LatencyMedian: 0.1, CPU: 0.5, CheckoutRPS: 4, CheckoutSuccess: 0.97}
	can := base
	can.Track = "canary"
	odd := base
	odd.App = weird
	return promtest.Start(t, promtest.Data{Start: t0, End: t0.Add(30 * time.Minute), Scrape: 15 * time.Second,
		Tracks: []promtest.Track{base, can, odd}, Seed: 1}), t0
}

func open(t *testing.T, url string, extra string) *Source {
	t.Helper()
	cfg := `{"url":"` + url + `","step":"15s","timeout":"5s"` + extra + `}`
	raw, err := (Backend{}).Validate(json.RawMessage(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New("prom", raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFetchRealPrometheus(t *testing.T) {
	p, t0 := real(t)
	s := open(t, p.URL, "")
	start := t0.Add(10 * time.Minute)
	res, err := s.Fetch(context.Background(), source.Request{Metrics: samplePolicy().Metrics,
		Canary: source.Scope{"app": "checkout", "track": "canary"}, Baseline: source.Scope{"app": weird, "track": "baseline"},
		Start: start, End: start.Add(5 * time.Minute)})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(res.Asked) != 12 || res.Requests != 12 {
		t.Fatalf("asked %d queries in %d requests, want 12 (2 counts x 2 parts + 2 series, per side)", len(res.Asked), res.Requests)
	}
	for _, a := range res.Asked {
		if a.Series != 1 || a.Points != 20 || a.Problem != "" {
			t.Errorf("%+v: want one series of 20 points (5m / 15s) and no problem", a)
		}
	}
	for name, sd := range map[string]judge.Side{"canary": res.Canary, "baseline": res.Baseline} {
		e := sd.Counts["errors"]
		var ev, tot float64
		for i := range e.Total {
			ev, tot = ev+e.Events[i], tot+e.Total[i]
		}
		// 40 rps * 15 s = 600 per point; 1 % errors.
		if r := ev / tot; math.Abs(tot/20-600) > 120 || r < 0.005 || r > 0.015 {
			t.Errorf("%s errors: %g of %g per window (%.4f), want about 600 requests per point and 1 %%", name, ev, tot, r)
		}
		// lognormal(median 0.1, sigma 0.5): p99 = 0.1 * exp(2.326 * 0.5) = 0.32 (bucket interpolation between 0.3 and 0.4)
		for _, x := range sd.Series["latency_p99"] {
			if x < 0.27 || x > 0.4 {
				t.Errorf("%s latency_p99 point %g, want about 0.32", name, x)
			}
		}
		if c := sd.Series["cpu"]; len(c) != 20 || c[0] < 0.35 || c[0] > 0.65 {
			t.Errorf("%s cpu = %v, want about 0.5", name, c)
		}
	}
	if !strings.Contains(res.Asked[0].Query, `app="checkout",track="canary"`) {
		t.Errorf("first query %q does not carry the canary's matchers", res.Asked[0].Query)
	}
}

func TestFetchProblems(t *testing.T) {
	p, t0 := real(t)
	s := open(t, p.URL, `,"retries":0`)
	start := t0.Add(10 * time.Minute)
	req := func(ms []judge.Metric, canary source.Scope) source.Request {
		return source.Request{Metrics: ms, Canary: canary, Baseline: source.Scope{"app": "checkout", "track": "baseline"}, Start: start, End: start.Add(5 * time.Minute)}
	}
	// A scope that matches nothing: that side is missing, never an abort.
	res, err := s.Fetch(context.Background(), req(samplePolicy().Metrics, source.Scope{"app": "checkout", "track": "nope"}))
	if err != nil {
		t.Fatalf("empty result aborted the window: %v", err)
	}
	if !res.Canary.Empty() || len(res.Baseline.Counts) != 2 || len(res.Baseline.Series) != 2 {
		t.Fatalf("canary = %+v, baseline has %d counts and %d series; want an empty canary and a full baseline", res.Canary, len(res.Baseline.Counts), len(res.Baseline.Series))
	}
	if res.Asked[0].Problem == "" || !strings.Contains(res.Asked[0].Problem, "empty result") {
		t.Fatalf("asked[0] = %+v, want the empty result named", res.Asked[0])
	}
	// Several series: an error naming the metric and the label sets.
	ms := []judge.Metric{{Name: "rps", Kind: judge.KindGauge, Query: `rate(http_requests_total{ {{scope}} }[1m])`}}
	_, err = s.Fetch(context.Background(), req(ms, source.Scope{"app": "checkout", "track": "canary"}))
	if err == nil || !strings.Contains(err.Error(), "rps (canary)") || !strings.Contains(err.Error(), `code="500"`) || !strings.Contains(err.Error(), "2 series") {
		t.Fatalf("err = %v, want the metric, the side and both label sets named", err)
	}
	// A query Prometheus refuses: its error payload is passed on.
	ms[0].Query = `sum(rate(http_requests_total{ {{scope}} }[1m])) by (`
	_, err = s.Fetch(context.Background(), req(ms, source.Scope{"app": "checkout", "track": "canary"}))
	if err == nil || !strings.Contains(err.Error(), "bad_data") || !strings.Contains(err.Error(), "parse error") {
		t.Fatalf("err = %v, want Prometheus's bad_data parse error passed on", err)
	}
}
