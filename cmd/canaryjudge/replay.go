package main

import (
	"context"
	"errors"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
)

func runReplay(ctx context.Context, e *env, d sim.Driver, p judge.Policy, path, format string) error {
	return errors.New("simulate --replay: not yet")
}
