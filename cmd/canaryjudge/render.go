package main

import (
	"context"
	"errors"
)

// cmdRender is being built in parallel; this placeholder keeps the tree compiling.
func cmdRender(ctx context.Context, e *env, args []string) error {
	return errors.New("render: not implemented yet")
}
