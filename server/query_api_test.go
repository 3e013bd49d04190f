package server_test

import (
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
)

// TestBadQueryParameters: every list refuses a query string it cannot read
// the same way on both stores, naming the parameter: GET
// /v1/audit?cursor=%%% was answered 200 (the pair was dropped), and
// /v1/runs?release=%00 was 400 on PostgreSQL but 200 on the memory store.
func TestBadQueryParameters(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		for path, field := range map[string]string{
			"/v1/audit?cursor=%%%":              "cursor",
			"/v1/releases?cursor=%%%":           "cursor",
			"/v1/outbox?cursor=%zz":             "cursor",
			"/v1/runs?release=%00":              "release",
			"/v1/runs?release=%ff":              "release",
			"/v1/releases?service=a;b":          "service",
			"/v1/services/web/verdicts?since=%": "since",
			"/v1/audit?%zz=1":                   "query",
		} {
			r := call(t, s.srv, "GET", path, nil)
			if p := problemOf(t, r); r.StatusCode != 400 || !hasField(p.Errors, field) {
				t.Errorf("GET %s: %d %+v, want 400 naming %q", path, r.StatusCode, p, field)
			}
		}
	})
}
