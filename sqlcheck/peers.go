package sqlcheck

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

// The peer corpus: examples taken from squawk's and strong_migrations'
// public repositories, each labelled with what canaryjudge should answer
// and why (testdata/peers/README.md describes the format). The policy
// document prints how the classifier measures against it, and a test
// fails when a labelled outcome regresses.
//
//go:embed testdata/peers
var peerFiles embed.FS

// PeerExample is one labelled example of a peer tool.
type PeerExample struct {
	Tool, Rule string // the peer and its rule, e.g. squawk, require-concurrent-reindex
	Name, From string // the example's name and where it comes from (path:line)
	Bad        bool   // the peer flags it
	// Expect is "flag" (a bad example canaryjudge must flag with one of
	// By), "expand" (a good example it must leave expand, without any of
	// By as a warning), "differ" (a deliberate difference: canaryjudge
	// answers Class by Want, for the reason Why) or "out" (out of scope).
	Expect       string
	Class        judge.Compat
	Want         string
	By           []string
	Why          string
	Settings     []string // assume-in-transaction, pg11, ...
	Earlier, SQL string   // an earlier file of the same check (may be empty), and the migration
}

// PeerExamples reads the embedded corpus.
func PeerExamples() ([]PeerExample, error) {
	var out []PeerExample
	err := fs.WalkDir(peerFiles, "testdata/peers", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".txt" {
			return err
		}
		b, err := peerFiles.ReadFile(p)
		if err != nil {
			return err
		}
		exs, err := parsePeerFile(path.Base(path.Dir(p)), strings.TrimSuffix(path.Base(p), ".txt"), string(b))
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, exs...)
		return nil
	})
	return out, err
}

// parsePeerFile reads one file: header lines ("by: RULE...", "scope: out
// WHY", "# comments"), then examples, each "=== name", "key: value"
// lines, and "--- earlier" / "--- sql" sections.
func parsePeerFile(tool, rule, text string) ([]PeerExample, error) {
	var (
		out     []PeerExample
		by      []string
		outWhy  string
		cur     *PeerExample
		section *string
	)
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "=== "):
			out = append(out, PeerExample{Tool: tool, Rule: rule, Name: strings.TrimSpace(line[4:]), By: by})
			cur, section = &out[len(out)-1], nil
			if outWhy != "" {
				cur.Expect, cur.Why = "out", outWhy
			}
		case cur == nil && strings.HasPrefix(line, "by: "):
			by = strings.Fields(line[4:])
		case cur == nil && strings.HasPrefix(line, "scope: out "):
			outWhy = strings.TrimSpace(line[len("scope: out "):])
		case cur == nil:
			if line != "" && !strings.HasPrefix(line, "#") {
				return nil, fmt.Errorf("line %d: %q outside an example", n, line)
			}
		case line == "--- sql":
			section = &cur.SQL
		case line == "--- earlier":
			section = &cur.Earlier
		case section != nil:
			*section += line + "\n"
		default:
			if err := cur.set(line); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
		}
	}
	for i := range out {
		e := &out[i]
		e.SQL, e.Earlier = strings.TrimRight(e.SQL, "\n")+"\n", strings.TrimSpace(e.Earlier)
		if err := e.check(); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
	}
	return out, sc.Err()
}

// set reads one "key: value" line of an example.
func (e *PeerExample) set(line string) error {
	k, v, ok := strings.Cut(line, ": ")
	if !ok {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		return fmt.Errorf("%q is not key: value", line)
	}
	switch k {
	case "from":
		e.From = v
	case "peer":
		e.Bad = v == "bad"
	case "by":
		e.By = strings.Fields(v)
	case "why":
		e.Why = v
	case "settings":
		e.Settings = strings.Fields(v)
	case "expect":
		f := strings.Fields(v)
		e.Expect = f[0]
		if e.Expect == "differ" && len(f) == 3 {
			e.Class, e.Want = judge.Compat(f[1]), f[2]
		}
	default:
		return fmt.Errorf("unknown key %q", k)
	}
	return nil
}

func (e *PeerExample) check() error {
	switch {
	case e.From == "" || strings.TrimSpace(e.SQL) == "":
		return fmt.Errorf("needs from and sql")
	case e.Expect == "flag" && !e.Bad, e.Expect == "expand" && e.Bad:
		return fmt.Errorf("expect %s contradicts the peer's verdict", e.Expect)
	case (e.Expect == "flag" || e.Expect == "expand") && len(e.By) == 0:
		return fmt.Errorf("expect %s needs the rules that flag the hazard (by:)", e.Expect)
	case e.Expect == "differ" && (e.Want == "" || e.Why == ""):
		return fmt.Errorf("expect differ needs a class, a rule and why")
	case e.Expect == "out" && e.Why == "":
		return fmt.Errorf("out of scope needs why")
	case !slices.Contains([]string{"flag", "expand", "differ", "out"}, e.Expect):
		return fmt.Errorf("expect %q", e.Expect)
	}
	return nil
}

// PeerResult is what the classifier answered for one example.
type PeerResult struct {
	Example PeerExample
	Class   judge.Compat
	Rules   []string // every finding's and warning's rule
	Worst   string   // the rule of the worst blocking finding
	OK      bool     // the answer is the labelled one
}

// RunPeer classifies one example as a check of its files would.
func RunPeer(ctx context.Context, e PeerExample) (PeerResult, error) {
	ch := New()
	if e.Earlier != "" {
		if _, err := ch.Check(ctx, e.Earlier); err != nil {
			return PeerResult{}, err
		}
	}
	sql := e.SQL
	if slices.Contains(e.Settings, "assume-in-transaction") {
		// The peer's setting: the tool wraps the file in one transaction,
		// as goose does.
		sql = "-- +goose Up\n-- +goose StatementBegin\n" + sql + "-- +goose StatementEnd\n"
	}
	r, err := ch.Check(ctx, sql)
	if err != nil {
		return PeerResult{}, err
	}
	res := PeerResult{Example: e, Class: r.Class}
	worst := expand
	for _, f := range r.Findings {
		if f.Allowed == "" {
			res.Rules = append(res.Rules, f.Rule)
		}
		if f.Blocks() && (res.Worst == "" || judge.Worse(worst, f.Class) != worst) {
			worst, res.Worst = f.Class, f.Rule
		}
	}
	for _, w := range r.Warnings {
		if w.Allowed == "" {
			res.Rules = append(res.Rules, w.Rule)
		}
	}
	res.OK = res.judge()
	return res, nil
}

// judge compares the answer with the label.
func (r PeerResult) judge() bool {
	e := r.Example
	hit := false
	for _, id := range e.By {
		hit = hit || slices.Contains(r.Rules, id)
	}
	switch e.Expect {
	case "flag":
		return hit
	case "expand":
		return r.Class == expand && !hit
	case "differ":
		return r.Class == e.Class && (r.Worst == e.Want || (e.Class == expand && slices.Contains(r.Rules, e.Want)))
	}
	return true
}
