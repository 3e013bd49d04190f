package sqlcheck

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// PeerRow is the measurement of one peer rule.
type PeerRow struct {
	Tool, Rule          string
	Out                 int // examples out of scope
	Bad, Flagged        int // bad examples in scope, and how many canaryjudge flags
	Good, Passed        int // good examples in scope, and how many it leaves expand
	BadDiffer, GoodDiff int // deliberate differences (not counted above)
	By                  []string
	Reasons             []string // why each deliberate difference, and why out of scope
	Wrong               []string // examples whose answer is not the labelled one
}

// PeerSummary is the whole measurement.
type PeerSummary struct {
	Rows                   []PeerRow
	Bad, Flagged           int
	Good, Passed           int
	BadDiffer, GoodDiffer  int
	Out, Examples, Correct int
}

// MeasurePeers classifies every example of the corpus.
func MeasurePeers(ctx context.Context) (PeerSummary, []PeerResult, error) {
	exs, err := PeerExamples()
	if err != nil {
		return PeerSummary{}, nil, err
	}
	var s PeerSummary
	var all []PeerResult
	rows := map[string]*PeerRow{}
	for _, e := range exs {
		r, err := RunPeer(ctx, e)
		if err != nil {
			return PeerSummary{}, nil, fmt.Errorf("%s/%s %s: %w", e.Tool, e.Rule, e.Name, err)
		}
		all = append(all, r)
		key := e.Tool + "/" + e.Rule
		row := rows[key]
		if row == nil {
			row = &PeerRow{Tool: e.Tool, Rule: e.Rule}
			rows[key] = row
		}
		row.add(r)
	}
	for _, row := range rows {
		sort.Strings(row.By)
		s.Rows = append(s.Rows, *row)
		s.Bad, s.Flagged, s.Good, s.Passed = s.Bad+row.Bad, s.Flagged+row.Flagged, s.Good+row.Good, s.Passed+row.Passed
		s.BadDiffer, s.GoodDiffer, s.Out = s.BadDiffer+row.BadDiffer, s.GoodDiffer+row.GoodDiff, s.Out+row.Out
	}
	sort.Slice(s.Rows, func(i, j int) bool {
		a, b := s.Rows[i], s.Rows[j]
		return a.Tool < b.Tool || a.Tool == b.Tool && a.Rule < b.Rule
	})
	s.Examples = len(all)
	for _, r := range all {
		if r.OK {
			s.Correct++
		}
	}
	return s, all, nil
}

func (row *PeerRow) add(r PeerResult) {
	e := r.Example
	for _, id := range e.By {
		if !slices.Contains(row.By, id) {
			row.By = append(row.By, id)
		}
	}
	note := func(s string) {
		if !slices.Contains(row.Reasons, s) {
			row.Reasons = append(row.Reasons, s)
		}
	}
	switch e.Expect {
	case "out":
		row.Out++
		note("out of scope: " + e.Why)
		return
	case "differ":
		if e.Bad {
			row.BadDiffer++
		} else {
			row.GoodDiff++
		}
		note(fmt.Sprintf("%s `%s`: %s", e.Class, e.Want, e.Why))
	case "flag":
		row.Bad++
		if r.OK {
			row.Flagged++
		}
	case "expand":
		row.Good++
		if r.OK {
			row.Passed++
		}
	}
	if !r.OK {
		row.Wrong = append(row.Wrong, e.Name)
	}
}

// Pct is n/d in percent (100 when d is 0).
func Pct(n, d int) float64 {
	if d == 0 {
		return 100
	}
	return 100 * float64(n) / float64(d)
}

// RenderPeerTable writes the measurement as a Markdown table.
func RenderPeerTable(w io.Writer, s PeerSummary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "In scope, canaryjudge flags **%d of %d** bad examples (%.1f %%) and leaves **%d of %d** good examples "+
		"expand (%.1f %%); %d bad and %d good examples differ on purpose, and %d are out of scope (each reason below). "+
		"Of all %d examples, %d get exactly the labelled answer.\n\n",
		s.Flagged, s.Bad, Pct(s.Flagged, s.Bad), s.Passed, s.Good, Pct(s.Passed, s.Good),
		s.BadDiffer, s.GoodDiffer, s.Out, s.Examples, s.Correct)
	b.WriteString("| tool | peer rule | bad flagged | good expand | differ (bad/good) | out | canaryjudge rule | reasons |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range s.Rows {
		by := "—"
		if len(r.By) > 0 {
			by = "`" + strings.Join(r.By, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d/%d | %d | %s | %s |\n", r.Tool, r.Rule, frac(r.Flagged, r.Bad),
			frac(r.Passed, r.Good), r.BadDiffer, r.GoodDiff, r.Out, by, cell(strings.Join(r.Reasons, "; ")))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func frac(n, d int) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%d/%d", n, d)
}
