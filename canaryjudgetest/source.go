package canaryjudgetest

import (
	"context"
	"fmt"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
)

// StaticSource is a kayentaapi.Source over fixed series: the experiment
// (canary) scope's series are StaticSource[experimentScope.scope], the
// control (baseline) scope's StaticSource[controlScope.scope]. A scope it
// does not hold is a source error (the execution is terminal), as a
// metric store that does not answer would be.
type StaticSource map[string]judge.Samples

var _ kayentaapi.Source = StaticSource(nil)

// Fetch returns the series of both scopes.
func (s StaticSource) Fetch(ctx context.Context, req kayentaapi.FetchRequest) (canary, baseline judge.Samples, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	canary, ok := s[req.Experiment.Scope]
	if !ok {
		return nil, nil, fmt.Errorf("no series for scope %q", req.Experiment.Scope)
	}
	baseline, ok = s[req.Control.Scope]
	if !ok {
		return nil, nil, fmt.Errorf("no series for scope %q", req.Control.Scope)
	}
	return canary, baseline, nil
}
