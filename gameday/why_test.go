package gameday_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/gameday"
	"github.com/canaryjudge/canaryjudge/report"
)

// TestGameDayReportsSayWhy: after a game day, the report of every release
// that did not end promoted leads with its cause: the metrics each
// scenario broke (with the basis the judge used), their intervals, the
// windows' times; the halts the sweeper or the deploy tool made are named.
// No summary carries Go's formatting of values.
func TestGameDayReportsSayWhy(t *testing.T) {
	emb, tg := embeddedAt(t)
	gameday.Run(context.Background(), tg, scenarios(t), gameday.Options{Seed: 1, RunID: "why"})
	var list struct {
		Releases []struct{ ID, Service, State string }
	}
	getJSON(t, emb.URL+"/v1/releases?target=gameday&limit=200", &list)
	// scenario -> what the last report of its service must say: the basis
	// of its decisive metric ("" for none) and words of the summary.
	want := map[string]struct {
		basis, metric string
		words         []string
	}{
		"errors_x5":              {"window", "errors", []string{"Rolled back to v1 (a sustained regression)", "allowed at most 1.2"}},
		"latency_regression":     {"window", "latency_p99", []string{"Rolled back to v1", "mean ratio canary/baseline"}},
		"ceiling_breach":         {"ceiling", "errors", []string{"past its ceiling 0.05"}},
		"expand_migration":       {"window", "errors", []string{"Rolled back to v1"}},
		"incompatible_migration": {"window", "errors", []string{"escalated (the migration gate blocked the automatic rollback)", "counts as incompatible"}},
		"rollback_cap":           {"window", "errors", []string{"escalated (the rollback cap)", "automatic rollback(s) of this service"}},
		"freeze":                 {"window", "errors", []string{"windows 1–3"}},
		"rollback_stuck":         {"window", "errors", []string{"was not reported done in time"}},
		"rollback_failed":        {"window", "errors", []string{"the deploy tool reports the rollback to v1 failed", "the deploy tool gave up"}},
		"metrics_missing":        {"nodata", "errors", []string{"escalated (no data)"}},
		"baseline_unhealthy":     {"ceiling", "errors", []string{"the baseline health guard answered escalate", "baseline breaches the ceiling of errors"}},
		"stale_release":          {"", "", []string{"no analysis received in time"}},
	}
	goFmt := regexp.MustCompile(`map\[|&\{|%!|<nil>|\de[+-]\d\d|\[[a-z_]+ [a-z_ ]+\]`)
	// Every release that did not end promoted has a cause; each scenario
	// has a release whose report says what it should (rollback_cap has
	// two: one rolled back, one escalated by the cap).
	problems := map[string][]string{}
	ok := map[string]bool{}
	for _, r := range list.Releases {
		var rep report.Report
		getJSON(t, emb.URL+"/v1/releases/"+r.ID+"/report", &rep)
		sc := strings.TrimPrefix(r.Service, "gameday-why-")
		c := rep.Cause
		switch {
		case r.State == "promoted" && c != nil:
			t.Errorf("%s: a promoted release has a cause: %s", sc, c.Summary)
		case r.State == "promoted":
		case c == nil || rep.Headline != c.Summary:
			t.Errorf("%s (%s): no cause leads the report: %q", sc, r.State, rep.Headline)
		case goFmt.MatchString(c.Summary):
			t.Errorf("%s: Go formatting %q in %s", sc, goFmt.FindString(c.Summary), c.Summary)
		default:
			if w, known := want[sc]; known {
				p := whyProblems(c, w.basis, w.metric, w.words)
				ok[sc] = ok[sc] || len(p) == 0
				problems[sc] = append(problems[sc], p...)
			}
		}
	}
	for sc := range want {
		if !ok[sc] {
			t.Errorf("%s: no release of it says why: %s", sc, strings.Join(problems[sc], "\n"))
		}
	}
}

// whyProblems lists what cause c lacks of what a scenario wants.
func whyProblems(c *report.Cause, basis, metric string, words []string) []string {
	var out []string
	for _, word := range words {
		if !strings.Contains(c.Summary, word) {
			out = append(out, "the summary lacks "+word+": "+c.Summary)
		}
	}
	if basis == "" {
		return out
	}
	var m *report.Decisive
	for i := range c.Metrics {
		if c.Metrics[i].Name == metric {
			m = &c.Metrics[i]
		}
	}
	switch {
	case m == nil || m.Basis != basis || len(c.Windows) == 0 || len(m.Spans) == 0:
		out = append(out, "no decisive "+metric+" by "+basis+" with its windows")
	case basis == "window" && (len(m.Points) == 0 || m.Points[0].Lower == nil):
		out = append(out, "no interval for "+metric)
	}
	if !strings.Contains(c.Summary, "2026-01-05 00:") || !strings.Contains(c.Summary, "UTC") {
		out = append(out, "no window times: "+c.Summary)
	}
	return out
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
