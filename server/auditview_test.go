package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
)

// TestAuditLines: audit lists give one line per entry, a summary and the
// path of the whole entry, so a page stays small whatever the windows
// carried; detail=full and GET /v1/audit/{entry} give the whole entry. A
// token limited to a service reads only that service's entries.
func TestAuditLines(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		srv := authServer(t, st, nil)
		mustStatus(t, call(t, srv, "PUT", "/v1/services/shop/policy", testPolicy(2, ""), admin...), 201)
		mustStatus(t, call(t, srv, "PUT", "/v1/services/other/policy", testPolicy(2, ""), admin...), 201)
		r := call(t, srv, "POST", "/v1/releases", `{"service":"shop","target":"prod","version":"v2","baseline_version":"v1"}`, admin...)
		mustStatus(t, r, 201)
		id := decode[map[string]any](t, r)["id"].(string)
		side := func(lat string) string {
			return `{"latency_p99":[` + strings.Repeat(lat+",", 999) + lat + `],"error_ratio":[` + strings.Repeat("0.001,", 999) + `0.001]}`
		}
		for w := range 3 { // wait, wait, promote
			body := fmt.Sprintf(`{"canary":%s,"baseline":%s,"window":{"start":"2020-01-01T00:%02d:00Z","end":"2020-01-01T00:%02d:00Z"}}`,
				side("125"), side("120"), 5*w, 5*w+5)
			mustStatus(t, call(t, srv, "POST", "/v1/releases/"+id+"/analyses", body, admin...), 200)
		}
		r = call(t, srv, "GET", "/v1/audit?service=shop", nil, admin...)
		mustStatus(t, r, 200)
		lines := decode[struct {
			Entries []struct {
				ID                      int64
				Action, Summary, Detail string
				Input                   any
			}
		}](t, r).Entries
		if len(lines) != 5 || len(r.Body) > 4<<10 {
			t.Fatalf("%d lines in %d bytes; want 5 (policy, release, 3 windows of 2,000 points a side) in a few KB", len(lines), len(r.Body))
		}
		w := lines[0]
		if w.Action != "analysis" || w.Input != nil || !strings.HasPrefix(w.Summary, "promote (bake_complete) → promoted: ") || w.Detail != fmt.Sprintf("/v1/audit/%d", w.ID) {
			t.Fatalf("newest line %+v; want the last window's decision in one line and the path of its detail", w)
		}
		full := call(t, srv, "GET", w.Detail, nil, admin...)
		mustStatus(t, full, 200)
		if e := decode[store.AuditEntry](t, full); e.ID != w.ID || !strings.Contains(string(e.Input), "125,125") || !strings.Contains(string(e.Output), `"decision"`) {
			t.Fatalf("detail %s: %+v; want the whole entry with its input and decision", w.Detail, e)
		}
		if r := call(t, srv, "GET", "/v1/audit?service=shop&detail=full&limit=1", nil, admin...); !strings.Contains(string(r.Body), `"input"`) {
			t.Errorf("detail=full: %s", r.Body)
		}
		shopOnly := newToken(t, srv, `{"name":"shop-reader","scopes":["read"],"services":["shop"]}`)
		mustStatus(t, call(t, srv, "GET", w.Detail, nil, shopOnly...), 200)
		others := decode[struct{ Entries []struct{ Detail string } }](t, call(t, srv, "GET", "/v1/audit?service=other", nil, admin...)).Entries
		mustStatus(t, call(t, srv, "GET", others[0].Detail, nil, shopOnly...), 403)
		for path, status := range map[string]int{"/v1/audit/0": 400, "/v1/audit/x": 400, "/v1/audit/999999": 404, "/v1/audit?detail=some": 400} {
			mustStatus(t, call(t, srv, "GET", path, nil, admin...), status)
		}
	})
}
