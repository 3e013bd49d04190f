package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/gameday"
	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
)

// gamedayFlags are the game day's options.
type gamedayFlags struct {
	server, token, policy, format, sinkListen, sinkURL string
	embedded                                           bool
	seed                                               uint64
	wait                                               time.Duration
	parallel                                           int
	only, expect                                       stringList
}

func (g *gamedayFlags) bind(e *env) *flag.FlagSet {
	fs := newFlags(e, "gameday", "gameday [--server URL --token T | --embedded] [--scenario NAME...] [--format table|json] [--policy FILE]")
	fs.StringVar(&g.server, "server", "", "run against the canaryjudge server at this URL (e.g. staging) instead of an embedded one")
	fs.StringVar(&g.token, "token", "", "bearer token for --server; needs the admin scope (default $CANARYJUDGE_TOKEN)")
	fs.BoolVar(&g.embedded, "embedded", false, "run against an in-process server on the memory store (the default without --server)")
	fs.StringVar(&g.policy, "policy", "", "base policy of the scenarios, JSON or YAML (default: the shipped example, judge/testdata/policy.yaml)")
	fs.StringVar(&g.format, "format", "table", "output: table or json")
	fs.Uint64Var(&g.seed, "seed", 1, "random seed of the generated windows")
	fs.StringVar(&g.sinkListen, "sink-listen", "127.0.0.1:0", "address of the game day's notification sink")
	fs.StringVar(&g.sinkURL, "sink-url", "", "URL at which the server reaches the sink (default: the --sink-listen address)")
	fs.DurationVar(&g.wait, "wait", time.Minute, "--server: how long past a deadline to wait for the server's sweeper and deliveries")
	fs.IntVar(&g.parallel, "parallel", 8, "--server: how many scenarios run at once (each has a service of its own)")
	fs.Var(&g.only, "scenario", "run only this scenario (repeat for several); default all")
	fs.Var(&g.expect, "expect", "SCENARIO=ACTION[/REASON]: replace a scenario's headline expectation (to see a failure)")
	return fs
}

// cmdGameday plays the scripted scenarios against a server and checks
// every decision; it fails (exit 1) when any scenario does.
func cmdGameday(ctx context.Context, e *env, args []string) error {
	var g gamedayFlags
	fs := g.bind(e)
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	if err := g.validate(fs.NArg(), fs.Arg(0)); err != nil {
		return asUsage(err)
	}
	base, err := g.basePolicy(e)
	if err != nil {
		return err
	}
	scs, err := gameday.Scenarios(base, sim.DefaultNoise())
	if err != nil {
		return fmt.Errorf("gameday: %w", err)
	}
	if scs, err = g.selectScenarios(scs); err != nil {
		return err
	}
	t, mode, stop, err := g.target(ctx, e)
	if err != nil {
		return err
	}
	defer stop()
	start := time.Now()
	parallel := 1 // the embedded server's clock is shared
	if g.server != "" {
		parallel = g.parallel
	}
	rs := gameday.Run(ctx, t, scs, gameday.Options{Seed: g.seed, Parallel: parallel, Progress: func(i, n int, r gameday.Result) {
		fmt.Fprintln(e.stderr, gameday.ProgressLine(i, n, r))
	}})
	if g.format == "json" {
		err = gameday.WriteJSON(e.stdout, mode, g.seed, rs)
	} else {
		err = gameday.WriteTable(e.stdout, rs)
	}
	if err != nil {
		return err
	}
	s := gameday.Summarize(rs)
	fmt.Fprintf(e.stderr, "game day against the %s: %d of %d scenarios passed, %d skipped, in %s\n",
		mode, s.Passed, len(rs), s.Skipped, time.Since(start).Round(10*time.Millisecond))
	if s.Failed > 0 {
		return fmt.Errorf("gameday: %d of %d scenarios failed (the diff above says where)", s.Failed, len(rs))
	}
	return ctx.Err()
}

func (g *gamedayFlags) validate(nargs int, arg string) error {
	switch {
	case nargs > 0:
		return fmt.Errorf("gameday: unexpected argument %q", arg)
	case g.server != "" && g.embedded:
		return errors.New("gameday: --server and --embedded exclude each other")
	case g.format != "table" && g.format != "json":
		return fmt.Errorf("gameday: --format must be table or json, not %q", g.format)
	case g.parallel < 1 || g.parallel > 64:
		return errors.New("gameday: --parallel must be from 1 to 64")
	case g.server == "" && (g.token != "" || g.sinkURL != ""):
		return errors.New("gameday: --token and --sink-url go with --server")
	}
	if g.server != "" {
		if u, err := url.Parse(g.server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("gameday: --server %q: must be an http or https URL such as http://127.0.0.1:8080", g.server)
		}
	}
	return nil
}

// basePolicy is --policy, or the shipped example.
func (g *gamedayFlags) basePolicy(e *env) (judge.Policy, error) {
	if g.policy != "" {
		return readPolicy(e, g.policy)
	}
	p, err := policyfile.Parse(canaryjudge.ExamplePolicy)
	if err != nil {
		return p, fmt.Errorf("the shipped example policy is invalid: %w", err)
	}
	return p, nil
}

// selectScenarios applies --scenario and --expect.
func (g *gamedayFlags) selectScenarios(scs []gameday.Scenario) ([]gameday.Scenario, error) {
	names := make([]string, len(scs))
	for i, s := range scs {
		names[i] = s.Name
	}
	for _, x := range g.expect {
		name, want, ok := strings.Cut(x, "=")
		i := slices.Index(names, name)
		if !ok || i < 0 {
			return nil, fmt.Errorf("gameday: --expect %q: want SCENARIO=ACTION[/REASON] with a scenario of: %s", x, strings.Join(names, ", "))
		}
		action, reason, _ := strings.Cut(want, "/")
		scs[i] = scs[i].WithExpect(judge.Action(action), judge.Reason(reason))
	}
	for _, n := range g.only {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("gameday: no scenario named %q; the scenarios are: %s", n, strings.Join(names, ", "))
		}
	}
	if len(g.only) > 0 {
		scs = slices.DeleteFunc(scs, func(s gameday.Scenario) bool { return !slices.Contains(g.only, s.Name) })
	}
	return scs, nil
}

// target starts the sink and, without --server, the embedded server.
func (g *gamedayFlags) target(ctx context.Context, e *env) (*gameday.Target, string, func(), error) {
	sink := gameday.NewSink()
	sinkURL, stopSink, err := sink.Listen(g.sinkListen)
	if err != nil {
		return nil, "", nil, err
	}
	if g.server != "" {
		tok := g.token
		if tok == "" {
			tok = e.getenv("CANARYJUDGE_TOKEN")
		}
		if g.sinkURL != "" {
			sinkURL = g.sinkURL
		} else if u, _ := url.Parse(g.server); !isLoopback(u.Hostname()) {
			fmt.Fprintf(e.stderr, "canaryjudge: warning: the server at %s must reach the game day's sink at %s; pass --sink-listen and --sink-url when it cannot\n", g.server, sinkURL)
		}
		t := &gameday.Target{Client: gameday.NewClient(g.server, tok), Clock: gameday.RealClock{Wait: g.wait}, Sink: sink, SinkURL: sinkURL}
		return t, "server at " + g.server, stopSink, nil
	}
	if !sqlcheck.Available {
		fmt.Fprintln(e.stderr, "canaryjudge: warning: built without cgo: migration SQL is classified unknown (it escalates)")
	}
	emb, err := gameday.StartEmbedded(ctx, gameday.EmbeddedOptions{Classifier: sqlcheck.Classifier{}, OpenAPI: canaryjudge.OpenAPI, Version: version})
	if err != nil {
		stopSink()
		return nil, "", nil, err
	}
	t := &gameday.Target{Client: gameday.NewClient(emb.URL, ""), Clock: emb.Clock, Sink: sink, SinkURL: sinkURL}
	return t, "embedded server", func() { emb.Close(); stopSink() }, nil
}
