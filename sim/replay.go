package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
)

// Recorded is one line of a replay file: a window of a recorded release.
// Lines of one release are replayed in file order. An A/A test records two
// baseline instances as canary and baseline: every release should promote.
//
//	{"release": "deploy-42", "window": {"start": "...", "end": "..."},
//	 "canary": {"latency_p99": [...], "errors": {"events": [...], "total": [...]}},
//	 "baseline": {...}}
type Recorded struct {
	Release     string              `json:"release"`
	Window      *engine.WindowTimes `json:"window"`
	Canary      judge.Side          `json:"canary"`
	Baseline    judge.Side          `json:"baseline"`
	SourceError string              `json:"source_error,omitempty"`
}

// ReadRecorded reads a replay file (JSON lines; blank lines are skipped),
// naming the line of any problem.
func ReadRecorded(r io.Reader) ([]Recorded, error) {
	var out []Recorded
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var rec Recorded
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if rec.Release == "" {
			return nil, fmt.Errorf("line %d: release is required (it groups windows into releases)", line)
		}
		out = append(out, rec)
	}
	return out, sc.Err()
}

// ReplayOutcome is how one recorded release ended.
type ReplayOutcome struct {
	Release string `json:"release"`
	Outcome
}

// Replay runs recorded releases through d under policy p, one after the
// other, each until its first decision other than wait (or its last
// window), and tabulates them as one healthy scenario: for an A/A
// recording every rollback is a false rollback.
func Replay(ctx context.Context, d Driver, p judge.Policy, recs []Recorded) (Row, []ReplayOutcome, error) {
	p.Guards.RollbackCap.PerService, p.Guards.RollbackCap.Fleet = 0, 0
	p.Notify = nil
	if err := d.PutPolicy(ctx, "replay", p); err != nil {
		return Row{}, nil, err
	}
	byRelease := map[string][]Recorded{}
	var order []string
	for _, r := range recs {
		if _, ok := byRelease[r.Release]; !ok {
			order = append(order, r.Release)
		}
		byRelease[r.Release] = append(byRelease[r.Release], r)
	}
	var outs []ReplayOutcome
	for i, name := range order {
		o, err := replayRelease(ctx, d, fmt.Sprintf("r%d", i), byRelease[name])
		if err != nil {
			return Row{}, nil, fmt.Errorf("release %s: %w", name, err)
		}
		o.Release = i
		outs = append(outs, ReplayOutcome{Release: name, Outcome: o})
	}
	plain := make([]Outcome, len(outs))
	for i, o := range outs {
		plain[i] = o.Outcome
	}
	row := tabulate(Scenario{Name: "replay", Kind: Healthy, About: fmt.Sprintf("%d recorded releases", len(outs)),
		Target: Target{MaxRollback: At(0.005), MaxUndecided: At(0.01)}}, plain, p.Windows.Interval.Duration)
	return row, outs, nil
}

func replayRelease(ctx context.Context, d Driver, target string, ws []Recorded) (Outcome, error) {
	id, err := d.CreateRelease(ctx, "replay", target)
	if err != nil {
		return Outcome{}, err
	}
	for i, w := range ws {
		dec, err := d.Analyze(ctx, id, engine.AnalysisRequest{Canary: w.Canary, Baseline: w.Baseline, SourceError: w.SourceError, Window: w.Window})
		if err != nil {
			return Outcome{}, fmt.Errorf("window %d: %w", i+1, err)
		}
		if dec.Action != judge.ActionWait {
			return Outcome{Action: dec.Action, Reason: dec.Reason, Windows: i + 1, Message: dec.Message}, nil
		}
	}
	return Outcome{Action: judge.ActionWait, Reason: "undecided", Windows: len(ws)}, nil
}
