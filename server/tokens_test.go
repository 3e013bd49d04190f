package server_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
)

const bootSecret = "boot-secret-boot-secret-boot-secret-0001"

var admin = []string{"Authorization", "Bearer " + bootSecret}

// authServer is a server with auth on and a bootstrap admin token.
func authServer(t *testing.T, st store.Full, c *testclock.Clock) *httptest.Server {
	t.Helper()
	if c == nil {
		c = newClock()
	}
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI, Auth: true, AdminTokenHash: server.HashToken(bootSecret)},
		server.Deps{Store: st, Registry: prometheus.NewRegistry(), Now: c.Now})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// newToken creates a token through the API and returns its header.
func newToken(t *testing.T, srv *httptest.Server, body string) []string {
	t.Helper()
	r := call(t, srv, "POST", "/v1/tokens", body, admin...)
	mustStatus(t, r, 201)
	return []string{"Authorization", "Bearer " + decode[map[string]any](t, r)["token"].(string)}
}

// TestTokenManagement: names are unique, scopes not repeated; the list
// shows names, scopes, services, creation and last use but never a secret;
// a revoke takes effect on the next request; every change is audited
// with its actor.
func TestTokenManagement(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		c := newClock()
		srv := authServer(t, st, c)
		ci := newToken(t, srv, `{"name":"ci","scopes":["judge","read"],"services":["shop"]}`)
		mustStatus(t, call(t, srv, "POST", "/v1/tokens", `{"name":"ci","scopes":["read"]}`, admin...), 409)
		r := call(t, srv, "POST", "/v1/tokens", `{"name":"dup","scopes":["read","judge","read"]}`, admin...)
		if r.StatusCode != 400 || !hasField(problemOf(t, r).Errors, "scopes[2]") {
			t.Fatalf("duplicate scope: %d %s", r.StatusCode, r.Body)
		}
		c.Advance(time.Hour)
		mustStatus(t, call(t, srv, "GET", "/v1/freezes", nil, ci...), 200)
		list := call(t, srv, "GET", "/v1/tokens", nil, admin...)
		mustStatus(t, list, 200)
		secret := strings.TrimPrefix(ci[1], "Bearer ")
		if strings.Contains(string(list.Body), secret) || strings.Contains(string(list.Body), "hash") {
			t.Fatalf("the token list shows a secret or a hash: %s", list.Body)
		}
		toks := decode[map[string][]store.Token](t, list)["tokens"]
		if len(toks) != 1 || toks[0].Name != "ci" || strings.Join(toks[0].Scopes, ",") != "judge,read" ||
			strings.Join(toks[0].Services, ",") != "shop" || toks[0].LastUsedAt == nil || !toks[0].LastUsedAt.Equal(c.Now()) {
			t.Fatalf("tokens = %+v; want ci, last used %v", toks, c.Now())
		}
		mustStatus(t, call(t, srv, "DELETE", "/v1/tokens/ci", nil, admin...), 204)
		mustStatus(t, call(t, srv, "GET", "/v1/freezes", nil, ci...), 401)
		mustStatus(t, call(t, srv, "DELETE", "/v1/tokens/ci", nil, admin...), 404)
		log := decode[map[string][]store.AuditEntry](t, call(t, srv, "GET", "/v1/audit?detail=full", nil, admin...))["entries"]
		if len(log) != 2 || log[0].Action != "token:revoke" || log[1].Action != "token:create" ||
			log[0].Actor != "token:bootstrap-admin" || strings.Contains(string(log[1].Input), secret) {
			t.Fatalf("token audit (newest first) = %+v", log)
		}
	})
}

// TestRevokeOnEveryReplica: a token revoked through one replica is refused
// by the other on its very next request.
func TestRevokeOnEveryReplica(t *testing.T) {
	url := pgtest.URL(t)
	srvA, srvB := authServer(t, openPG(t, url), nil), authServer(t, openPG(t, url), nil)
	tok := newToken(t, srvA, `{"name":"deployer","scopes":["read"]}`)
	mustStatus(t, call(t, srvB, "GET", "/v1/freezes", nil, tok...), 200)
	mustStatus(t, call(t, srvA, "DELETE", "/v1/tokens/deployer", nil, admin...), 204)
	mustStatus(t, call(t, srvB, "GET", "/v1/freezes", nil, tok...), 401)
}

// TestTokenServiceRestriction: a token limited to one service is refused
// (403) on every release, analysis, event, override, policy, verdict,
// freeze and audit route of another service, sees only its own releases,
// manages no tokens and sets no global freeze; on its own service
// everything works.
func TestTokenServiceRestriction(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		srv := authServer(t, st, nil)
		for _, svc := range []string{"shop", "bank"} {
			mustStatus(t, call(t, srv, "PUT", "/v1/services/"+svc+"/policy", testPolicy(1000, ""), admin...), 201)
		}
		mk := func(svc string) string {
			r := call(t, srv, "POST", "/v1/releases", `{"service":"`+svc+`","version":"v2","baseline_version":"v1"}`, admin...)
			mustStatus(t, r, 201)
			return decode[store.Release](t, r).ID
		}
		bankRel, shopRel := mk("bank"), mk("shop")
		shop := newToken(t, srv, `{"name":"shop-deployer","scopes":["admin"],"services":["shop"]}`)
		refused := []struct{ method, path, body string }{
			{"GET", "/v1/services/bank/policy", ""},
			{"PUT", "/v1/services/bank/policy", testPolicy(1, "")},
			{"GET", "/v1/services/bank/verdicts", ""},
			{"POST", "/v1/releases", `{"service":"bank","target":"x","version":"v3","baseline_version":"v2"}`},
			{"GET", "/v1/releases?service=bank", ""},
			{"GET", "/v1/releases/" + bankRel, ""},
			{"GET", "/v1/releases/" + bankRel + "/decision", ""},
			{"GET", "/v1/releases/" + bankRel + "/audit", ""},
			{"POST", "/v1/releases/" + bankRel + "/analyses", healthy(1)},
			{"POST", "/v1/releases/" + bankRel + "/events", `{"type":"promoted"}`},
			{"POST", "/v1/releases/" + bankRel + "/override", `{"action":"halt","reason":"not mine"}`},
			{"PUT", "/v1/freezes/service:bank", `{"reason":"not mine"}`},
			{"PUT", "/v1/freezes/global", `{"reason":"everything"}`},
			{"DELETE", "/v1/freezes/global", ""},
			{"GET", "/v1/audit?service=bank", ""},
			{"GET", "/v1/outbox?service=bank", ""},
			{"GET", "/v1/tokens", ""},
			{"POST", "/v1/tokens", `{"name":"escalate","scopes":["admin"]}`},
			{"DELETE", "/v1/tokens/shop-deployer", ""},
		}
		before := snapshot(t, st)
		for _, c := range refused {
			var body any
			if c.body != "" {
				body = c.body
			}
			if r := call(t, srv, c.method, c.path, body, shop...); r.StatusCode != 403 {
				t.Errorf("%s %s with a shop-only token: %d %s, want 403", c.method, c.path, r.StatusCode, r.Body)
			}
		}
		if after := snapshot(t, st); after != before {
			t.Errorf("refused requests changed the store:\n%s\n%s", before, after)
		}
		mustStatus(t, call(t, srv, "GET", "/v1/services/shop/policy", nil, shop...), 200)
		mustStatus(t, call(t, srv, "POST", "/v1/releases/"+shopRel+"/analyses", healthy(1), shop...), 200)
		mustStatus(t, call(t, srv, "PUT", "/v1/freezes/service:shop", `{"reason":"mine"}`, shop...), 200)
		mustStatus(t, call(t, srv, "GET", "/v1/audit?service=shop", nil, shop...), 200)
		for _, e := range decode[map[string][]store.AuditEntry](t, call(t, srv, "GET", "/v1/audit", nil, shop...))["entries"] {
			if e.Service != "shop" {
				t.Errorf("a shop-only token reads the audit entry %+v", e)
			}
		}
		list := decode[map[string][]store.Release](t, call(t, srv, "GET", "/v1/releases", nil, shop...))["releases"]
		if len(list) != 1 || list[0].ID != shopRel {
			t.Fatalf("a shop-only token lists %+v, want only %s", list, shopRel)
		}
	})
}
