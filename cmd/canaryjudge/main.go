// Command canaryjudge decides, for every release of every service, whether to
// promote, wait, roll back or escalate to a human.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "canaryjudge:", err)
		}
		os.Exit(exitCode(err))
	}
}

// run is the whole program; main only calls it, so tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runEnv(ctx, &env{stdin: os.Stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}, args)
}
