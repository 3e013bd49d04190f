package prometheus

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
)

// podMedians are each pod's latency median (s): pods of one side differ
// by ±10 %, as machines do, whatever the version.
var podMedians = map[string]float64{"b-1": 0.09, "b-2": 0.10, "b-3": 0.11, "c-1": 0.095, "c-2": 0.105, "c-3": 0.115}

// pods starts a Prometheus with three baseline and three canary pods of
// one app, scraped every 15 s over the half hour from t0.
func pods(t *testing.T) (*promtest.Prometheus, time.Time) {
	t.Helper()
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
	var tracks []promtest.Track
	for _, pod := range slices.Sorted(func(yield func(string) bool) {
		for k := range podMedians {
			if !yield(k) {
				return
			}
		}
	}) {
		track := map[byte]string{'b': "baseline", 'c': "canary"}[pod[0]]
		tracks = append(tracks, promtest.Track{App: "checkout", Track: track, Pod: pod, RPS: 40, ErrorRatio: 0.01,
			LatencyMedian: podMedians[pod], CPU: 0.5, CheckoutRPS: 4, CheckoutSuccess: 0.97})
	}
	return promtest.Start(t, promtest.Data{Start: t0, End: t0.Add(30 * time.Minute), Scrape: 15 * time.Second, Tracks: tracks, Seed: 3}), t0
}

func perPodPolicy() []judge.Metric {
	return []judge.Metric{
		{Name: "errors", Group: "errors", Kind: judge.KindCount, InstanceLabel: "pod", Direction: judge.DirIncrease,
			Query:      `sum by (pod) (increase(http_requests_total{ {{scope}}, code=~"5.." }[{{step}}]))`,
			TotalQuery: `sum by (pod) (increase(http_requests_total{ {{scope}} }[{{step}}]))`},
		{Name: "latency_p99", Group: "latency", Kind: judge.KindLatency, InstanceLabel: "pod", Direction: judge.DirIncrease,
			Query: `histogram_quantile(0.99, sum by (le, pod) (rate(http_request_duration_seconds_bucket{ {{scope}} }[1m])))`},
	}
}

// A per-instance metric comes back as one instance per pod on each side,
// with each pod's own level, and the judge judges the pods as replicates.
func TestFetchPerInstanceRealPrometheus(t *testing.T) {
	p, t0 := pods(t)
	s := open(t, p.URL, `,"retries":0`)
	start := t0.Add(10 * time.Minute)
	req := func(ms []judge.Metric) source.Request {
		return source.Request{Metrics: ms, Canary: source.Scope{"app": "checkout", "track": "canary"},
			Baseline: source.Scope{"app": "checkout", "track": "baseline"}, Start: start, End: start.Add(5 * time.Minute)}
	}
	res, err := s.Fetch(context.Background(), req(perPodPolicy()))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for _, a := range res.Asked {
		if a.Series != 3 || a.Points != 60 || a.Problem != "" {
			t.Errorf("%+v: want 3 series (one per pod) of 20 points and no problem", a)
		}
	}
	for side, sd := range map[string]judge.Side{"c": res.Canary, "b": res.Baseline} {
		lat, errs := sd.Instances["latency_p99"], sd.Instances["errors"]
		if len(sd.Series) != 0 || len(sd.Counts) != 0 || lat.Len() != 3 || errs.Len() != 3 {
			t.Fatalf("side %s: %d series, %d counts, %d latency and %d error instances; want only 3 instances of each", side, len(sd.Series), len(sd.Counts), lat.Len(), errs.Len())
		}
		for _, pod := range []string{side + "-1", side + "-2", side + "-3"} {
			c := errs.Counts[pod]
			var ev, tot float64
			for i := range c.Total {
				ev, tot = ev+c.Events[i], tot+c.Total[i]
			}
			if len(c.Total) != 20 || tot/20 < 480 || tot/20 > 720 || ev > tot {
				t.Errorf("%s errors: %d points, %g of %g; want 20 points of about 600 requests", pod, len(c.Total), ev, tot)
			}
			// p99 = median * exp(2.326 * 0.5) = 3.2 x median (bucket interpolation: ±25 %).
			want := 3.2 * podMedians[pod]
			if m := mean(lat.Series[pod]); m < 0.75*want || m > 1.25*want {
				t.Errorf("%s latency_p99 mean %g, want about %g (its pod's own level)", pod, m, want)
			}
		}
	}
	pol := judge.DefaultPolicy()
	pol.Metrics = perPodPolicy()
	pol.Groups = map[string]float64{"errors": 50, "latency": 50}
	r, err := judge.JudgeSides(pol, res.Canary, res.Baseline)
	if err != nil {
		t.Fatalf("judging the fetched sides: %v", err)
	}
	for _, mr := range r.Metrics {
		if mr.Canary.Instances != 3 || mr.Baseline.Instances != 3 || mr.Canary.Spread == nil || *mr.Canary.Spread <= 0 {
			t.Errorf("%s: judged by %d and %d instances, canary spread %v; want 3 replicates per side and their spread", mr.Name, mr.Canary.Instances, mr.Baseline.Instances, mr.Canary.Spread)
		}
	}
}

// A query that loses the instance label, or keeps more than it, fails the
// window with an error that says how to write it.
func TestFetchPerInstanceProblems(t *testing.T) {
	p, t0 := pods(t)
	s := open(t, p.URL, `,"retries":0`)
	start := t0.Add(10 * time.Minute)
	for _, tc := range []struct{ query, want string }{
		{`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{ {{scope}} }[1m])))`, "has no label pod (instance_label)"},
		{`sum by (pod, code) (rate(http_requests_total{ {{scope}} }[1m]))`, "both give instance"},
	} {
		ms := []judge.Metric{{Name: "m", Kind: judge.KindGauge, InstanceLabel: "pod", Query: tc.query}}
		res, err := s.Fetch(context.Background(), source.Request{Metrics: ms, Canary: source.Scope{"app": "checkout", "track": "canary"},
			Baseline: source.Scope{"app": "checkout", "track": "baseline"}, Start: start, End: start.Add(5 * time.Minute)})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "m (canary)") {
			t.Errorf("%s: err = %v, want %q naming the metric and side", tc.query, err, tc.want)
		}
		if !res.Canary.Empty() {
			t.Errorf("%s: a failed window returned data: %+v", tc.query, res.Canary)
		}
	}
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
