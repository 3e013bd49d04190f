package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
)

// runReplay runs recorded windows (simulate --replay FILE) and prints the
// replay's row and each release's outcome.
func runReplay(ctx context.Context, e *env, d sim.Driver, p judge.Policy, path, format string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := sim.ReadRecorded(f)
	if err != nil {
		return fmt.Errorf("simulate --replay %s: %w", path, err)
	}
	if len(recs) == 0 {
		return fmt.Errorf("simulate --replay %s: no windows", path)
	}
	row, outs, err := sim.Replay(ctx, d, p, recs)
	if err != nil {
		return fmt.Errorf("simulate --replay: %w", err)
	}
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"replay": row, "releases": outs})
	}
	sim.WriteTable(e.stdout, []sim.Row{row})
	fmt.Fprintln(e.stdout)
	for _, o := range outs {
		fmt.Fprintf(e.stdout, "- %s: %s/%s after %d window(s): %s\n", o.Release, o.Action, o.Reason, o.Windows, o.Message)
	}
	return nil
}
