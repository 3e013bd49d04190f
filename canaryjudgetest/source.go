package canaryjudgetest

import (
	"context"
	"fmt"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
)

// StaticSource is a kayentaapi.Source over fixed data: the experiment
// (canary) scope's is StaticSource[experimentScope.scope], the control
// (baseline) scope's StaticSource[controlScope.scope]. A scope it
// does not hold is a source error (the execution is terminal), as a
// metric store that does not answer would be.
type StaticSource map[string]judge.Side

var _ kayentaapi.Source = StaticSource(nil)

// Fetch returns the series of both scopes.
func (s StaticSource) Fetch(ctx context.Context, req kayentaapi.FetchRequest) (canary, baseline judge.Side, err error) {
	if err := ctx.Err(); err != nil {
		return judge.Side{}, judge.Side{}, err
	}
	canary, ok := s[req.Experiment.Scope]
	if !ok {
		return judge.Side{}, judge.Side{}, fmt.Errorf("no series for scope %q", req.Experiment.Scope)
	}
	baseline, ok = s[req.Control.Scope]
	if !ok {
		return judge.Side{}, judge.Side{}, fmt.Errorf("no series for scope %q", req.Control.Scope)
	}
	return canary, baseline, nil
}
