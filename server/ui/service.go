package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/ui/chart"
	"github.com/canaryjudge/canaryjudge/store"
)

// historyWindows is how many of a service's newest windows the verdict
// history chart shows.
const historyWindows = 100

type serviceView struct {
	Service  string
	Policy   store.PolicyRecord
	Triggers triggerTable
	History  template.HTML
	Verdicts []store.Verdict
	Freezes  []judge.Freeze
	Releases []store.Release
}

// service is a service's page: its policy as the trigger table, its
// verdict history and the freezes in force.
func (u *UI) service(r *http.Request) (view, error) {
	svc := chi.URLParam(r, "service")
	if !store.ValidName(svc) {
		return view{}, errBadRequest("service must be " + store.NameRule)
	}
	if !allowed(r, svc) {
		return view{}, errForbidden("this token may not read the service " + svc)
	}
	ctx := r.Context()
	pol, err := u.o.Store.GetPolicy(ctx, svc)
	if err != nil {
		return view{}, err
	}
	vs, err := u.o.Store.Verdicts(ctx, store.VerdictQuery{Service: svc, Limit: historyWindows})
	if err != nil {
		return view{}, err
	}
	fs, err := u.o.Store.ListFreezes(ctx, u.o.Now())
	if err != nil {
		return view{}, err
	}
	rs, err := u.o.Store.ListReleases(ctx, store.ReleaseQuery{Service: svc, Limit: 20})
	if err != nil {
		return view{}, err
	}
	v := serviceView{Service: svc, Policy: pol, Triggers: parseTriggers(judge.RenderTriggers(pol.Policy)), Releases: rs}
	for _, f := range fs {
		if f.Scope == "global" || f.Scope == "service:"+svc {
			v.Freezes = append(v.Freezes, f)
		}
	}
	oldest := slices.Clone(vs)
	slices.Reverse(oldest)
	th := pol.Policy.Thresholds
	v.History = chart.Scores("history", "verdict history of "+svc+": the newest "+strconv.Itoa(len(oldest))+" windows",
		historyPoints(oldest), th.Pass, th.Marginal, "windows, oldest left; a line joins one release's windows, labelled with its version")
	v.Verdicts = vs[:min(len(vs), 20)]
	return view{Name: "service", Title: svc, Data: v}, nil
}

// historyPoints are the verdicts, oldest first, as marks: one line per
// release (a line never joins two releases' windows), each release's first
// window labelled with its version.
func historyPoints(oldest []store.Verdict) []chart.ScorePoint {
	pts := make([]chart.ScorePoint, 0, len(oldest))
	prev := ""
	for _, x := range oldest {
		p := chart.ScorePoint{Label: x.Version + " window " + strconv.Itoa(x.Seq) + " (" + x.Target + ")", Line: x.ReleaseID,
			Score: x.Score, Verdict: x.Verdict, Href: "/ui/releases/" + url.PathEscape(x.ReleaseID) + "?window=" + strconv.Itoa(x.Seq)}
		if x.ReleaseID != prev {
			p.Tick = x.Version
		}
		prev = x.ReleaseID
		pts = append(pts, p)
	}
	return pts
}

// triggerTable is judge.RenderTriggers' Markdown read back into rows, so
// the page shows exactly the table the CLI and the API print.
type triggerTable struct {
	Heading    []cell
	Rows       [][]cell
	Paragraphs []string
}

// cell is one table cell: text, shown as code when Code.
type cell struct {
	Text string
	Code bool
}

// parseTriggers reads the Markdown RenderTriggers writes: a heading, a
// table (cells separated by unescaped "|"), and paragraphs.
func parseTriggers(md string) triggerTable {
	var t triggerTable
	for _, line := range strings.Split(md, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "|---"):
		case strings.HasPrefix(line, "|"):
			cells := splitRow(line)
			if t.Heading == nil {
				t.Heading = cells
			} else {
				t.Rows = append(t.Rows, cells)
			}
		default:
			t.Paragraphs = append(t.Paragraphs, strings.ReplaceAll(line, "**", ""))
		}
	}
	return t
}

func splitRow(line string) []cell {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	var out []cell
	var b strings.Builder
	flush := func() {
		s := strings.TrimSpace(b.String())
		b.Reset()
		c := cell{Text: s}
		if len(s) >= 2 && strings.HasPrefix(s, "`") && strings.HasSuffix(s, "`") {
			c = cell{Text: s[1 : len(s)-1], Code: true}
		}
		out = append(out, c)
	}
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			b.WriteByte('|')
			i++
		case line[i] == '|':
			flush()
		default:
			b.WriteByte(line[i])
		}
	}
	flush()
	return out
}
