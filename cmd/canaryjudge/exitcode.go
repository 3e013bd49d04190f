package main

import (
	"errors"
	"fmt"
)

// exitError carries an exit status other than 1: 2 for a usage error of
// any command (a bad flag or argument, a missing required one), and for a
// read error of `migrations check`.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError is a usage error: exit status 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// errUsage is a usage error whose message (the usage) was printed already.
var errUsage error = &exitError{code: 2, err: errSilent}

// asUsage makes err, when not nil, a usage error.
func asUsage(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: 2, err: err}
}

// exitCode is the process status for an error returned by run.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}
