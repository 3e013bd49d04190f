package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
)

// cmdJudge judges one window offline: the same code as POST /v1/judge.
func cmdJudge(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "judge", "judge --policy FILE --input FILE [--format table|json]")
	policyPath := fs.String("policy", "", "policy file, JSON or YAML (required)")
	inputPath := fs.String("input", "", `series file {"canary": {metric: [values]}, "baseline": {...}}; "-" reads stdin (required)`)
	format := fs.String("format", "table", "output: table (for people) or json (the API's result)")
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError("judge: unexpected argument %q", fs.Arg(0))
	case *policyPath == "" || *inputPath == "":
		fs.Usage()
		return usageError("judge: --policy and --input are required")
	case *format != "table" && *format != "json":
		return usageError("judge: --format must be table or json, not %q", *format)
	}
	p, err := readPolicy(e, *policyPath)
	if err != nil {
		return err
	}
	data, err := readInput(e, *inputPath)
	if err != nil {
		return err
	}
	in, err := judge.ParseInput(data)
	if err != nil {
		return reportInvalid(e, "input "+*inputPath, err)
	}
	res, err := judge.JudgeSides(p, in.Canary, in.Baseline)
	if err != nil {
		return reportInvalid(e, "input "+*inputPath, err)
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return writeResultTable(e.stdout, res)
}

// readPolicy reads and parses a policy file, printing every problem.
func readPolicy(e *env, path string) (judge.Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return judge.Policy{}, err
	}
	p, err := policyfile.Parse(data)
	if err != nil {
		return judge.Policy{}, reportInvalid(e, "policy "+path, err)
	}
	return p, nil
}

func readInput(e *env, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(e.stdin, 64<<20))
	}
	return os.ReadFile(path)
}

// reportInvalid lists a validation error's problems, one per line.
func reportInvalid(e *env, what string, err error) error {
	ve, ok := judge.AsValidation(err)
	if !ok {
		return err
	}
	fmt.Fprintf(e.stderr, "canaryjudge: %s is invalid:\n", what)
	for _, p := range ve.Problems {
		fmt.Fprintf(e.stderr, "  %s: %s\n", p.Field, p.Message)
	}
	return errSilent
}

// writeResultTable prints what a person reads in a terminal: one line per
// metric (classification, effect, p, why), then the verdict.
func writeResultTable(w io.Writer, res judge.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tVERDICT\tEFFECT\tP\tWHY")
	for _, m := range res.Metrics {
		class := string(m.Classification)
		if m.CriticalFailure {
			class += " (critical)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Name, class, effectText(m.Effect), pText(m.PValue), m.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	groups := make([]string, len(res.Groups))
	for i, g := range res.Groups {
		score := "n/a"
		if g.Score != nil {
			score = fmt.Sprintf("%.2f", *g.Score)
		}
		groups[i] = fmt.Sprintf("%s %s (weight %.4g)", g.Name, score, g.Weight)
	}
	fmt.Fprintf(w, "\nverdict: %s  score: %.2f  mode: %s\nwhy: %s\ngroups: %s\n",
		strings.ToUpper(string(res.Verdict)), res.Score, res.Mode, res.Reason, strings.Join(groups, ", "))
	if len(res.CeilingBreaches) > 0 {
		fmt.Fprintf(w, "ceiling breached by the canary: %s\n", strings.Join(res.CeilingBreaches, ", "))
	}
	if len(res.BaselineBreaches) > 0 {
		fmt.Fprintf(w, "ceiling breached by the baseline: %s\n", strings.Join(res.BaselineBreaches, ", "))
	}
	return nil
}

func effectText(e judge.Effect) string {
	if e.Value == nil {
		return "—"
	}
	v := *e.Value
	var s string
	switch e.Measure {
	case judge.MeasureMeanRatio, judge.MeasureRateRatio:
		s = fmt.Sprintf("×%.4g", v)
	case judge.MeasureMeanDiff:
		s = fmt.Sprintf("%+.4g", v)
	case judge.MeasureCLES:
		s = fmt.Sprintf("P(>)=%.3g", v)
	default:
		s = fmt.Sprintf("%s %.4g", e.Measure, v)
	}
	if e.Level > 0 {
		s += fmt.Sprintf(" [%s, %s]", bound(e.Lower, "-∞"), bound(e.Upper, "+∞"))
	}
	return s
}

// bound prints an interval end; a null end is unbounded.
func bound(x *float64, inf string) string {
	if x == nil {
		return inf
	}
	return fmt.Sprintf("%.4g", *x)
}

func pText(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.3g", *p)
}
