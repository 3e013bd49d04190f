package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/canaryjudge/canaryjudge/sim"
)

// cmdSimulate runs a policy over seeded realistic releases through the real
// decision engine and prints false-rollback and detection rates.
func cmdSimulate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "simulate", "simulate --policy FILE [--releases N] [--regressions N] [--scenario NAME...] [--server URL] [--replay FILE] [--format table|json]")
	policyPath := fs.String("policy", "", "policy file, JSON or YAML (required)")
	healthy := fs.Int("releases", 1000, "releases per healthy scenario")
	regressions := fs.Int("regressions", 200, "releases per regression or unhealthy-baseline scenario")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same table")
	format := fs.String("format", "table", "output: table (Markdown) or json")
	server := fs.String("server", "", "run through a canaryjudge server at this URL instead of in process")
	token := fs.String("token", "", "bearer token for --server (default $CANARYJUDGE_TOKEN)")
	replay := fs.String("replay", "", "run recorded windows from this JSON-lines file instead of generated releases")
	against := fs.String("against", "", "a second policy file: run both on the same releases and print them side by side")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "releases simulated at once")
	family := fs.String("family", sim.FamilyStandard, "scenario family: standard (counts, 5 s points) or ratio (ratio series, one instance per side, 10 s points; its own noise, which the noise flags adjust)")
	var only stringList
	fs.Var(&only, "scenario", "run only this scenario (repeat for several); default all")
	n := noiseFlags(fs, sim.DefaultNoise())
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	if err := familyNoise(fs, *family, n); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	switch {
	case fs.NArg() > 0:
		return usageError("simulate: unexpected argument %q", fs.Arg(0))
	case *policyPath == "":
		fs.Usage()
		return usageError("simulate: --policy is required")
	case *format != "table" && *format != "json":
		return usageError("simulate: --format must be table or json, not %q", *format)
	case *healthy < 1 || *regressions < 1:
		return usageError("simulate: --releases and --regressions must be at least 1")
	}
	p, err := readPolicy(e, *policyPath)
	if err != nil {
		return err
	}
	var d sim.Driver = sim.NewLocal()
	if *server != "" {
		tok := *token
		if tok == "" {
			tok = e.getenv("CANARYJUDGE_TOKEN")
		}
		d = sim.NewHTTP(*server, tok)
	}
	if *replay != "" {
		return runReplay(ctx, e, d, p, *replay, *format)
	}
	scs, _ := sim.FamilyScenarios(*family, p, *n)
	if len(only) > 0 {
		scs = slices.DeleteFunc(scs, func(s sim.Scenario) bool { return !slices.Contains(only, s.Name) })
		if len(scs) == 0 {
			return fmt.Errorf("simulate: no scenario named %s (run without --scenario to see them all)", strings.Join(only, ", "))
		}
	}
	o := sim.Options{Seed: *seed, Healthy: *healthy, Regressions: *regressions, Workers: *workers, Progress: progress(e)}
	rows, err := sim.Simulate(ctx, d, p, scs, o)
	if err == nil && *against != "" {
		rows, err = compareWith(ctx, e, d, *against, *policyPath, *family, *n, only, rows, o)
	}
	fmt.Fprint(e.stderr, "\r\033[K")
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"seed": *seed, "family": *family, "noise": n, "scenarios": rows}); err != nil {
			return err
		}
	} else {
		sim.WriteTable(e.stdout, rows)
	}
	return missedTargets(rows)
}

// missedTargets is an error naming the rows that missed their target
// (simulate exits 1 on it), nil when every row met its own.
func missedTargets(rows []sim.Row) error {
	var missed []string
	for _, r := range rows {
		if !r.Pass {
			name := r.Scenario
			if r.Policy != "" {
				name = r.Policy + "/" + name
			}
			missed = append(missed, name)
		}
	}
	if len(missed) == 0 {
		return nil
	}
	return fmt.Errorf("simulate: %d of %d rows miss their target: %s", len(missed), len(rows), strings.Join(missed, ", "))
}

// familyNoise replaces n by the family's own noise with the noise flags
// the command line set applied on top.
func familyNoise(fs *flag.FlagSet, family string, n *sim.Noise) error {
	base, err := sim.FamilyNoise(family)
	if err != nil {
		return err
	}
	again := flag.NewFlagSet("noise", flag.ContinueOnError)
	out := noiseFlags(again, base)
	var setErr error
	fs.Visit(func(f *flag.Flag) {
		if again.Lookup(f.Name) != nil && setErr == nil {
			setErr = again.Set(f.Name, f.Value.String())
		}
	})
	*n = *out
	return setErr
}

// compareWith runs the second policy on the same scenarios (the same
// seeds, so the same data where the policies' windows match) and pairs
// the rows.
func compareWith(ctx context.Context, e *env, d sim.Driver, path, firstPath, family string, n sim.Noise, only []string, first []sim.Row, o sim.Options) ([]sim.Row, error) {
	q, err := readPolicy(e, path)
	if err != nil {
		return nil, err
	}
	scs, _ := sim.FamilyScenarios(family, q, n)
	if len(only) > 0 {
		scs = slices.DeleteFunc(scs, func(s sim.Scenario) bool { return !slices.Contains(only, s.Name) })
	}
	second, err := sim.Simulate(ctx, d, q, scs, o)
	if err != nil {
		return nil, err
	}
	return sim.Interleave(first, filepath.Base(firstPath), second, filepath.Base(path)), nil
}

// progress draws one status line on stderr while scenarios run.
func progress(e *env) func(string, int, int) {
	return func(name string, done, total int) {
		if done%25 == 0 || done == total {
			fmt.Fprintf(e.stderr, "\r\033[K%s: %d/%d releases", name, done, total)
		}
	}
}

// noiseFlags registers every noise parameter with its default in n.
func noiseFlags(fs *flag.FlagSet, n sim.Noise) *sim.Noise {
	fs.IntVar(&n.Points, "points", n.Points, "points per side per window")
	fs.DurationVar(&n.Step, "step", n.Step, "time between points")
	fs.Float64Var(&n.Phi, "phi", n.Phi, "AR(1) autocorrelation of points inside a window")
	fs.Float64Var(&n.Offset, "offset", n.Offset, "sd of each side's instance level offset, in units of allowance/sqrt(2) (0 = none)")
	fs.Float64Var(&n.RPS, "rps", n.RPS, "requests per second per side")
	fs.Float64Var(&n.ErrorRate, "error-rate", n.ErrorRate, "baseline error share of error-like metrics")
	fs.Float64Var(&n.Burst, "burst", n.Burst, "log-sd of the per-point error-rate multiplier (overdispersion)")
	fs.Float64Var(&n.SuccessRate, "success-rate", n.SuccessRate, "baseline success share of KPI-like metrics")
	fs.Float64Var(&n.KPIRatio, "kpi-ratio", n.KPIRatio, "KPI attempts per request")
	fs.Float64Var(&n.Latency, "latency", n.Latency, "median of latency metrics, seconds")
	fs.Float64Var(&n.LatencySigma, "latency-sigma", n.LatencySigma, "log-sd of latency points")
	fs.Float64Var(&n.GaugeMean, "gauge-mean", n.GaugeMean, "mean of other metrics")
	fs.Float64Var(&n.GaugeSD, "gauge-sd", n.GaugeSD, "sd of other metrics' points")
	fs.DurationVar(&n.DiurnalPeriod, "diurnal-period", n.DiurnalPeriod, "period of the diurnal load in the healthy_diurnal scenario")
	return &n
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
