// Package sourcetest is the conformance suite every metric source backend
// passes (Run), with the data it is run on: one generated dataset, loaded
// into a real server (Prometheus, VictoriaMetrics, InfluxDB, Graphite) or
// answered by a fixture server built from the backend's public API
// reference (Datadog, CloudWatch, New Relic, the generic JSON source),
// and a fault proxy in front of either that plays timeouts, rate limits
// and refused credentials the way each backend answers them.
package sourcetest

import (
	"fmt"
	"maps"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/promtest"
)

// Weird is a scope value that would break out of any spliced query
// language: quotes of both kinds, a brace, a backslash, a space and a
// comma. Its tracks carry 20 requests a second (the others 48-50), so a
// query that reads its data back is told apart from one that does not.
const Weird = `we"i'rd} \app,x`

// Apps of the dataset: healthy and bad are one baseline and one canary
// each (bad's canary has 5x the errors and +40 % latency); weird is
// healthy with the Weird app label; partial's canary stops reporting
// halfway through the suite's window; pods has three pods per side.
const (
	AppHealthy = "healthy"
	AppBad     = "bad"
	AppPartial = "partial"
	AppPods    = "pods"
)

// Step is the dataset's resolution and every source's step in the suite.
const Step = 15 * time.Second

// T0 is the dataset's start: a whole hour three hours ago, so every window
// is in the past (the backends' retention must reach back that far).
func T0() time.Time { return time.Now().Add(-3 * time.Hour).Truncate(time.Hour).UTC() }

// Window is the suite's window: 5 minutes from T0+10m, 20 points.
func Window(t0 time.Time) (start, end time.Time) {
	return t0.Add(10 * time.Minute), t0.Add(15 * time.Minute)
}

// Dataset is 70 minutes from t0, scraped every 15 s.
func Dataset(t0 time.Time) promtest.Data {
	base := promtest.Track{Track: "baseline", RPS: 50, ErrorRatio: 0.005, LatencyMedian: 0.1, CPU: 0.5, CheckoutRPS: 5, CheckoutSuccess: 0.97}
	canary := func(b promtest.Track) promtest.Track {
		c := b
		c.Track, c.RPS, c.LatencyMedian, c.CPU = "canary", b.RPS*0.96, b.LatencyMedian*1.02, b.CPU*1.02
		return c
	}
	var tracks []promtest.Track
	for _, app := range []string{AppHealthy, AppBad, Weird, AppPartial} {
		b := base
		b.App = app
		if app == Weird {
			b.RPS = 20.8
		}
		c := canary(b)
		switch app {
		case AppBad:
			c.ErrorRatio, c.LatencyMedian = 5*b.ErrorRatio, 1.4*b.LatencyMedian
		case AppPartial:
			start, _ := Window(t0)
			c.Until = start.Add(150 * time.Second)
		}
		tracks = append(tracks, b, c)
	}
	for i := 1; i <= 3; i++ {
		b := base
		b.App, b.Pod, b.RPS = AppPods, fmt.Sprintf("b-%d", i), 20
		c := canary(b)
		c.Pod = fmt.Sprintf("c-%d", i)
		tracks = append(tracks, b, c)
	}
	return promtest.Data{Start: t0, End: t0.Add(70 * time.Minute), Scrape: Step, Tracks: tracks, Seed: 23}
}

// Base is one stored series of the dataset in per-interval form: what a
// backend other than Prometheus stores. Points are stamped at the start
// of the interval they cover.
type Base struct {
	Name   string
	Labels map[string]string
	Points []BasePoint
}

// BasePoint is one interval's value.
type BasePoint struct {
	T time.Time
	V float64
}

// Metric names of the per-interval form.
const (
	MRequests  = "http_requests"    // requests per interval, by code (200, 500)
	MLatency   = "http_latency_p99" // latency p99 (s)
	MCPU       = "process_cpu"      // cores
	MAttempts  = "checkout_attempts"
	MSuccesses = "checkout_success"
)

// Flat is d in per-interval form: for every track, requests by code,
// latency p99, cpu, checkout attempts and successes.
func Flat(d promtest.Data) []Base {
	var out []Base
	steps := d.Steps()
	for k, tr := range d.Tracks {
		labels := map[string]string{"app": tr.App, "track": tr.Track}
		if tr.Pod != "" {
			labels["pod"] = tr.Pod
		}
		with := func(extra ...string) map[string]string {
			l := maps.Clone(labels)
			for i := 0; i+1 < len(extra); i += 2 {
				l[extra[i]] = extra[i+1]
			}
			return l
		}
		series := map[string]*Base{}
		add := func(key, name string, l map[string]string, t time.Time, v float64) {
			b := series[key]
			if b == nil {
				b = &Base{Name: name, Labels: l}
				series[key] = b
			}
			b.Points = append(b.Points, BasePoint{T: t, V: v})
		}
		for _, s := range steps[k] {
			add("ok", MRequests, with("code", "200"), s.T, s.Requests-s.Errors)
			add("err", MRequests, with("code", "500"), s.T, s.Errors)
			add("lat", MLatency, with(), s.T, s.P99)
			add("cpu", MCPU, with(), s.T, s.CPU)
			add("att", MAttempts, with(), s.T, s.Attempts)
			add("succ", MSuccesses, with(), s.T, s.Successes)
		}
		for _, key := range []string{"ok", "err", "lat", "cpu", "att", "succ"} {
			if series[key] != nil {
				out = append(out, *series[key])
			}
		}
	}
	return out
}
