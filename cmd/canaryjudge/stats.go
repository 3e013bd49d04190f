package main

import (
	"context"
	"errors"
)

// cmdStats is being built in parallel; this placeholder keeps the tree compiling.
func cmdStats(ctx context.Context, e *env, args []string) error {
	return errors.New("stats: not implemented yet")
}
