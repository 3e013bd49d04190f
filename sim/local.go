package sim

import (
	"context"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// Local is the real decision engine in process, on the memory store.
type Local struct {
	st  *memory.Store
	eng *engine.Engine
	mu  sync.Mutex
	now time.Time
}

// NewLocal returns an in-process driver. Its clock is the end of the
// latest window it was given (windows are stamped, never waited for).
func NewLocal() *Local {
	l := &Local{st: memory.New(), now: T0}
	l.eng = engine.New(l.st, engine.Options{Now: l.clock})
	return l
}

// clock answers "now" as far in the future as any window sent so far
// reaches, so a window is never "in the future".
func (l *Local) clock() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now
}

func (l *Local) advance(t time.Time) {
	l.mu.Lock()
	if t.After(l.now) {
		l.now = t
	}
	l.mu.Unlock()
}

// PutPolicy stores p for service.
func (l *Local) PutPolicy(ctx context.Context, service string, p judge.Policy) error {
	_, err := l.st.PutPolicy(ctx, service, p, 0, "simulate", l.clock())
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
		l.advance(req.Window.End)
	}
	out, err := l.eng.Analyze(ctx, id, req, "simulate", nil)
	return out.Decision, err
}
