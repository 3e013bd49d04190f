package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// Releases decided window by window on PostgreSQL keep their running
// evidence beside them until they end; `evidence check` rebuilds every
// running release's from its stored analyses and finds it byte for byte
// the same, finds a damaged one (exit 1, naming it), and `evidence
// rebuild` repairs it; an ended release keeps none ("finished"), and
// rebuild drops any left from before.
func TestEvidenceRebuild(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	pg, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	data, err := os.ReadFile("../../judge/testdata/ratio/default_10m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policyfile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	p.Notify = nil
	if _, err := pg.PutPolicy(ctx, "shop", p, 0, "test", sim.T0); err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(sim.T0)
	eng := engine.New(pg, engine.Options{Now: clock.Now})
	scs := sim.RatioScenarios(p, sim.RatioNoise())
	var ids []string
	for i, sc := range scs[:6] {
		rel, _, err := eng.CreateRelease(ctx, engine.CreateReleaseRequest{Service: "shop", Target: fmt.Sprint(i), Version: "v2", BaselineVersion: "v1"}, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rel.ID)
		gen := sim.NewRelease(p, sc, sim.ReleaseRNG(7, sim.StreamOf(sc.Name), i))
		for w := 1; w <= 5; w++ {
			req := gen.Window(w)
			clock.AdvanceTo(req.Window.End)
			out, err := eng.Analyze(ctx, rel.ID, req, "test", nil)
			if err != nil {
				t.Fatal(err)
			}
			if out.Decision.Action != judge.ActionWait {
				break
			}
		}
	}
	check := func(args ...string) (string, error) {
		var out strings.Builder
		e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(k string) string {
			if k == "DATABASE_URL" {
				return u
			}
			return ""
		}}
		err := runEnv(ctx, e, args)
		return out.String(), err
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Releases that ended (promoted) keep no evidence; the others keep it
	// exactly as a replay builds it.
	var ended []string
	if err := conn.QueryRow(ctx, `SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM releases WHERE state IN ('promoted', 'rolled_back')`).Scan(&ended); err != nil {
		t.Fatal(err)
	}
	var kept int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM release_evidence WHERE release_id = ANY($1)`, ended).Scan(&kept); err != nil || kept != 0 {
		t.Fatalf("%d ended releases (%v) keep evidence (%v), want none", kept, ended, err)
	}
	if len(ended) == 0 || len(ended) == len(ids) {
		t.Fatalf("the scenarios ended %v of %v: the test needs some of each", ended, ids)
	}
	running := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return slices.Contains(ended, id) })[0]
	consistent := func(out string) bool {
		return strings.Count(out, `"status":"same"`) == len(ids)-len(ended) && strings.Count(out, `"status":"finished"`) == len(ended)
	}
	if out, err := check("evidence", "check"); err != nil || !consistent(out) {
		t.Fatalf("check: %v\n%s", err, out)
	}
	// An ended release with evidence left from before ended releases
	// dropped theirs: check says finished, rebuild drops it.
	if _, err := conn.Exec(ctx, `INSERT INTO release_evidence (release_id, policy_version, windows, state) VALUES ($1, 1, 3, '\x02')`, ended[0]); err != nil {
		t.Fatal(err)
	}
	if out, err := check("evidence", "check", "--release", ended[0]); err != nil || !strings.Contains(out, `"status":"finished"`) {
		t.Fatalf("check of an ended release with old evidence: %v\n%s", err, out)
	}
	if _, err := check("evidence", "rebuild", "--release", ended[0]); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM release_evidence WHERE release_id = $1`, ended[0]).Scan(&kept); err != nil || kept != 0 {
		t.Fatalf("rebuild left %d evidence rows of an ended release (%v)", kept, err)
	}
	if _, err := conn.Exec(ctx, `UPDATE release_evidence SET state = convert_to('{"policy_version":1}', 'UTF8') WHERE release_id = $1`, running); err != nil {
		t.Fatal(err)
	}
	if out, err := check("evidence", "check"); err == nil || !strings.Contains(out, `"release":"`+running+`","windows":`) || !strings.Contains(out, `"status":"differs"`) {
		t.Fatalf("check after damage: %v\n%s", err, out)
	}
	if out, err := check("evidence", "rebuild", "--release", running); err != nil || !strings.Contains(out, `"status":"rebuilt"`) {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	if out, err := check("evidence", "check"); err != nil || !consistent(out) {
		t.Fatalf("check after rebuild: %v\n%s", err, out)
	}
}
