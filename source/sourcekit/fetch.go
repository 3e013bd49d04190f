package sourcekit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
)

// Window is the span a query covers: points at Start+Step, Start+2*Step,
// ..., End, each summarising the step that ends at it.
type Window struct {
	Start, End time.Time
	Step       time.Duration
}

// Series is one series a query returned.
type Series struct {
	// Labels are the series' labels, tags or group-by values (the
	// instance label of a per-instance metric among them); for messages
	// when there are several.
	Labels map[string]string
	// Points are stamped at the END of the step each summarises (a
	// backend whose buckets are stamped at their start adds the step).
	Points []Point
}

// Point is one value.
type Point struct {
	T time.Time
	V float64
}

// Querier is one backend's query language and API.
type Querier interface {
	// Render fills a metric's query for one side: the scope quoted for the
	// language, the window's placeholders. A scope value the language
	// cannot express exactly is an error (never spliced).
	Render(query string, s source.Scope, w Window) (string, error)
	// Query runs a rendered query over the window.
	Query(ctx context.Context, query string, w Window) ([]Series, error)
}

// Fetcher is a source.Source over a Querier.
type Fetcher struct {
	Name, Backend string
	Q             Querier
	Step          time.Duration
	Concurrency   int
}

// Sides and parts of a window's queries.
const (
	SideCanary   = "canary"
	SideBaseline = "baseline"
	PartEvents   = "events"
	PartTotal    = "total"
)

// job is one query of a window and what came back.
type job struct {
	metric judge.Metric
	side   string
	part   string
	asked  source.Asked
	series *Series            // nil: no data
	byInst map[string]*Series // a per-instance metric's series by instance; nil: no data
	stats  Stats
	err    error
}

// Fetch runs every metric's queries for both sides of the window: one
// series per metric, events and totals for a count metric, one series per
// instance for a per-instance metric. An empty result leaves that side of
// the metric out (the judge makes it nodata) and says so in its Asked
// entry; several series, or an error the backend did not get past within
// its retries, fail the whole window with an error naming the backend,
// the metric, the query and what the backend answered.
func (f *Fetcher) Fetch(ctx context.Context, req source.Request) (source.Result, error) {
	w := Window{Start: req.Start, End: req.End, Step: f.Step}
	jobs := plan(req)
	f.run(ctx, jobs, req, w)
	res := source.Result{Canary: NewSide(), Baseline: NewSide(), Asked: make([]source.Asked, len(jobs)), Outcomes: map[string]int{}}
	var errs []string
	byMsg := map[string][]string{}
	firstQuery := map[string]string{}
	for _, j := range jobs {
		res.Requests += j.stats.Requests
		for k, n := range j.stats.Outcomes {
			res.Outcomes[k] += n
		}
		if j.err != nil {
			msg := j.err.Error()
			if byMsg[msg] == nil {
				errs = append(errs, msg)
				firstQuery[msg] = j.asked.Query
			}
			byMsg[msg] = append(byMsg[msg], j.metric.Name+" ("+j.side+partSuffix(j.part)+")")
		}
	}
	for i, msg := range errs {
		errs[i] = strings.Join(byMsg[msg], ", ") + ": " + msg + " [query: " + Truncate(firstQuery[msg], 1024) + "]"
	}
	if len(errs) == 0 {
		for _, m := range req.Metrics {
			assemble(res.Canary, m, jobsOf(jobs, m.Name, SideCanary))
			assemble(res.Baseline, m, jobsOf(jobs, m.Name, SideBaseline))
		}
	}
	for i, j := range jobs {
		res.Asked[i] = j.asked
		addNonFinite(&res, j)
	}
	if len(errs) > 0 {
		return res, errors.New(f.Name + " (" + f.Backend + "): " + strings.Join(errs, "; "))
	}
	return res, nil
}

func addNonFinite(res *source.Result, j *job) {
	if j.asked.NonFinite == 0 {
		return
	}
	if res.NonFinite == nil {
		res.NonFinite = map[string]source.NonFinite{}
	}
	nf := res.NonFinite[j.metric.Name]
	if j.side == SideCanary {
		nf.Canary += j.asked.NonFinite
	} else {
		nf.Baseline += j.asked.NonFinite
	}
	res.NonFinite[j.metric.Name] = nf
}

func partSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " " + p
}

// NewSide is an empty side with its maps made.
func NewSide() judge.Side {
	return judge.Side{Series: judge.Samples{}, Counts: map[string]judge.Count{}, Instances: map[string]judge.Instances{}}
}

// plan lists the queries of a window in a stable order.
func plan(req source.Request) []*job {
	var jobs []*job
	for _, m := range req.Metrics {
		for _, side := range []string{SideCanary, SideBaseline} {
			parts := []string{""}
			if m.Kind == judge.KindCount {
				parts = []string{PartEvents, PartTotal}
			}
			for _, p := range parts {
				jobs = append(jobs, &job{metric: m, side: side, part: p,
					asked: source.Asked{Metric: m.Name, Side: side, Part: p}})
			}
		}
	}
	return jobs
}

// run renders and runs the queries, Concurrency at a time.
func (f *Fetcher) run(ctx context.Context, jobs []*job, req source.Request, w Window) {
	sem := make(chan struct{}, max(1, f.Concurrency))
	var wg sync.WaitGroup
	for _, j := range jobs {
		q := j.metric.Query
		if j.part == PartTotal {
			q = j.metric.TotalQuery
		}
		if q == "" {
			j.asked.Problem = "the policy gives no query for this metric"
			continue
		}
		scope := req.Canary
		if j.side == SideBaseline {
			scope = req.Baseline
		}
		rendered, err := f.Q.Render(q, scope, w)
		j.asked.Query = rendered
		if err != nil {
			j.asked.Query = q
			j.err = fmt.Errorf("the %s scope cannot be put into this query: %w", j.side, err)
			j.asked.Problem = j.err.Error()
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ss, err := f.Q.Query(WithStats(ctx, &j.stats), rendered, w)
			if st := j.stats.Status; err != nil && st != 0 && (st < 200 || st > 299) && !strings.Contains(err.Error(), "HTTP ") {
				err = fmt.Errorf("HTTP %d %s: %w", st, http.StatusText(st), err)
			}
			if err != nil && j.stats.Requests > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, j.stats.Requests)
			}
			j.err = err
			take(j, ss, w)
		}()
	}
	wg.Wait()
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

// labelString writes labels as {a="x", b="y"}, sorted, for messages.
func labelString(ls map[string]string) string {
	parts := make([]string, 0, len(ls))
	for _, k := range slices.Sorted(maps.Keys(ls)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, ls[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// Render renders a metric's query for one side and window as the window
// would send it (for documentation and tests).
func (f *Fetcher) Render(q string, s source.Scope, w Window) (string, error) {
	return f.Q.Render(q, s, w)
}
