package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// Source is what a report is read from (both stores satisfy it).
type Source interface {
	GetRelease(ctx context.Context, id string) (store.Release, error)
	// Analyses: newest first, at most limit (<= 0: all).
	Analyses(ctx context.Context, releaseID string, limit int) ([]store.Analysis, error)
	AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error)
	ListOutbox(ctx context.Context, q outbox.Query) ([]outbox.Entry, error)
}

// Options choose what a report shows.
type Options struct {
	// Window is the seq of the window whose distributions and effects the
	// per-metric charts show; 0 picks the newest window with data.
	Window int
}

// Limits on what one report reads, so that a release with thousands of
// windows or a service with a flood of notifications cannot make a report
// read without end. Past them the report says so (Truncated notes).
const (
	auditPage     = 200
	maxAudit      = 20000
	outboxPage    = 200
	maxOutboxScan = 5000
)

// Build reads release id and assembles its report. An unknown release is
// store.ErrNotFound; a window that does not exist is a
// *judge.ValidationError naming "window".
func Build(ctx context.Context, src Source, id string, o Options) (Report, error) {
	rel, err := src.GetRelease(ctx, id)
	if err != nil {
		return Report{}, err
	}
	return BuildFor(ctx, src, rel, o)
}

// BuildFor assembles the report of rel, a release the caller has read
// already. A window that does not exist is a *judge.ValidationError
// naming "window".
func BuildFor(ctx context.Context, src Source, rel store.Release, o Options) (Report, error) {
	id := rel.ID
	as, err := src.Analyses(ctx, id, 0)
	if err != nil {
		return Report{}, err
	}
	slices.Reverse(as) // oldest first
	chosen, err := chooseWindow(as, o.Window)
	if err != nil {
		return Report{}, err
	}
	log, err := readAudit(ctx, src, id, chosen)
	if err != nil {
		return Report{}, err
	}
	pages, err := readPages(ctx, src, rel)
	if err != nil {
		return Report{}, err
	}
	r := Report{Release: rel, Windows: windows(as, log.byAnalysis), Timeline: log.timeline, Gate: gateOf(rel.Migrations),
		Pages: pages, Latest: log.latest}
	if chosen != nil {
		r.Window = chosen.Seq
		r.Metrics = metrics(chosen, as, log.byAnalysis, log.input)
		r.Thresholds = &Thresholds{Pass: chosen.Result.Thresholds.Pass, Marginal: chosen.Result.Thresholds.Marginal}
	}
	if r.Metrics == nil {
		r.Metrics = []Metric{}
	}
	r.Cause = causeOf(rel, log.decisions, as)
	r.Headline = headline(rel, r.Cause, r.Latest, len(as))
	r.NextSteps = nextSteps(rel)
	return r, nil
}

// chooseWindow returns the analysis the per-metric charts show: the one
// with seq want, or the newest with a result when want is 0 (nil if none).
func chooseWindow(as []store.Analysis, want int) (*store.Analysis, error) {
	if want < 0 {
		return nil, invalid("window", "must be a window number (1, 2, ...)")
	}
	for i := len(as) - 1; i >= 0; i-- {
		a := &as[i]
		switch {
		case want == 0 && a.Result != nil:
			return a, nil
		case want != 0 && a.Seq == want && a.Result == nil:
			return nil, invalid("window", fmt.Sprintf("window %d has no data (its source failed: %s)", want, a.SourceError))
		case want != 0 && a.Seq == want:
			return a, nil
		}
	}
	if want != 0 {
		return nil, invalid("window", fmt.Sprintf("the release has no window %d (it has %d)", want, len(as)))
	}
	return nil, nil
}

func invalid(field, msg string) error {
	v := &judge.ValidationError{}
	v.Add(field, msg)
	return v
}

// readPages lists the release's notifications, newest first. The outbox is
// listed by service, newest first, so the scan stops at the first message
// older than the release.
func readPages(ctx context.Context, src Source, rel store.Release) ([]Page, error) {
	out := []Page{}
	q := outbox.Query{Service: rel.Service, Limit: outboxPage}
	for scanned := 0; scanned < maxOutboxScan; {
		es, err := src.ListOutbox(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.CreatedAt.Before(rel.CreatedAt) {
				return out, nil
			}
			if e.ReleaseID == rel.ID {
				out = append(out, pageOf(e))
			}
		}
		scanned += len(es)
		if len(es) < outboxPage {
			break
		}
		q.BeforeID = es[len(es)-1].ID
	}
	return out, nil
}

// decisionOutput is what the engine audits with every decision.
type decisionOutput struct {
	Decision   *judge.Decision `json:"decision"`
	StateFrom  judge.State     `json:"state_from"`
	AnalysisID *int64          `json:"analysis_id"`
}

// auditView is what a report takes from the release's audit log.
type auditView struct {
	timeline   []Entry
	byAnalysis map[int64]*judge.Decision // the newest decision made on each analysis
	latest     *Decision
	decisions  []decided       // every decision, oldest first
	input      json.RawMessage // the chosen window's request, if found
}

// readAudit pages through the release's audit log, oldest first, keeping
// the decisions and only the chosen window's input.
func readAudit(ctx context.Context, src Source, id string, chosen *store.Analysis) (auditView, error) {
	v := auditView{timeline: []Entry{}, byAnalysis: map[int64]*judge.Decision{}}
	q := store.AuditQuery{ReleaseID: id, Limit: auditPage}
	for read := 0; read < maxAudit; {
		es, err := src.AuditLog(ctx, q)
		if err != nil {
			return auditView{}, err
		}
		for _, e := range es {
			v.add(e, chosen)
		}
		read += len(es)
		if len(es) < auditPage {
			break
		}
		q.AfterID = es[len(es)-1].ID
	}
	return v, nil
}

func (v *auditView) add(e store.AuditEntry, chosen *store.Analysis) {
	var out decisionOutput
	if len(e.Output) > 0 {
		_ = json.Unmarshal(e.Output, &out) // an entry without a decision is still a line
	}
	if out.Decision != nil && out.AnalysisID != nil {
		v.byAnalysis[*out.AnalysisID] = out.Decision
		if chosen != nil && *out.AnalysisID == chosen.ID {
			v.input = e.Input
		}
	}
	if out.Decision != nil {
		v.latest = &Decision{Decision: *out.Decision, At: e.At, Trigger: e.Action, Actor: e.Actor}
		v.decisions = append(v.decisions, decided{Decision: *v.latest, AnalysisID: out.AnalysisID})
	}
	v.timeline = append(v.timeline, entryOf(e, out))
}
