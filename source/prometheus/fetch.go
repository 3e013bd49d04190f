package prometheus

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
)

// Sides and parts of a window's queries.
const (
	sideCanary   = "canary"
	sideBaseline = "baseline"
	partEvents   = "events"
	partTotal    = "total"
)

// job is one query of a window and what came back.
type job struct {
	metric judge.Metric
	side   string
	part   string
	asked  source.Asked
	series *model.SampleStream // nil: no data
	// byInst holds a per-instance metric's series by instance name
	// (metric.InstanceLabel set); nil: no data.
	byInst map[string]*model.SampleStream
	reqs   int
	err    error
}

// Fetch runs every metric's queries for both sides of the window: a plain
// series per metric, events and totals for count metrics. Points are the
// query's values at start+step, start+2*step, ..., end (each evaluation
// looks back from its timestamp, so the window's own data). An empty
// result leaves that side of the metric out (the judge makes it nodata)
// and says so in the Asked entry; several series, or an error Prometheus
// could not get past within its retries, fail the whole window.
func (s *Source) Fetch(ctx context.Context, req source.Request) (source.Result, error) {
	jobs := s.plan(req)
	s.runJobs(ctx, jobs, req.Start.Add(s.cfg.Step.Duration), req.End)
	res := source.Result{Canary: newSide(), Baseline: newSide(), Asked: make([]source.Asked, len(jobs))}
	var errs []string
	byMsg := map[string][]string{}
	for _, j := range jobs {
		res.Requests += j.reqs
		if j.err != nil {
			msg := j.err.Error()
			if byMsg[msg] == nil {
				errs = append(errs, msg)
			}
			byMsg[msg] = append(byMsg[msg], j.metric.Name+" ("+j.side+partSuffix(j.part)+")")
		}
	}
	for i, msg := range errs {
		errs[i] = strings.Join(byMsg[msg], ", ") + ": " + msg
	}
	if len(errs) == 0 {
		for _, m := range req.Metrics {
			assemble(res.Canary, m, jobsOf(jobs, m.Name, sideCanary))
			assemble(res.Baseline, m, jobsOf(jobs, m.Name, sideBaseline))
		}
	}
	for i, j := range jobs {
		res.Asked[i] = j.asked
	}
	if len(errs) > 0 {
		return res, errors.New(s.name + ": " + strings.Join(errs, "; "))
	}
	return res, nil
}

func partSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " " + p
}

func newSide() judge.Side {
	return judge.Side{Series: judge.Samples{}, Counts: map[string]judge.Count{}, Instances: map[string]judge.Instances{}}
}

// plan lists the queries of a window in a stable order.
func (s *Source) plan(req source.Request) []*job {
	var jobs []*job
	for _, m := range req.Metrics {
		for _, side := range []string{sideCanary, sideBaseline} {
			scope := req.Canary
			if side == sideBaseline {
				scope = req.Baseline
			}
			parts := map[string]string{"": m.Query}
			if m.Kind == judge.KindCount {
				parts = map[string]string{partEvents: m.Query, partTotal: m.TotalQuery}
			}
			for _, p := range []string{"", partEvents, partTotal} {
				q, ok := parts[p]
				if !ok {
					continue
				}
				rendered := Render(q, scope, s.cfg.Step.Duration)
				jobs = append(jobs, &job{metric: m, side: side, part: p,
					asked: source.Asked{Metric: m.Name, Side: side, Part: p, Query: rendered}})
			}
		}
	}
	return jobs
}

// runJobs runs the queries, cfg.Concurrency at a time.
func (s *Source) runJobs(ctx context.Context, jobs []*job, start, end time.Time) {
	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		if j.metric.Query == "" || (j.part == partTotal && j.metric.TotalQuery == "") {
			j.asked.Problem = "the policy gives no query for this metric"
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			m, n, err := s.queryRange(ctx, j.asked.Query, start, end)
			j.reqs, j.err = n, err
			s.take(j, m)
		}()
	}
	wg.Wait()
}

// take keeps a query's single series, or records why there is none.
func (s *Source) take(j *job, m model.Matrix) {
	if j.err != nil {
		j.asked.Problem = j.err.Error()
		return
	}
	j.asked.Series = len(m)
	if j.metric.InstanceLabel != "" {
		takeInstances(j, m)
		return
	}
	switch len(m) {
	case 0:
		j.asked.Problem = "empty result: no series matched"
	case 1:
		j.series = m[0]
		j.asked.Points = len(m[0].Values)
	default:
		sets := make([]string, 0, min(len(m), 5))
		for _, ss := range m[:min(len(m), 5)] {
			sets = append(sets, ss.Metric.String())
		}
		more := ""
		if len(m) > 5 {
			more = fmt.Sprintf(" and %d more", len(m)-5)
		}
		j.err = fmt.Errorf("returned %d series, want one (aggregate it, e.g. sum(...)): %s%s", len(m), strings.Join(sets, ", "), more)
		j.asked.Problem = j.err.Error()
	}
}

func jobsOf(jobs []*job, metric, side string) map[string]*job {
	out := map[string]*job{}
	for _, j := range jobs {
		if j.metric.Name == metric && j.side == side {
			out[j.part] = j
		}
	}
	return out
}

// assemble puts one metric's data for one side into sd.
func assemble(sd judge.Side, m judge.Metric, js map[string]*job) {
	if m.InstanceLabel != "" {
		assembleInstances(sd, m, js)
		return
	}
	if m.Kind != judge.KindCount {
		if j := js[""]; j != nil && j.series != nil {
			inf := 0
			sd.Series[m.Name] = values(j.series, &inf)
			noteInf(j, inf)
		}
		return
	}
	ev, tot := js[partEvents], js[partTotal]
	if tot == nil || tot.series == nil {
		return // no totals: nothing to judge on this side
	}
	if ev.series == nil {
		ev.asked.Problem = "empty result: no series matched; counted as 0 events at every point of the totals"
	}
	sd.Counts[m.Name] = pairCounts(ev.series, tot.series)
}

// pairCounts pairs events with totals by timestamp, at the totals' points:
// no events series at all is 0 events at every point; an events series
// without a point where the totals have one is a missing point there.
func pairCounts(events, totals *model.SampleStream) judge.Count {
	byTime := map[model.Time]float64{}
	if events != nil {
		for _, p := range events.Values {
			byTime[p.Timestamp] = clean(float64(p.Value))
		}
	}
	c := judge.Count{Events: make([]float64, 0, len(totals.Values)), Total: make([]float64, 0, len(totals.Values))}
	for _, p := range totals.Values {
		e, ok := byTime[p.Timestamp]
		switch {
		case events == nil:
			e = 0
		case !ok:
			e = math.NaN() // events missing at this point: a missing point
		}
		c.Events = append(c.Events, e)
		c.Total = append(c.Total, clean(float64(p.Value)))
	}
	return c
}

// values returns a series' values in time order; ±Inf (e.g. a quantile
// in the +Inf bucket) becomes a missing point, counted in *inf.
func values(ss *model.SampleStream, inf *int) []float64 {
	xs := make([]float64, len(ss.Values))
	for i, p := range ss.Values {
		xs[i] = clean(float64(p.Value))
		if math.IsInf(float64(p.Value), 0) {
			*inf++
		}
	}
	return xs
}

// noteInf says in the job's Asked entry how many infinite values became
// missing points.
func noteInf(j *job, inf int) {
	if inf > 0 {
		j.asked.Problem = fmt.Sprintf("%d infinite values counted as missing points", inf)
	}
}

func clean(x float64) float64 {
	if math.IsInf(x, 0) {
		return math.NaN()
	}
	return x
}
