package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
)

var migrationsCommands = map[string]command{
	"check":  {"classify migration files: expand, contract, incompatible or unknown", migrationsCheck},
	"worker": {"(internal) serve's parser process: classifies JSON requests on stdin", migrationsWorker},
}

// cmdMigrations dispatches `canaryjudge migrations <subcommand>`.
func cmdMigrations(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		fmt.Fprintln(w, "usage: canaryjudge migrations <command> [flags]\n\ncommands:")
		listCommands(w, migrationsCommands)
		if len(args) == 0 {
			return &exitError{2, errSilent}
		}
		return nil
	}
	c, ok := migrationsCommands[args[0]]
	if !ok {
		return &exitError{2, fmt.Errorf("migrations: unknown command %q", args[0])}
	}
	return c.run(ctx, e, args[1:])
}

// fileCheck is one file's result in `migrations check --format json`.
type fileCheck struct {
	Path       string `json:"path"`
	NeedsHuman bool   `json:"needs_human"`
	judge.MigrationCheck
}

// migrationsCheck classifies files (directories: their *.sql files in
// name order, goose's order). Exit 0: all expand; 1: something needs a
// human; 2: usage or read error.
func migrationsCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrations check", "migrations check [--format table|json] PATH...")
	format := fs.String("format", "table", "output: table (for people) or json")
	if help, err := parseFlags(e, fs, args); help || err != nil {
		if err != nil {
			return &exitError{2, err}
		}
		return nil
	}
	switch {
	case *format != "table" && *format != "json":
		return &exitError{2, fmt.Errorf("migrations check: --format must be table or json, not %q", *format)}
	case fs.NArg() == 0:
		fs.Usage()
		return &exitError{2, errors.New("migrations check: name at least one file or directory")}
	}
	paths, err := migrationFiles(fs.Args())
	if err != nil {
		return &exitError{2, err}
	}
	ch, human := sqlcheck.New(), false
	// Files may be as large as they like here; only the expression depth
	// that would crash the parser is bounded.
	ch.Limits = sqlcheck.Limits{Depth: sqlcheck.DefaultLimits.Depth}
	out := make([]fileCheck, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return &exitError{2, fmt.Errorf("migrations check: %w", err)}
		}
		r, err := ch.Check(ctx, string(b))
		if err != nil {
			return &exitError{2, err}
		}
		out = append(out, fileCheck{Path: p, NeedsHuman: r.NeedsHuman(), MigrationCheck: r})
		human = human || r.NeedsHuman()
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(map[string]any{"needs_human": human, "files": out})
	} else {
		err = writeChecks(e.stdout, out)
	}
	switch {
	case err != nil:
		return err
	case human:
		return errSilent
	}
	return nil
}

// migrationFiles expands directories into their .sql files, sorted.
func migrationFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("migrations check: %w", err)
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.sql"))
		if err != nil || len(m) == 0 {
			return nil, fmt.Errorf("migrations check: no .sql files in %s", a)
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}

// writeChecks prints one line per file and the findings worth reading:
// what blocks (why, and what to do instead), what an annotation accepted,
// and the warnings (why, and the fix), as the JSON has them.
func writeChecks(w io.Writer, checks []fileCheck) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range checks {
		verdict := "ok"
		if c.NeedsHuman {
			verdict = "needs a human"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d statement(s)\t%s\n", c.Path, c.Class, lastStatement(c.Findings), verdict)
		for _, f := range c.Findings {
			switch {
			case f.Allowed != "":
				fmt.Fprintf(tw, "  line %d\t%s\t%s\tallowed: %s\n", f.Line, f.Class, f.Rule, f.Allowed)
			case f.Blocks():
				fmt.Fprintf(tw, "  line %d\t%s\t%s\t%s\n", f.Line, f.Class, f.Rule, f.Detail)
				fmt.Fprintf(tw, "  \t\t\twhy: %s\n", f.Reason)
				fmt.Fprintf(tw, "  \t\t\tinstead: %s\n", f.Instead)
			}
		}
		for _, f := range c.Warnings {
			fmt.Fprintf(tw, "  line %d\twarning\t%s\t%s\n", f.Line, f.Rule, strings.TrimSpace(f.Detail+" "+allowedNote(f)))
			if f.Reason != "" {
				fmt.Fprintf(tw, "  \t\t\twhy: %s\n", f.Reason)
			}
			if f.Instead != "" {
				fmt.Fprintf(tw, "  \t\t\tfix: %s\n", f.Instead)
			}
		}
	}
	return tw.Flush()
}

func lastStatement(fs []judge.MigrationFinding) int {
	if len(fs) == 0 {
		return 0
	}
	return fs[len(fs)-1].Statement
}

func allowedNote(f judge.MigrationFinding) string {
	if f.Allowed == "" {
		return ""
	}
	return "(allowed: " + f.Allowed + ")"
}
