// Package promtest runs a real Prometheus for tests: it writes OpenMetrics
// for canary and baseline tracks of services (realistic noise: a load that
// wanders with autocorrelation, Poisson counts, a latency histogram),
// loads them with `promtool tsdb create-blocks-from openmetrics`, and starts
// `prometheus` on a random loopback port over that storage, ready when its
// readiness endpoint says so. Debian's prometheus package provides both
// binaries (scripts/deps.sh installs it).
package promtest

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Track is one side of one service: the series carry app and track
// labels, and a pod label when Pod is set (one instance of the side).
type Track struct {
	App, Track string
	Pod        string
	RPS        float64 // requests per second
	ErrorRatio float64 // share of requests with code 500
	// LatencyMedian is the median request latency in seconds; latencies
	// are lognormal with LatencySigma (default 0.5), so p99 is
	// LatencyMedian * exp(2.326 * sigma).
	LatencyMedian, LatencySigma float64
	CPU                         float64 // cores
	CheckoutRPS                 float64 // checkout attempts per second
	CheckoutSuccess             float64 // share of attempts that succeed
	// Until, when set, ends the track early: no samples after it (a
	// side that stopped reporting mid-window).
	Until time.Time
}

// Data is what to write: every track scraped every Scrape over [Start, End].
type Data struct {
	Start, End time.Time
	Scrape     time.Duration
	Tracks     []Track
	Seed       uint64
}

// Buckets are the latency histogram's upper bounds (seconds).
var Buckets = []float64{0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2.5}

// series is one track's cumulative counters.
type series struct {
	load, lat                 float64 // AR(1) load factor and latency factor
	req, errs, cpu, att, succ float64
	buckets                   []float64
	p99                       float64
	count, sum                float64
}

// sample is one scrape of every family of one track.
type sample struct {
	req, errs, cpu, att, succ, count, sum float64
	buckets                               []float64
	p99                                   float64 // latency p99 over the last interval (s)
}

// generate draws every track at every scrape: times, and samples[i][k]
// for track k at times[i].
func (d Data) generate() ([]time.Time, [][]sample) {
	times := []time.Time{}
	for t := d.Start; !t.After(d.End); t = t.Add(d.Scrape) {
		times = append(times, t)
	}
	samples := make([][]sample, len(times))
	state := make([]series, len(d.Tracks))
	rng := rand.New(rand.NewPCG(d.Seed, 0x9e3779b97f4a7c15))
	for k := range state {
		state[k] = series{load: 1, lat: 1, buckets: make([]float64, len(Buckets))}
	}
	for i := range times {
		samples[i] = make([]sample, len(d.Tracks))
		for k, tr := range d.Tracks {
			samples[i][k] = state[k].step(rng, tr, d.Scrape.Seconds(), i == 0)
		}
	}
	return times, samples
}

// WriteOpenMetrics writes d as one OpenMetrics exposition with timestamps.
func (d Data) WriteOpenMetrics(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	times, samples := d.generate()
	d.writeFamilies(bw, times, samples, func(t time.Time) string { return fmt.Sprintf("%d.%03d", t.Unix(), t.Nanosecond()/1e6) })
	fmt.Fprintln(bw, "# EOF")
	return bw.Flush()
}

// WritePrometheusText writes d in the Prometheus text format with
// millisecond timestamps (what VictoriaMetrics imports).
func (d Data) WritePrometheusText(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	times, samples := d.generate()
	d.writeFamilies(bw, times, samples, func(t time.Time) string { return fmt.Sprint(t.UnixMilli()) })
	return bw.Flush()
}

// Step is what one track did over one scrape interval, for backends that
// store per-interval values rather than Prometheus's cumulative counters:
// the interval is [T, T+Scrape), stamped at its start.
type Step struct {
	T                   time.Time
	Requests, Errors    float64 // requests in the interval, and those with code 500
	CPU                 float64 // cores used on average
	Attempts, Successes float64 // checkout attempts and successes
	P99                 float64 // latency p99 of the interval (s)
	Count, Sum          float64 // latency observations and their sum (s)
}

// Steps returns every track's intervals (Steps()[k] is track k's), the
// same draws WriteOpenMetrics writes as counters.
func (d Data) Steps() [][]Step {
	times, samples := d.generate()
	out := make([][]Step, len(d.Tracks))
	for k, tr := range d.Tracks {
		for i := 1; i < len(times); i++ {
			if !tr.Until.IsZero() && times[i].After(tr.Until) {
				break
			}
			a, b := samples[i-1][k], samples[i][k]
			out[k] = append(out[k], Step{T: times[i-1], Requests: b.req - a.req, Errors: b.errs - a.errs,
				CPU: (b.cpu - a.cpu) / d.Scrape.Seconds(), Attempts: b.att - a.att, Successes: b.succ - a.succ,
				P99: b.p99, Count: b.count - a.count, Sum: b.sum - a.sum})
		}
	}
	return out
}

// step advances one track by one scrape interval.
func (s *series) step(rng *rand.Rand, tr Track, dt float64, first bool) sample {
	s.load = 1 + 0.7*(s.load-1) + 0.05*rng.NormFloat64()
	s.lat = 1 + 0.7*(s.lat-1) + 0.02*rng.NormFloat64()
	if !first {
		n := poisson(rng, tr.RPS*dt*max(s.load, 0.1))
		e := binomial(rng, n, tr.ErrorRatio)
		s.req += n
		s.errs += e
		s.cpu += max(0, tr.CPU*s.load*(1+0.05*rng.NormFloat64())) * dt
		a := poisson(rng, tr.CheckoutRPS*dt*max(s.load, 0.1))
		s.att += a
		s.succ += binomial(rng, a, tr.CheckoutSuccess)
		sigma := tr.LatencySigma
		if sigma == 0 {
			sigma = 0.5
		}
		med := tr.LatencyMedian * s.lat
		for b, le := range Buckets {
			s.buckets[b] += math.Round(n * normCDF((math.Log(le)-math.Log(med))/sigma))
		}
		s.count += n
		s.sum += n * med * math.Exp(sigma*sigma/2)
		s.p99 = med * math.Exp(2.326*sigma)
	}
	return sample{req: s.req, errs: s.errs, cpu: s.cpu, att: s.att, succ: s.succ, count: s.count, sum: s.sum,
		buckets: append([]float64(nil), s.buckets...), p99: s.p99}
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

func poisson(rng *rand.Rand, mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	if mean > 50 {
		return math.Max(0, math.Round(mean+math.Sqrt(mean)*rng.NormFloat64()))
	}
	l, k, p := math.Exp(-mean), 0.0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func binomial(rng *rand.Rand, n, p float64) float64 {
	if n <= 0 || p <= 0 {
		return 0
	}
	if p >= 1 {
		return n
	}
	if n*p > 30 && n*(1-p) > 30 {
		return math.Min(n, math.Max(0, math.Round(n*p+math.Sqrt(n*p*(1-p))*rng.NormFloat64())))
	}
	if n < 200 {
		c := 0.0
		for range int(n) {
			if rng.Float64() < p {
				c++
			}
		}
		return c
	}
	return math.Min(n, poisson(rng, n*p))
}

// writeFamilies writes each metric family, time-major (every series in
// time order, a family's samples together).
func (d Data) writeFamilies(w io.Writer, times []time.Time, samples [][]sample, stamp func(time.Time) string) {
	type fam struct {
		name, typ string
		lines     func(tr Track, s sample, ts string)
	}
	ls := func(tr Track, extra string) string {
		if tr.Pod != "" {
			extra = fmt.Sprintf(`,pod="%s"%s`, esc(tr.Pod), extra)
		}
		return fmt.Sprintf(`app="%s",track="%s"%s`, esc(tr.App), esc(tr.Track), extra)
	}
	fams := []fam{
		{"http_requests", "counter", func(tr Track, s sample, ts string) {
			fmt.Fprintf(w, "http_requests_total{%s} %g %s\n", ls(tr, `,code="200"`), s.req-s.errs, ts)
			fmt.Fprintf(w, "http_requests_total{%s} %g %s\n", ls(tr, `,code="500"`), s.errs, ts)
		}},
		{"http_request_duration_seconds", "histogram", func(tr Track, s sample, ts string) {
			for b, le := range Buckets {
				fmt.Fprintf(w, "http_request_duration_seconds_bucket{%s} %g %s\n", ls(tr, fmt.Sprintf(`,le="%g"`, le)), s.buckets[b], ts)
			}
			fmt.Fprintf(w, "http_request_duration_seconds_bucket{%s} %g %s\n", ls(tr, `,le="+Inf"`), s.count, ts)
			fmt.Fprintf(w, "http_request_duration_seconds_count{%s} %g %s\n", ls(tr, ""), s.count, ts)
			fmt.Fprintf(w, "http_request_duration_seconds_sum{%s} %g %s\n", ls(tr, ""), s.sum, ts)
		}},
		{"process_cpu_seconds", "counter", func(tr Track, s sample, ts string) {
			fmt.Fprintf(w, "process_cpu_seconds_total{%s} %g %s\n", ls(tr, ""), s.cpu, ts)
		}},
		{"checkout_attempts", "counter", func(tr Track, s sample, ts string) {
			fmt.Fprintf(w, "checkout_attempts_total{%s} %g %s\n", ls(tr, ""), s.att, ts)
		}},
		{"checkout_success", "counter", func(tr Track, s sample, ts string) {
			fmt.Fprintf(w, "checkout_success_total{%s} %g %s\n", ls(tr, ""), s.succ, ts)
		}},
	}
	for _, f := range fams {
		fmt.Fprintf(w, "# TYPE %s %s\n", f.name, f.typ)
		for i, t := range times {
			ts := stamp(t)
			for k, tr := range d.Tracks {
				if !tr.Until.IsZero() && t.After(tr.Until) {
					continue
				}
				f.lines(tr, samples[i][k], ts)
			}
		}
	}
}

// esc escapes an OpenMetrics label value.
func esc(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
