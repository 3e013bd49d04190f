package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// errSilent reports failure when the command already told the user why.
var errSilent = errors.New("failed")

// env is what a subcommand may touch of the outside world.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists every subcommand; each lives in its own file.
func commands() map[string]command {
	return map[string]command{
		"serve":    {"run the HTTP service", cmdServe},
		"migrate":  {"apply or inspect database migrations (up|down|status)", cmdMigrate},
		"stats":    {"statistics tools (mw: Mann-Whitney U on JSON lines)", cmdStats},
		"judge":    {"judge canary vs baseline series offline", cmdJudge},
		"simulate": {"run a policy over simulated releases: false rollbacks and detection", cmdSimulate},
		"render":   {"render the trigger table and other designs", cmdRender},
		"gameday":  {"play scripted bad-canary scenarios against a server and check every decision", cmdGameday},
		"version":  {"print the version", cmdVersion},
		"token":    {"create API tokens (token create --name N --scope S)", cmdToken},
		"evidence": {"check or rebuild releases' running evidence from their analyses", cmdEvidence},
		// migrations check: the SQL classifier (sqlcheck).
		"migrations": {"check migration SQL: expand, contract, incompatible or unknown", cmdMigrations},
	}
}

func runEnv(ctx context.Context, e *env, args []string) error {
	cmds := commands()
	if len(args) == 0 {
		usage(e.stderr, cmds)
		return errUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout, cmds)
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(e.stderr, cmds)
		return usageError("unknown command %q", args[0])
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: canaryjudge <command> [flags]\n\ncommands:")
	listCommands(w, cmds)
	fmt.Fprintln(w, "\nRun 'canaryjudge <command> --help' for a command's flags.")
}

// listCommands prints one line per command, sorted by name, the
// summaries aligned two spaces past the longest name.
func listCommands(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	width := 0
	for n := range cmds {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, cmds[n].summary)
	}
}

// newFlags makes a flag set that writes its usage to the right stream and
// never exits the process.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: canaryjudge %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; --help prints usage to stdout and is not an error.
func parseFlags(e *env, fs *flag.FlagSet, args []string) (help bool, err error) {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return true, nil
		}
	}
	if err := fs.Parse(args); err != nil {
		return false, errUsage
	}
	return false, nil
}

// envOr returns the environment value of key, or def when unset.
func envOr(e *env, key, def string) string {
	if v := strings.TrimSpace(e.getenv(key)); v != "" {
		return v
	}
	return def
}
