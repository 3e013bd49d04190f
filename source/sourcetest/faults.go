package sourcetest

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
)

// timeout: a backend that does not answer is retried, then fails the
// window naming the backend, the metric and the timeout; every attempt is
// counted as a timeout.
func timeout(t *testing.T, e *env) {
	e.p.set(modeStall, 0)
	src := e.open(t, Options{Timeout: 300 * time.Millisecond, Retries: 1, Concurrency: 2})
	res, err := e.fetch(t, src, e.request(cpuOnly(e), scope(AppHealthy, "canary")))
	if err == nil {
		t.Fatal("a backend that never answers gave a window")
	}
	for _, want := range []string{e.h.Type, "cpu (canary", "no answer within the source timeout (300ms)", "after 2 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q in it", err, want)
		}
	}
	if res.Outcomes[source.OutcomeTimeout] != 4 || res.Requests != 4 {
		t.Errorf("%d requests, outcomes %v: want 2 queries x 2 attempts, all timeouts", res.Requests, res.Outcomes)
	}
}

// rateLimited: a rate-limit answer is waited out as its header says,
// retried, and counted.
func rateLimited(t *testing.T, e *env) {
	e.p.set(modeLimitOnce, time.Second)
	src := e.open(t, Options{Retries: 1, Concurrency: 1})
	res, err := e.fetch(t, src, e.request(cpuOnly(e), scope(AppHealthy, "canary")))
	if err != nil {
		t.Fatalf("Fetch after a rate limit: %v", err)
	}
	if res.Outcomes[source.OutcomeRateLimited] != 1 || res.Outcomes[source.OutcomeOK] != res.Requests-1 || res.Requests < 3 {
		t.Errorf("%d requests, outcomes %v: want 1 rate_limited and the rest (2 queries, or their pages) ok", res.Requests, res.Outcomes)
	}
	wait := time.Second
	if e.h.RateLimitNoReset {
		wait = 10 * time.Millisecond // the source's backoff
	}
	if at := e.p.arrivals(); len(at) < 2 || at[1].Sub(at[0]) < wait {
		t.Errorf("arrivals %v: the retry came before %s", at, wait)
	}
	if len(res.Canary.Series["cpu"]) != wantPoints {
		t.Errorf("canary cpu %v after the retry, want %d points", res.Canary.Series["cpu"], wantPoints)
	}
}

// authFailure: refused credentials fail the window at once (no retry)
// naming the backend, the query and the HTTP status.
func authFailure(t *testing.T, e *env) {
	src := e.open(t, Options{BadAuth: true, Retries: 2})
	res, err := e.fetch(t, src, e.request(cpuOnly(e), scope(AppHealthy, "canary")))
	if err == nil {
		t.Fatal("refused credentials gave a window")
	}
	if s := err.Error(); !strings.Contains(s, e.h.Type) || !(strings.Contains(s, "HTTP 401") || strings.Contains(s, "HTTP 403")) || !strings.Contains(s, "query:") {
		t.Errorf("err = %v, want the backend, HTTP 401 or 403 and the query named", err)
	}
	if res.Requests != 2 || res.Outcomes[source.OutcomeAuthFailed] != 2 {
		t.Errorf("%d requests, outcomes %v: want 2 (one per query, no retry), both auth_failed", res.Requests, res.Outcomes)
	}
}

// hostile: a scope value with quotes, braces, backslashes and spaces
// either reads back exactly (the weird app's own data, told apart by its
// traffic) or is refused before any request, naming the label; it never
// reaches another app's data.
func hostile(t *testing.T, e *env) {
	src := e.open(t, Options{})
	res, err := e.fetch(t, src, e.request(e.policy.Metrics, scope(Weird, "canary")))
	if e.h.Refuses != nil && e.h.Refuses(Weird) {
		if err == nil || !strings.Contains(err.Error(), "scope") || !strings.Contains(err.Error(), "app") {
			t.Fatalf("err = %v, want the canary scope's app refused", err)
		}
		refused := 0
		for _, a := range res.Asked {
			if strings.Contains(a.Problem, "cannot be put into this query") {
				refused++
				if a.Series != 0 || a.Points != 0 || a.Side != "canary" {
					t.Errorf("%+v: a refused query must send nothing", a)
				}
			}
		}
		if refused == 0 || res.Requests == 0 || res.Outcomes[source.OutcomeOK] != res.Requests {
			t.Errorf("%d requests (%v) for %d queries, %d refused: want the canary's refused and the rest sent", res.Requests, res.Outcomes, len(res.Asked), refused)
		}
		return
	}
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	checkFull(t, res)
	_, tot := sums(res.Canary.Counts["errors"])
	if per := tot / wantPoints; per < 200 || per > 420 {
		t.Errorf("weird canary: %g requests a point, want about 300 (its own data, not another app's)", per)
	}
}

func cpuOnly(e *env) []judge.Metric {
	for _, m := range e.policy.Metrics {
		if m.Name == "cpu" {
			return []judge.Metric{m}
		}
	}
	panic("the example policy has no cpu metric")
}

func judgeWindow(t *testing.T, e *env, res source.Result) judge.Result {
	t.Helper()
	r, err := judge.JudgeSides(e.policy, res.Canary, res.Baseline)
	if err != nil {
		t.Fatalf("the judge refused the fetched window: %v", err)
	}
	return r
}

func metric(r judge.Result, name string) *judge.MetricResult {
	for i := range r.Metrics {
		if r.Metrics[i].Name == name {
			return &r.Metrics[i]
		}
	}
	return nil
}

func sums(c judge.Count) (ev, tot float64) {
	for i := range c.Total {
		ev, tot = ev+c.Events[i], tot+c.Total[i]
	}
	return ev, tot
}

func missing(xs []float64) int {
	n := 0
	for _, x := range xs {
		if math.IsNaN(x) {
			n++
		}
	}
	return n
}

func mean(xs []float64) float64 {
	s, n := 0.0, 0
	for _, x := range xs {
		if !math.IsNaN(x) {
			s, n = s+x, n+1
		}
	}
	return s / float64(n)
}
