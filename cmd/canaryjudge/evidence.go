package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// cmdEvidence checks or rebuilds releases' running evidence (the counts and
// sums each decision reads instead of every earlier window) from their
// stored analyses: `evidence check` reports releases whose stored evidence
// differs from the rebuilt one (exit 1), `evidence rebuild` writes it.
func cmdEvidence(ctx context.Context, e *env, args []string) error {
	cfg := defaultServeConfig(e)
	fs := newFlags(e, "evidence", "evidence check|rebuild [--release ID]... [--database-url URL]")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL (env DATABASE_URL)")
	var ids stringList
	fs.Var(&ids, "release", "a release id (repeat for several); default every release")
	if len(args) == 0 || (args[0] != "check" && args[0] != "rebuild" && args[0] != "-h" && args[0] != "--help") {
		fs.Usage()
		return usageError("evidence: want the subcommand check or rebuild")
	}
	write := args[0] == "rebuild"
	if args[0] == "check" || write {
		args = args[1:]
	}
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("evidence: unexpected argument %q", fs.Arg(0))
	}
	if cfg.DatabaseURL == "" {
		return usageError("%w: the evidence lives in the database", errNoDatabase)
	}
	pg, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pg.Close()
	return rebuildEvidence(ctx, e, pg, engine.New(pg, engine.Options{}), ids, write)
}

// rebuildEvidence checks (or rebuilds) the named releases, or every
// release page by page, printing one JSON line per release.
func rebuildEvidence(ctx context.Context, e *env, st store.Releases, eng *engine.Engine, ids []string, write bool) error {
	differs := 0
	one := func(id string) error {
		c, err := eng.RebuildEvidence(ctx, id, write)
		if err != nil {
			return fmt.Errorf("release %s: %w", id, err)
		}
		if c.Status == "differs" {
			differs++
		}
		line, _ := json.Marshal(c)
		fmt.Fprintln(e.stdout, string(line))
		return nil
	}
	for _, id := range ids {
		if err := one(id); err != nil {
			return err
		}
	}
	if len(ids) > 0 {
		return differing(differs)
	}
	q := store.ReleaseQuery{Limit: 500}
	for {
		page, err := st.ListReleases(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := one(r.ID); err != nil {
				return err
			}
		}
		if len(page) < q.Limit {
			return differing(differs)
		}
		last := page[len(page)-1]
		q.AfterAt, q.AfterID = &last.CreatedAt, last.ID
	}
}

func differing(n int) error {
	if n > 0 {
		return fmt.Errorf("evidence: %d release(s) differ from their stored analyses (run `canaryjudge evidence rebuild`)", n)
	}
	return nil
}
