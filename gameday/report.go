package gameday

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Summary counts results by status.
type Summary struct {
	Passed, Failed, Skipped int
}

// Summarize counts results.
func Summarize(rs []Result) Summary {
	var s Summary
	for _, r := range rs {
		switch r.Status {
		case "PASS":
			s.Passed++
		case "FAIL":
			s.Failed++
		default:
			s.Skipped++
		}
	}
	return s
}

// WriteTable prints one row per scenario, then the diff of every failure.
func WriteTable(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tEXPECTED\tACTUAL\tWINDOW\tTO DECISION\tTOOK\tRESULT")
	for _, r := range rs {
		win, to := "-", "-"
		if r.Window > 0 {
			win = fmt.Sprint(r.Window)
		}
		if r.ToDecision > 0 {
			to = judge.FormatDuration(r.ToDecision.Round(time.Second))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Scenario, r.Expected, r.Actual, win, to,
			r.Took.Round(time.Millisecond), r.Status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return WriteDiff(w, rs)
}

// WriteDiff prints, for every failed scenario, each check that did not
// hold as expected (-) against actual (+), with the server's message.
func WriteDiff(w io.Writer, rs []Result) error {
	var b strings.Builder
	for _, r := range rs {
		failed := r.Failed()
		if len(failed) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nFAIL %s: %s (service %s, releases %s)\n", r.Scenario, r.About, r.Service, strings.Join(r.Releases, ", "))
		for _, c := range failed {
			fmt.Fprintf(&b, "  step: %s\n", c.Step)
			fmt.Fprintf(&b, "  - expected: %s\n", c.Expected)
			fmt.Fprintf(&b, "  + actual:   %s\n", c.Actual)
			if c.Detail != "" {
				fmt.Fprintf(&b, "    why:      %s\n", c.Detail)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the results and their summary.
func WriteJSON(w io.Writer, mode string, seed uint64, rs []Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	s := Summarize(rs)
	return enc.Encode(map[string]any{"mode": mode, "seed": seed, "passed": s.Passed, "failed": s.Failed,
		"skipped": s.Skipped, "scenarios": rs})
}

// ProgressLine is the line printed as each scenario ends.
func ProgressLine(i, n int, r Result) string {
	return fmt.Sprintf("[%2d/%d] %-4s %-24s %s (%s)", i, n, r.Status, r.Scenario, r.Actual, r.Took.Round(time.Millisecond))
}
