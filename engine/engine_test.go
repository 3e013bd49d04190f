package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// fixture is an engine over the memory store with one service's policy
// (interval 5m, so stale after 15m unless the policy says otherwise).
type fixture struct {
	e     *engine.Engine
	st    *memory.Store
	clock *testclock.Clock
	seen  *int64 // highest outbox id queued() returned
}

func newFixture(t *testing.T, staleAfter time.Duration) fixture {
	t.Helper()
	st := memory.New()
	p := judge.DefaultPolicy()
	p.Metrics = []judge.Metric{{Name: "latency", Group: "latency", Direction: judge.DirIncrease}}
	p.Windows.StaleAfter = judge.D(staleAfter)
	p.Notify = []judge.Sink{{Kind: "webhook", URL: "http://127.0.0.1:9/hook"}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutPolicy(context.Background(), "shop", p, 0, "test", t0); err != nil {
		t.Fatal(err)
	}
	c := testclock.New(t0)
	return fixture{e: engine.New(st, engine.Options{Now: c.Now}), st: st, clock: c, seen: new(int64)}
}

func (f fixture) create(t *testing.T, target string) store.Release {
	t.Helper()
	r, sr, err := f.e.CreateRelease(context.Background(), engine.CreateReleaseRequest{Service: "shop", Target: target,
		Version: "v2", BaselineVersion: "v1"}, "test", nil)
	if err != nil || sr != nil {
		t.Fatalf("CreateRelease: %v (replayed %v)", err, sr)
	}
	return r
}

// queued returns the outbox messages queued since the last call, by
// release (claimed far ahead, so each is returned once).
func (f fixture) queued(t *testing.T) map[string][]outbox.Message {
	t.Helper()
	entries, err := f.st.ListOutbox(context.Background(), outbox.Query{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]outbox.Message{}
	for i := len(entries) - 1; i >= 0; i-- { // oldest first
		if m := entries[i].Message; m.ID > *f.seen {
			out[m.ReleaseID] = append(out[m.ReleaseID], m)
			*f.seen = m.ID
		}
	}
	return out
}

// unavailable is a store whose policy reads fail as in an outage.
type unavailable struct{ *memory.Store }

func (unavailable) GetPolicy(context.Context, string) (store.PolicyRecord, error) {
	return store.PolicyRecord{}, errors.New("dial tcp: connection refused: " + store.ErrUnavailable.Error())
}

type unavailableWrapped struct{ *memory.Store }

func (unavailableWrapped) GetPolicy(context.Context, string) (store.PolicyRecord, error) {
	return store.PolicyRecord{}, errors.Join(errors.New("get policy"), store.ErrUnavailable)
}

// TestCreateReleaseNeverTurnsAnOutageIntoNotFound: only a missing policy
// is not found; a failing policy read is returned as it is.
func TestCreateReleaseNeverTurnsAnOutageIntoNotFound(t *testing.T) {
	req := engine.CreateReleaseRequest{Service: "shop", Version: "v2", BaselineVersion: "v1"}
	_, _, err := engine.New(unavailableWrapped{memory.New()}, engine.Options{}).CreateRelease(context.Background(), req, "t", nil)
	if !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("policy read failing with ErrUnavailable: %v, want ErrUnavailable and not ErrNotFound", err)
	}
	_, _, err = engine.New(unavailable{memory.New()}, engine.Options{}).CreateRelease(context.Background(), req, "t", nil)
	if err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("policy read failing: %v, want that error, not ErrNotFound", err)
	}
	_, _, err = engine.New(memory.New(), engine.Options{}).CreateRelease(context.Background(), req, "t", nil)
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "PUT /v1/services/shop/policy") {
		t.Fatalf("no policy: %v, want ErrNotFound saying what to do", err)
	}
}

// TestCreateReleaseIdempotent: the engine encodes the 201 body once; a
// replay returns those bytes and the release decoded from them; another
// body under the key is refused.
func TestCreateReleaseIdempotent(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	req := engine.CreateReleaseRequest{Service: "shop", Version: "v2", BaselineVersion: "v1"}
	idem := &store.Idem{Scope: "POST /v1/releases", Key: "k", Hash: "h1"}
	first, sr, err := f.e.CreateRelease(ctx, req, "t", idem)
	if err != nil || sr != nil {
		t.Fatal(err)
	}
	again, sr, err := f.e.CreateRelease(ctx, req, "t", idem)
	want, _ := store.EncodeJSON(first)
	if err != nil || sr == nil || string(sr.Body) != string(want) || again.ID != first.ID || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("replay: %+v %v %v", again, sr, err)
	}
	if _, _, err := f.e.CreateRelease(ctx, req, "t", &store.Idem{Scope: idem.Scope, Key: "k", Hash: "h2"}); !errors.Is(err, engine.ErrIdempotencyMismatch) {
		t.Fatalf("another body under the key: %v", err)
	}
}

// TestAnalysisDeadline: stale_after (default 3 x interval) from creation,
// pushed back by each analysis, gone once the release leaves baking.
func TestAnalysisDeadline(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "eu")
	if r.AnalysisDeadline == nil || !r.AnalysisDeadline.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("deadline at create = %v, want t0+15m", r.AnalysisDeadline)
	}
	f.clock.Advance(4 * time.Minute)
	o, err := f.e.Analyze(ctx, r.ID, engine.AnalysisRequest{SourceError: "prometheus: timeout"}, "t", nil)
	if err != nil || o.Release.AnalysisDeadline == nil || !o.Release.AnalysisDeadline.Equal(t0.Add(19*time.Minute)) {
		t.Fatalf("deadline after an analysis = %+v, %v; want t0+19m", o.Release.AnalysisDeadline, err)
	}
	o, err = f.e.Override(ctx, r.ID, engine.OverrideRequest{Action: "halt", Reason: "looking"}, "t", nil)
	if err != nil || o.Release.AnalysisDeadline != nil {
		t.Fatalf("deadline after a halt = %v, %v; want none", o.Release.AnalysisDeadline, err)
	}
	o, err = f.e.Override(ctx, r.ID, engine.OverrideRequest{Action: "resolve", Reason: "fine"}, "t", nil)
	if err != nil || o.Release.State != judge.StateBaking || o.Release.AnalysisDeadline == nil || !o.Release.AnalysisDeadline.Equal(t0.Add(19*time.Minute)) {
		t.Fatalf("deadline after resolving back to baking = %+v, %v; want now+15m", o.Release, err)
	}
	g := newFixture(t, 40*time.Minute)
	if r := g.create(t, "eu"); !r.AnalysisDeadline.Equal(t0.Add(40 * time.Minute)) {
		t.Fatalf("policy stale_after 40m: deadline %v", r.AnalysisDeadline)
	}
}

// TestSweepHaltsStuckAndStale: one sweep halts a stale bake (no_analysis)
// and a stuck rollback (rollback_stuck), each paged once.
func TestSweepHaltsStuckAndStale(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	stale, stuck, fresh := f.create(t, "a"), f.create(t, "b"), f.create(t, "c")
	if _, err := f.e.Override(ctx, stuck.ID, engine.OverrideRequest{Action: "rollback", Reason: "bad canary"}, "t", nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(14 * time.Minute)
	if _, err := f.e.Analyze(ctx, fresh.ID, engine.AnalysisRequest{SourceError: "timeout"}, "t", nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute) // 16m: stale's deadline (15m) and stuck's rollback timeout (10m) passed
	n, err := f.e.Sweep(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2", n, err)
	}
	queued := f.queued(t)
	for id, reason := range map[string]judge.Reason{stale.ID: judge.ReasonNoAnalysis, stuck.ID: judge.ReasonRollbackStuck} {
		d, err := f.st.LatestDecision(ctx, id)
		if err != nil || d.Decision.Reason != reason || d.Decision.State != judge.StateHalted || d.Trigger != "sweeper" || !d.Decision.Page {
			t.Fatalf("%s: %+v, %v; want halted by the sweeper with %s", id, d, err, reason)
		}
		if n := kinds(queued[id])["page"]; n != 1 {
			t.Fatalf("%s: %d pages queued, want 1", id, n)
		}
	}
	if r, _ := f.st.GetRelease(ctx, fresh.ID); r.State != judge.StateBaking {
		t.Fatalf("the release analysed in time was swept: %s", r.State)
	}
	if n, _ := f.e.Sweep(ctx); n != 0 {
		t.Fatalf("a second sweep handled %d", n)
	}
}

// TestPromotionAgainstTheDecisionPages: the tool's promotion of a baking
// release (which never had a promote decision) is recorded and pages.
func TestPromotionAgainstTheDecisionPages(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "eu")
	o, err := f.e.Event(ctx, r.ID, engine.EventRequest{Type: judge.EventPromoted}, "tool", nil)
	if err != nil || o.Release.State != judge.StatePromoted || o.Decision.Reason != judge.ReasonPromotedAgainstDecision || !o.Decision.Page {
		t.Fatalf("promotion without a promote decision: %+v, %v", o.Decision, err)
	}
	if msgs := f.queued(t)[r.ID]; len(msgs) != 1 || msgs[0].Kind != "page" || msgs[0].Severity != "critical" {
		t.Fatalf("queued %+v, want one critical page", msgs)
	}
}

// TestDuplicateEventKeepsItsKey: the no-change answer is stored under its
// Idempotency-Key, so a replay is served from it.
func TestDuplicateEventKeepsItsKey(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "eu")
	if _, err := f.e.Override(ctx, r.ID, engine.OverrideRequest{Action: "rollback", Reason: "bad canary"}, "t", nil); err != nil {
		t.Fatal(err)
	}
	idem := &store.Idem{Scope: "events", Key: "E1", Hash: "h"}
	first, err := f.e.Event(ctx, r.ID, engine.EventRequest{Type: judge.EventRollbackStarted}, "tool", idem)
	if err != nil || !first.Duplicate || first.Body == nil {
		t.Fatalf("duplicate: %+v, %v", first, err)
	}
	again, err := f.e.Event(ctx, r.ID, engine.EventRequest{Type: judge.EventRollbackStarted}, "tool", idem)
	if err != nil || again.Replayed == nil || string(again.Replayed.Body) != string(first.Body) {
		t.Fatalf("replay: %+v, %v", again, err)
	}
}

// TestTextLimitsAndSummaries: over-long reasons and details are refused
// naming the field; a page summary cut at 1000 bytes stays valid UTF-8.
func TestTextLimitsAndSummaries(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	r := f.create(t, "eu")
	_, err := f.e.Override(ctx, r.ID, engine.OverrideRequest{Action: "halt", Reason: strings.Repeat("r", engine.MaxReasonBytes+1)}, "t", nil)
	if v, ok := judge.AsValidation(err); !ok || v.Problems[0].Field != "reason" {
		t.Fatalf("long reason: %v", err)
	}
	_, err = f.e.Event(ctx, r.ID, engine.EventRequest{Type: judge.EventRollbackFailed, Detail: strings.Repeat("d", engine.MaxDetailBytes+1)}, "t", nil)
	if v, ok := judge.AsValidation(err); !ok || v.Problems[0].Field != "detail" {
		t.Fatalf("long detail: %v", err)
	}
	if _, err := f.e.Override(ctx, r.ID, engine.OverrideRequest{Action: "rollback", Reason: "bad canary"}, "t", nil); err != nil {
		t.Fatal(err)
	}
	f.queued(t)                        // drain the rollback's info line
	detail := strings.Repeat("é", 700) // 1400 bytes: the summary is cut inside it
	if _, err := f.e.Event(ctx, r.ID, engine.EventRequest{Type: judge.EventRollbackFailed, Detail: detail}, "t", nil); err != nil {
		t.Fatal(err)
	}
	msgs := f.queued(t)[r.ID]
	if len(msgs) != 1 || len(msgs[0].Summary) > 1000 || !utf8.ValidString(msgs[0].Summary) {
		t.Fatalf("page summary of %d bytes, valid UTF-8 %v", len(msgs[0].Summary), utf8.ValidString(msgs[0].Summary))
	}
}

func kinds(msgs []outbox.Message) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		out[m.Kind]++
	}
	return out
}

// TestOutcomeEncodedOnce: the response spliced from the result and the
// decision encoded once is byte for byte what encoding the outcome gives,
// reasons with <= and >= included; the audit output holds the same values.
func TestOutcomeEncodedOnce(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	side := func(d float64) judge.Side {
		xs := make([]float64, 30)
		for j := range xs {
			xs[j] = 100 + d + float64(j%7) - 3
		}
		return judge.Side{Series: judge.Samples{"latency": xs}}
	}
	reqs := []engine.AnalysisRequest{
		{Canary: side(0), Baseline: side(0)},  // waits
		{Canary: side(40), Baseline: side(0)}, // fails
		{SourceError: "prometheus: timeout"},  // no result
	}
	for i, req := range reqs {
		r := f.create(t, fmt.Sprintf("t%d", i))
		out, err := f.e.Analyze(ctx, r.ID, req, "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := store.EncodeJSON(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Body, want) {
			t.Fatalf("response spliced from the encoded documents differs from encoding the outcome:\n%s\n%s", out.Body, want)
		}
		if req.SourceError == "" && (!bytes.ContainsAny(want, "<>") || !bytes.Contains(want, []byte(`"result":{`))) {
			t.Fatalf("the outcome has no result or no reason with a comparison: %s", want)
		}
		log, err := f.st.AuditLog(ctx, store.AuditQuery{ReleaseID: r.ID})
		if err != nil || len(log) != 2 {
			t.Fatalf("audit log = %+v, %v", log, err)
		}
		// The audit output holds the same values as encoding them (not
		// the same bytes: < and > are not escaped).
		wantAudit, _ := json.Marshal(map[string]any{"decision": out.Decision, "state_from": judge.StateBaking, "analysis_id": out.Record.AnalysisID})
		got := log[1].Output // oldest first: the create, then the analysis
		var gotV, wantV any
		if err := json.Unmarshal(got, &gotV); err != nil || json.Unmarshal(wantAudit, &wantV) != nil || !reflect.DeepEqual(gotV, wantV) {
			t.Fatalf("audit output (%v)\n%s\nwant\n%s", err, got, wantAudit)
		}
	}
}
