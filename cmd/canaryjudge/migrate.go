package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/canaryjudge/canaryjudge/store/postgres"
)

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	cfg := defaultServeConfig(e)
	fs := newFlags(e, "migrate", "migrate [flags] up|down|status")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL (env DATABASE_URL)")
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "up" && fs.Arg(0) != "down" && fs.Arg(0) != "status") {
		fs.Usage()
		return usageError("migrate: want exactly one of up, down, status")
	}
	if cfg.DatabaseURL == "" {
		return asUsage(errNoDatabase)
	}
	pg, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pg.Close()
	m, err := pg.Migrator()
	if err != nil {
		return err
	}
	defer m.Close()
	switch fs.Arg(0) {
	case "up":
		n, err := m.Up(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "applied %d migration(s)\n", n)
	case "down":
		st, err := m.Down(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "rolled back %d %s\n", st.Version, st.Name)
	case "status":
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT")
		for _, s := range st {
			state, at := "pending", ""
			if s.Applied {
				state, at = "applied", s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Version, s.Name, state, at)
		}
		return tw.Flush()
	}
	return nil
}
