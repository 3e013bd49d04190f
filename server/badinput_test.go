package server_test

import (
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
)

// TestBadInputEverywhereLeavesNoRows sends malformed, mistyped, unknown,
// oversized and invalid bodies to every endpoint on real PostgreSQL: each
// answers problem+json naming the field, and no table gains a row.
func TestBadInputEverywhereLeavesNoRows(t *testing.T) {
	st := pgtest.Open(t)
	s := newStack(t, st, nil)
	setupService(t, s, "shop", testPolicy(2, ""))
	rel := createRelease(t, s, "shop", "default", "")
	rid := rel.ID
	tables := []string{"policies", "releases", "analyses", "decisions", "audit_log", "outbox", "freezes", "tokens", "idempotency"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = count(t, st.Pool(), "SELECT count(*) FROM "+tb)
	}
	huge := `{"canary":{"m":[` + strings.Repeat("1,", 600<<10) + `1]}}`
	cases := []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"PUT", "/v1/services/shop/policy", `{"metrics":[{"name":"a","group":"g","direction":"sideways"}]}`, 400, "metrics[0].direction"},
		{"PUT", "/v1/services/shop/policy", `{"metrics":[],"bogus":1}`, 400, "bogus"},
		{"PUT", "/v1/services/shop/policy", `{"thresholds":{"pass":"high"},"metrics":[{"name":"a","group":"g","direction":"increase"}]}`, 400, "thresholds.pass"},
		{"POST", "/v1/judge", `{"policy":{"metrics":[{"name":"a","group":"g","direction":"increase"}]},"canary":{"a":["x"]},"baseline":{}}`, 400, "canary.a[0]"},
		{"POST", "/v1/judge", `{"canary":{},"baseline":{}}`, 400, "policy"},
		{"POST", "/v1/releases", `{"service":"shop","target":"z","version":"v9","baseline_version":1}`, 400, "baseline_version"},
		{"POST", "/v1/releases", `{"service":"shop","target":"z","version":"v9","baseline_version":"v8","extra":true}`, 400, "extra"},
		{"POST", "/v1/releases", `{"service":"shop",`, 400, "body"},
		{"POST", "/v1/releases/" + rid + "/analyses", `{"canary":{"latency_p99":[1,2,3]},"baseline":{"nope":[1,2]}}`, 400, "baseline.nope"},
		{"POST", "/v1/releases/" + rid + "/analyses", `{"canary":{"latency_p99":"fast"}}`, 400, "canary.latency_p99"},
		{"POST", "/v1/releases/" + rid + "/analyses", `{"canary":{"latency_p99":["fast"]}}`, 400, "canary.latency_p99[0]"},
		{"POST", "/v1/releases/" + rid + "/analyses", huge, 413, ""},
		{"POST", "/v1/releases/" + rid + "/analyses", `{}`, 400, "canary"},
		{"POST", "/v1/releases/" + rid + "/analyses", `{"canary":{"latency_p99":[1]},"source_error":"x"}`, 400, "source_error"},
		{"POST", "/v1/releases/" + rid + "/events", `{"type":"exploded"}`, 400, "type"},
		{"POST", "/v1/releases/" + rid + "/events", `{"type":"rollback_failed"}`, 409, ""},
		{"POST", "/v1/releases/" + rid + "/override", `{"action":"promote"}`, 400, "reason"},
		{"POST", "/v1/releases/rel_missing/override", `{"action":"halt","reason":"because"}`, 404, ""},
		{"PUT", "/v1/freezes/everything", `{"reason":"nope"}`, 400, "scope"},
		{"PUT", "/v1/freezes/global", `{"reason":"x","expires_at":"2001-01-01T00:00:00Z"}`, 400, "reason"},
		{"PUT", "/v1/freezes/global", `{"reason":"late deploys","expires_at":"tomorrow"}`, 400, "body"},
		{"DELETE", "/v1/freezes/global", ``, 404, ""},
		{"POST", "/v1/tokens", `{"name":"ci","scopes":["god"]}`, 400, "scopes[0]"},
		{"GET", "/v1/services/shop/verdicts?limit=0&since=yesterday", ``, 400, "since"},
		{"GET", "/v1/services/shop/verdicts?cursor=bm9wZQ", ``, 400, "cursor"},
	}
	for _, c := range cases {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := call(t, s.srv, c.method, c.path, body)
		if r.StatusCode != c.status {
			t.Errorf("%s %s %.60s: %d, want %d: %s", c.method, c.path, c.body, r.StatusCode, c.status, r.Body)
			continue
		}
		p := problemOf(t, r)
		if c.field != "" && !hasField(p.Errors, c.field) {
			t.Errorf("%s %s %.60s: errors %+v do not name %q", c.method, c.path, c.body, p.Errors, c.field)
		}
	}
	for _, tb := range tables {
		if n := count(t, st.Pool(), "SELECT count(*) FROM "+tb); n != before[tb] {
			t.Errorf("table %s went from %d to %d rows after rejected requests", tb, before[tb], n)
		}
	}
}

func hasField(errs []judge.FieldError, f string) bool {
	for _, e := range errs {
		if e.Field == f {
			return true
		}
	}
	return false
}
