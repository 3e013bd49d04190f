package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
)

// renderCommands are the designs `canaryjudge render` prints.
var renderCommands = map[string]command{
	"triggers": {"the trigger and signal table of a policy, as Markdown", renderTriggers},
	"states":   {"the canary and rollback state machine, as a Mermaid diagram", renderStates},
	// The classifier's rule table (sqlcheck).
	"migrations": {"the migration-safety policy (the classifier's rules), as Markdown", renderMigrations},
}

// renderMigrations prints the policy generated from sqlcheck's rule table.
func renderMigrations(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "render migrations", "render migrations")
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("render migrations: unexpected argument %q", fs.Arg(0))
	}
	return sqlcheck.RenderPolicy(e.stdout)
}

// renderStates prints the state machine the service enforces.
func renderStates(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "render states", "render states")
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	_, err := io.WriteString(e.stdout, judge.RenderStates())
	return err
}

// cmdRender dispatches on its first argument.
func cmdRender(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		renderUsage(w)
		if len(args) == 0 {
			return errSilent
		}
		return nil
	}
	c, ok := renderCommands[args[0]]
	if !ok {
		renderUsage(e.stderr)
		return fmt.Errorf("render: unknown design %q", args[0])
	}
	return c.run(ctx, e, args[1:])
}

func renderUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: canaryjudge render <design> [flags]\n\ndesigns:")
	listCommands(w, renderCommands)
}

// renderTriggers prints judge.RenderTriggers of a policy file.
func renderTriggers(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "render triggers", "render triggers --policy FILE")
	policyPath := fs.String("policy", "", "policy file, JSON or YAML (required)")
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("render triggers: unexpected argument %q", fs.Arg(0))
	}
	if *policyPath == "" {
		fs.Usage()
		return errors.New("render triggers: --policy is required")
	}
	p, err := readPolicy(e, *policyPath)
	if err != nil {
		return err
	}
	_, err = io.WriteString(e.stdout, judge.RenderTriggers(p))
	return err
}
