package sim

import (
	"context"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// Local is the real decision engine in process, on the memory store.
type Local struct {
	st  *memory.Store
	eng *engine.Engine
	// clock reads as far in the future as any window sent so far reaches,
	// so a window is never "in the future" (windows are stamped, never
	// waited for).
	clock *testclock.Clock
}

// NewLocal returns an in-process driver on the memory store.
func NewLocal() *Local {
	l := &Local{st: memory.New(), clock: testclock.New(T0)}
	l.eng = engine.New(l.st, engine.Options{Now: l.clock.Now})
	return l
}

// PutPolicy stores p for service.
func (l *Local) PutPolicy(ctx context.Context, service string, p judge.Policy) error {
	_, err := l.st.PutPolicy(ctx, service, p, 0, "simulate", l.clock.Now())
	return err
}

// CreateRelease starts a release of v2 over v1.
func (l *Local) CreateRelease(ctx context.Context, service, target string) (string, error) {
	r, _, err := l.eng.CreateRelease(ctx, engine.CreateReleaseRequest{Service: service, Target: target, Version: "v2", BaselineVersion: "v1"}, "simulate", nil)
	return r.ID, err
}

// Analyze judges one window.
func (l *Local) Analyze(ctx context.Context, id string, req engine.AnalysisRequest) (judge.Decision, error) {
	if req.Window != nil {
		l.clock.AdvanceTo(req.Window.End)
	}
	out, err := l.eng.Analyze(ctx, id, req, "simulate", nil)
	return out.Decision, err
}
