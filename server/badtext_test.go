package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// textField is one string field of one endpoint: tpl holds %s where the
// field's JSON value goes; limit is its documented length limit in bytes.
type textField struct {
	method, path, tpl, field string
	limit                    int
}

const policyMetric = `{"name":"m","group":"g","direction":"increase"}`

// policyFields are every string of a policy, as templates of a policy.
var policyFields = []struct{ tpl, field string }{
	{`{"mode":%s,"metrics":[` + policyMetric + `]}`, "mode"},
	{`{"metrics":[{"name":%s,"group":"g","direction":"increase"}]}`, "metrics[0].name"},
	{`{"metrics":[{"name":"m","group":%s,"direction":"increase"}]}`, "metrics[0].group"},
	{`{"metrics":[{"name":"m","group":"g","query":%s,"direction":"increase"}]}`, "metrics[0].query"},
	{`{"metrics":[{"name":"m","group":"g","direction":%s}]}`, "metrics[0].direction"},
	{`{"metrics":[{"name":"m","group":"g","direction":"increase","nan_strategy":%s}]}`, "metrics[0].nan_strategy"},
	{`{"metrics":[{"name":"m","group":"g","direction":"increase","outliers":{"strategy":%s}}]}`, "metrics[0].outliers.strategy"},
	{`{"metrics":[{"name":"m","group":"g","direction":"increase","effect_size":{"measure":%s}}]}`, "metrics[0].effect_size.measure"},
	{`{"metrics":[{"name":"m","group":"g","direction":"increase","ceiling_stat":%s}]}`, "metrics[0].ceiling_stat"},
	{`{"metrics":[` + policyMetric + `],"windows":{"interval":%s}}`, "windows.interval"},
	{`{"metrics":[` + policyMetric + `],"windows":{"min_bake":%s}}`, "windows.min_bake"},
	{`{"metrics":[` + policyMetric + `],"windows":{"stale_after":%s}}`, "windows.stale_after"},
	{`{"metrics":[` + policyMetric + `],"guards":{"rollback_timeout":%s}}`, "guards.rollback_timeout"},
	{`{"metrics":[` + policyMetric + `],"guards":{"rollback_cap":{"window":%s}}}`, "guards.rollback_cap.window"},
	{`{"metrics":[` + policyMetric + `],"guards":{"migrations":%s}}`, "guards.migrations"},
	{`{"metrics":[` + policyMetric + `],"notify":[{"kind":%s,"url":"https://h.example/x"}]}`, "notify[0].kind"},
	{`{"metrics":[` + policyMetric + `],"notify":[{"kind":"webhook","url":%s}]}`, "notify[0].url"},
	{`{"metrics":[` + policyMetric + `],"notify":[{"kind":"webhook","url":"https://h.example/x","secret":%s}]}`, "notify[0].secret"},
	{`{"metrics":[` + policyMetric + `],"notify":[{"kind":"pagerduty","routing_key":%s}]}`, "notify[0].routing_key"},
	{`{"metrics":[` + policyMetric + `],"notify":[{"kind":"slack","url":"https://h.example/x","events":[%s]}]}`, "notify[0].events[0]"},
	{`{"metrics":[` + policyMetric + `],"groups":{%s:50}}`, "groups"}, // an object key: named by its object
}

// textFields lists every string field of every endpoint with a body.
func textFields(rid string) []textField {
	limits := map[string]int{"metrics[0].query": 16 << 10, "notify[0].url": 2048, "notify[0].routing_key": 256, "groups": 256}
	var out []textField
	for _, p := range policyFields {
		n := limits[p.field]
		if n == 0 {
			n = 1024
		}
		out = append(out, textField{"PUT", "/v1/services/shop/policy", p.tpl, p.field, n},
			textField{"POST", "/v1/judge", `{"policy":` + p.tpl + `,"canary":{"m":[1,2]},"baseline":{"m":[1,2]}}`, "policy." + p.field, n})
	}
	rel := func(tpl, field string, n int) textField { return textField{"POST", "/v1/releases", tpl, field, n} }
	on := func(what, tpl, field string, n int) textField {
		return textField{"POST", "/v1/releases/" + rid + "/" + what, tpl, field, n}
	}
	return append(out,
		textField{"POST", "/v1/judge", `{"policy":{"metrics":[` + policyMetric + `]},"canary":{%s:[1]},"baseline":{"m":[1]}}`, "canary", 256},
		rel(`{"service":%s,"version":"v2","baseline_version":"v1"}`, "service", 1024),
		rel(`{"service":"shop","target":%s,"version":"v2","baseline_version":"v1"}`, "target", 1024),
		rel(`{"service":"shop","version":%s,"baseline_version":"v1"}`, "version", 1024),
		rel(`{"service":"shop","version":"v2","baseline_version":%s}`, "baseline_version", 1024),
		rel(`{"service":"shop","version":"v2","baseline_version":"v1","migrations":[{"id":%s,"compat":"expand"}]}`, "migrations[0].id", 256),
		rel(`{"service":"shop","version":"v2","baseline_version":"v1","migrations":[{"id":"a","compat":%s}]}`, "migrations[0].compat", 1024),
		rel(`{"service":"shop","version":"v2","baseline_version":"v1","migrations":[{"id":"a","compat":"expand","sql":%s}]}`, "migrations[0].sql", 256<<10),
		rel(`{"service":"shop","version":"v2","baseline_version":"v1","migrations":[{"id":"a","compat":"expand","classified":%s}]}`, "migrations[0].classified", 1024),
		on("analyses", `{"source_error":%s}`, "source_error", 16<<10),
		on("analyses", `{"canary":{%s:[1]},"baseline":{"latency_p99":[1]}}`, "canary", 256),
		on("analyses", `{"canary":{"latency_p99":[1,%s]},"baseline":{"latency_p99":[1]}}`, "canary.latency_p99[1]", 1024),
		on("events", `{"type":%s}`, "type", 1024),
		on("events", `{"type":"rollback_failed","detail":%s}`, "detail", 16<<10),
		on("override", `{"action":%s,"reason":"because"}`, "action", 1024),
		on("override", `{"action":"halt","reason":%s}`, "reason", 1024),
		textField{"PUT", "/v1/freezes/global", `{"reason":%s}`, "reason", 1024},
		textField{"PUT", "/v1/freezes/service:shop", `{"reason":"incident","expires_at":%s}`, "expires_at", 1024},
		textField{"POST", "/v1/migrations/check", `{"sql":%s}`, "sql", 256 << 10},
		textField{"POST", "/v1/tokens", `{"name":%s,"scopes":["read"]}`, "name", 1024},
		textField{"POST", "/v1/tokens", `{"name":"ci","scopes":[%s]}`, "scopes[0]", 1024},
		textField{"POST", "/v1/tokens", `{"name":"ci","scopes":["read"],"services":[%s]}`, "services[0]", 1024},
	)
}

// badValues are the JSON values sent into each field: a NUL escape, a raw
// NUL byte, invalid UTF-8, a lone surrogate escape, and one byte over the
// field's limit.
func badValues(limit int) map[string]string {
	return map[string]string{
		"escaped NUL":    `"a\u0000b"`,
		"raw NUL":        "\"a\x00b\"",
		"invalid UTF-8":  "\"a\xff\xfeb\"",
		"lone surrogate": `"a\ud800b"`,
		"oversize":       `"` + strings.Repeat("x", limit+1) + `"`,
	}
}

// TestBadTextEverywhere sends NUL bytes, invalid UTF-8, lone surrogates
// and oversize values into every string field of every endpoint, and bad
// path and query parameters: each answers 400 naming the field and no
// store changes, on both stores.
func TestBadTextEverywhere(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "shop", testPolicy(2, `,"notify":[{"kind":"webhook","url":"http://127.0.0.1:9/x"}]`))
		rid := createRelease(t, s, "shop", "default", "").ID
		mustStatus(t, call(t, s.srv, "PUT", "/v1/freezes/service:other", `{"reason":"seed a freeze"}`), 200)
		before := snapshot(t, st)
		cases := 0
		for _, f := range textFields(rid) {
			for kind, val := range badValues(f.limit) {
				cases++
				r := call(t, s.srv, f.method, f.path, strings.Replace(f.tpl, "%s", val, 1))
				if r.StatusCode != 400 {
					t.Errorf("%s %s, %s in %s: %d, want 400: %.300s", f.method, f.path, kind, f.field, r.StatusCode, r.Body)
					continue
				}
				if p := problemOf(t, r); !hasField(p.Errors, f.field) {
					t.Errorf("%s %s, %s in %s: errors %+v do not name the field", f.method, f.path, kind, f.field, p.Errors)
				}
			}
		}
		cases += checkBadParams(t, s, rid)
		if after := snapshot(t, st); after != before {
			t.Errorf("rejected requests changed the store:\nbefore %s\nafter  %s", before, after)
		}
		t.Logf("%d bad requests, all refused naming the field", cases)
	})
}

// checkBadParams sends bad path and query parameters and bad YAML.
func checkBadParams(t *testing.T, s stack, rid string) int {
	long := strings.Repeat("r", 300)
	cases := []struct{ method, path, body, field string }{
		{"GET", "/v1/releases/a%00b", "", "id"},
		{"GET", "/v1/releases/a%FFb", "", "id"},
		{"GET", "/v1/releases/" + long, "", "id"},
		{"GET", "/v1/releases/a%00b/decision", "", "id"},
		{"GET", "/v1/releases/a%00b/audit", "", "id"},
		{"POST", "/v1/releases/a%00b/analyses", `{"source_error":"x"}`, "id"},
		{"POST", "/v1/releases/a%FFb/events", `{"type":"promoted"}`, "id"},
		{"POST", "/v1/releases/a%00b/override", `{"action":"halt","reason":"because"}`, "id"},
		{"GET", "/v1/services/sh%00op/policy", "", "service"},
		{"PUT", "/v1/services/sh%FFop/policy", `{"metrics":[` + policyMetric + `]}`, "service"},
		{"GET", "/v1/services/sh%00op/verdicts", "", "service"},
		{"PUT", "/v1/freezes/service:sh%00op", `{"reason":"because"}`, "scope"},
		{"DELETE", "/v1/freezes/glo%FFbal", "", "scope"},
		{"DELETE", "/v1/tokens/c%00i", "", "name"},
		{"GET", "/v1/releases?service=sh%00op", "", "service"},
		{"GET", "/v1/releases?state=ba%FFking", "", "state"},
		{"GET", "/v1/releases?target=" + long, "", "target"},
		{"GET", "/v1/audit?service=a%00", "", "service"},
		{"GET", "/v1/releases/" + rid + "/audit?cursor=%00", "", "cursor"},
	}
	for _, c := range cases {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := call(t, s.srv, c.method, c.path, body)
		if r.StatusCode != 400 || !hasField(problemOf(t, r).Errors, c.field) {
			t.Errorf("%s %s: %d %s, want 400 naming %s", c.method, c.path, r.StatusCode, r.Body, c.field)
		}
	}
	yamls := []struct{ body, field string }{
		{"metrics:\n  - name: \"a\\0b\"\n    group: g\n    direction: increase\n", "metrics[0].name"},
		{"metrics:\n  - name: m\n    group: g\n    direction: increase\n    query: \"" + strings.Repeat("q", 16<<10+1) + "\"\n", "metrics[0].query"},
		{"metrics:\n  - name: \"a\xffb\"\n    group: g\n    direction: increase\n", "policy"},
	}
	for _, y := range yamls {
		r := call(t, s.srv, "PUT", "/v1/services/shop/policy", y.body, "Content-Type", "application/yaml")
		if r.StatusCode != 400 || !hasField(problemOf(t, r).Errors, y.field) {
			t.Errorf("YAML policy %.40q: %d %s, want 400 naming %s", y.body, r.StatusCode, r.Body, y.field)
		}
	}
	return len(cases) + len(yamls)
}

// snapshot describes everything a store holds, through its own API (and,
// on PostgreSQL, every table's row count).
func snapshot(t *testing.T, st store.Full) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	rels, err := st.ListReleases(ctx, store.ReleaseQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		as, _ := st.Analyses(ctx, r.ID, 0)
		d, _ := st.LatestDecision(ctx, r.ID)
		fmt.Fprintf(&b, "release %s %s %s analyses %d decision %d; ", r.ID, r.Target, r.State, len(as), d.ID)
	}
	audit, _ := st.AuditLog(ctx, store.AuditQuery{})
	toks, _ := st.ListTokens(ctx)
	fz, _ := st.ListFreezes(ctx, time.Now())
	pol, _ := st.GetPolicy(ctx, "shop")
	fmt.Fprintf(&b, "audit %d tokens %d freezes %d policy v%d", len(audit), len(toks), len(fz), pol.Version)
	if pg, ok := st.(*postgres.Store); ok {
		for _, tb := range []string{"services", "policies", "releases", "analyses", "decisions", "audit_log", "outbox", "freezes", "tokens", "idempotency"} {
			fmt.Fprintf(&b, " %s=%d", tb, count(t, pg.Pool(), "SELECT count(*) FROM "+tb))
		}
	}
	return b.String()
}

// TestFreezeReasonLength: a freeze's reason is limited to
// engine.MaxReasonBytes by the central text check, before the handler
// decodes it, with a problem naming reason.
func TestFreezeReasonLength(t *testing.T) {
	s := newStack(t, memory.New(), nil)
	mustStatus(t, call(t, s.srv, "PUT", "/v1/freezes/global", `{"reason":"`+strings.Repeat("r", engine.MaxReasonBytes)+`"}`), 200)
	n := engine.MaxReasonBytes + 1
	r := call(t, s.srv, "PUT", "/v1/freezes/global", `{"reason":"`+strings.Repeat("r", n)+`"}`)
	want := judge.FieldError{Field: "reason", Message: fmt.Sprintf("must be at most %d bytes (it has %d)", engine.MaxReasonBytes, n)}
	if p := problemOf(t, r); r.StatusCode != 400 || !slices.Contains(p.Errors, want) {
		t.Fatalf("a %d-byte reason: %d %s, want 400 with %+v", n, r.StatusCode, r.Body, want)
	}
}
