package main

import (
	"context"
	"errors"
)

func cmdServe(ctx context.Context, e *env, args []string) error   { return errors.New("serve: todo") }
func cmdMigrate(ctx context.Context, e *env, args []string) error { return errors.New("migrate: todo") }
